"""The ``Synthesizer`` protocol, the engines, and each language's default voice.

Engines: ``coqui`` (local model folders: VITS, YourTTS, XTTS-v2; cloning models take the
presenter's clean speech as reference), ``kokoro`` (Kokoro-82M ONNX), ``piper`` (Piper voices)
and ``espeak-ng`` (formant synthesis, 100+ languages, always present).

Default voices were chosen by listening through ASR: each candidate's output was transcribed
back with Whisper base and scored by character error rate against the text it was given
(see ``benchmarks/speech_quality.py``): Piper joe for English; Kokoro for Spanish and
Portuguese (accented, but clearly more intelligible than espeak-ng); espeak-ng elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.errors import AvdubError, UnsupportedLanguageError
from engine.models.registry import ModelRegistry

ENGINES = ("coqui", "kokoro", "piper", "espeak-ng")


@dataclass(frozen=True)
class VoiceChoice:
    engine: str
    voice: str


class Synthesizer(Protocol):
    name: str
    clones_voice: bool  # True: ``reference`` audio of the presenter steers the voice

    def languages(self) -> set[str]:
        ...

    def voices(self, language: str) -> list[str]:
        ...

    def synthesize(self, text: str, language: str, voice: str,
                   reference: tuple[np.ndarray, int] | None = None) -> tuple[np.ndarray, int]:
        """(samples,) float32 in [-1, 1] and its sample rate."""
        ...


# Per-language preference; the first engine that is installed and speaks the language wins.
PREFERENCES: dict[str, tuple[VoiceChoice, ...]] = {
    "en": (VoiceChoice("piper", "en_US-joe-medium"), VoiceChoice("kokoro", "jm_kumo")),
    "es": (VoiceChoice("kokoro", "jm_kumo"),),
    "pt": (VoiceChoice("kokoro", "jm_kumo"),),
    "fr": (VoiceChoice("kokoro", "jm_kumo"),),
    "it": (VoiceChoice("kokoro", "jm_kumo"),),
}


def make_synthesizer(registry: ModelRegistry, engine: str) -> Synthesizer:
    if engine == "espeak-ng":
        from engine.speech.tts.espeak import EspeakSynthesizer
        return EspeakSynthesizer()
    if engine == "kokoro":
        from engine.speech.tts.kokoro import KokoroSynthesizer
        return KokoroSynthesizer(registry)
    if engine == "piper":
        from engine.speech.tts.piper import PiperSynthesizer
        return PiperSynthesizer(registry)
    if engine == "coqui":
        from engine.speech.tts.coqui import CoquiSynthesizer
        return CoquiSynthesizer(registry)
    raise AvdubError(f"unknown TTS engine '{engine}'; choose one of {', '.join(ENGINES)}")


def default_voice(registry: ModelRegistry, language: str) -> VoiceChoice:
    """The language's default voice among what is installed; espeak-ng as the last resort."""
    from engine.errors import ModelMissingError

    for choice in PREFERENCES.get(language, ()):
        try:
            synth = make_synthesizer(registry, choice.engine)
            if language in synth.languages() and choice.voice in synth.voices(language):
                return choice
        except ModelMissingError:
            continue
    from engine.speech.tts.espeak import EspeakSynthesizer

    espeak = EspeakSynthesizer()
    if language in espeak.languages():
        return VoiceChoice("espeak-ng", espeak.voices(language)[0])
    raise UnsupportedLanguageError(f"no installed TTS engine speaks '{language}'")
