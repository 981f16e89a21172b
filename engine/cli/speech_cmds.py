"""Speech commands: ``export`` (subtitles; the video export joins the same command) and ``voices``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.errors import AvdubError
from engine.models.registry import ModelRegistry
from engine.project.store import load_project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export subtitles (SRT / WebVTT) of a project")
    p.add_argument("project", type=Path)
    p.add_argument("--srt", type=Path, metavar="FILE", help="write SRT subtitles to FILE")
    p.add_argument("--vtt", type=Path, metavar="FILE", help="write WebVTT subtitles to FILE")
    p.add_argument("--which", choices=["source", "target", "bilingual"], default="target",
                   help="which text the subtitles carry (default: target)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export, export_steps=[export_subtitles])

    p = sub.add_parser("voices", help="list the voices each TTS engine offers here")
    p.add_argument("language", nargs="?", help="ISO 639-1 code (default: every language)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_voices)


def export_subtitles(args: argparse.Namespace, folder, project) -> list[str]:
    """One export step: the subtitle files asked for. Other steps (video, stems) are appended
    to ``export_steps`` by their own modules and run in the same command."""
    from engine.speech.subtitles import Which, write

    written = []
    for fmt in ("srt", "vtt"):
        path = getattr(args, fmt, None)
        if path is not None:
            write(project, Which(args.which), path, fmt)
            written.append(str(path))
    return written


def cmd_export(args: argparse.Namespace) -> int:
    folder, project = load_project(args.project)
    written: list[str] = []
    for step in args.export_steps:
        written += step(args, folder, project)
    if not written:
        raise AvdubError("nothing to export: name a file with --srt or --vtt")
    print(json.dumps({"written": written}) if args.json else "\n".join(f"wrote {w}" for w in written))
    return 0


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
