"""Speech commands: ``voices`` (subtitles are written by ``avdub export``)."""

from __future__ import annotations

import argparse
import json

from engine.errors import AvdubError
from engine.models.registry import ModelRegistry


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("voices", help="list the voices each TTS engine offers here")
    p.add_argument("language", nargs="?", help="ISO 639-1 code (default: every language)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_voices)


def list_voices(registry: ModelRegistry, language: str | None) -> dict[str, dict[str, list[str]] | None]:
    """engine → language → voices available on this machine (None: the engine is not installed)."""
    from engine.errors import ModelMissingError
    from engine.speech.tts import default_voice, make_synthesizer
    from engine.speech.tts.base import ENGINES

    out: dict[str, dict[str, list[str]] | None] = {}
    for engine in ENGINES:
        try:
            synth = make_synthesizer(registry, engine)
            langs = sorted(synth.languages())
        except ModelMissingError:
            out[engine] = None
            continue
        if language is not None:
            langs = [lang for lang in langs if lang == language]
        voices = {lang: synth.voices(lang) for lang in langs}
        out[engine] = {lang: v for lang, v in voices.items() if v}
    if language is not None:
        try:
            d = default_voice(registry, language)
            out["default"] = {language: [f"{d.engine}:{d.voice}"]}
        except AvdubError:
            out["default"] = {}
    return out


def cmd_voices(args: argparse.Namespace) -> int:
    voices = list_voices(ModelRegistry.from_environment(), args.language)
    if args.json:
        print(json.dumps(voices, ensure_ascii=False, indent=1))
        return 0
    for engine, langs in voices.items():
        if langs is None:
            print(f"{engine:<10} (not installed)")
            continue
        if not langs:
            print(f"{engine:<10} {'(no voice for ' + args.language + ')' if args.language else '(no voices)'}")
            continue
        for lang, names in langs.items():
            print(f"{engine:<10} {lang:<4} {', '.join(names) if names else '-'}")
    return 0
