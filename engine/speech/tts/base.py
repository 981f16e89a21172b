"""The ``Synthesizer`` protocol, the engines, and each language's default voice.

Engines: ``coqui`` (local model folders: VITS, YourTTS, XTTS-v2; cloning models take the
presenter's clean speech as reference), ``kokoro`` (Kokoro-82M ONNX), ``piper`` (Piper voices)
and ``espeak-ng`` (formant synthesis, 100+ languages, always present).

Default voices were chosen by listening through ASR: each candidate's output was transcribed
back with Whisper base and scored by character error rate against the text it was given
(see ``benchmarks/speech_quality.py``): Piper joe for English; Kokoro for Spanish and
Portuguese (accented, but clearly more intelligible than espeak-ng); espeak-ng elsewhere.
Where an engine has voices of both registers, the one nearer the presenter's median pitch is
taken (voice matching then has less to move, and moves it with fewer artefacts).
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
                   reference: tuple[np.ndarray, int] | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
        """(samples,) float32 in [-1, 1] and its sample rate. ``rate`` > 1 speaks faster
        (engines that cannot change their rate ignore it; fitting then stretches)."""
        ...


# Per-language preference; the first engine that is installed and speaks the language wins.
# Each entry: (voice for a low-pitched presenter, voice for a high-pitched one).
PREFERENCES: dict[str, tuple[tuple[VoiceChoice, VoiceChoice], ...]] = {
    "en": ((VoiceChoice("piper", "en_US-joe-medium"),) * 2,
           (VoiceChoice("kokoro", "jm_kumo"), VoiceChoice("kokoro", "jf_alpha"))),
    **{lang: ((VoiceChoice("kokoro", "jm_kumo"), VoiceChoice("kokoro", "jf_alpha")),)
       for lang in ("es", "pt", "fr", "it")},
}
LOW_PITCH_HZ = 165.0  # between typical adult male (~85–155 Hz) and female (~165–255 Hz) median f0


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


def default_voice(registry: ModelRegistry, language: str, presenter_hz: float | None = None) -> VoiceChoice:
    """The language's default voice among what is installed; espeak-ng as the last resort.
    ``presenter_hz``: the presenter's median pitch (None or 0: unknown, a low voice is taken)."""
    from engine.errors import ModelMissingError

    high = bool(presenter_hz) and presenter_hz >= LOW_PITCH_HZ
    for pair in PREFERENCES.get(language, ()):
        choice = pair[1] if high else pair[0]
        try:
            synth = make_synthesizer(registry, choice.engine)
            if language in synth.languages() and choice.voice in synth.voices(language):
                return choice
        except ModelMissingError:
            continue
    from engine.speech.tts.espeak import EspeakSynthesizer

    espeak = EspeakSynthesizer()
    if language in espeak.languages():
        return VoiceChoice("espeak-ng", espeak.voices(language)[2 if high else 0])
    raise UnsupportedLanguageError(f"no installed TTS engine speaks '{language}'")
