"""The ``Transcriber`` protocol, its result, and the choice of backend for a language.

A transcriber takes 16 kHz mono float32 audio and returns words with timestamps and the
language spoken. Backends: ``faster-whisper`` (multilingual Whisper base with language
detection; Whisper tiny.en for English) and ``vosk`` (Kaldi models, one per language; only a
Korean one is obtainable offline here). Voice activity detection is applied *before*
recognition (see :mod:`engine.speech.vad`): audio outside speech is zeroed, so Whisper has no
music or silence to hallucinate words from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.errors import UnsupportedLanguageError
from engine.models.registry import ModelRegistry
from engine.project.model import Word

SAMPLE_RATE = 16_000  # Hz: what Whisper and Vosk models take


@dataclass(frozen=True)
class Transcript:
    language: str
    words: tuple[Word, ...]
    language_probability: float = 1.0


class Transcriber(Protocol):
    name: str

    def transcribe(self, audio: np.ndarray, language: str | None) -> Transcript:
        """``audio``: (samples,) float32 at 16 kHz. ``language`` None: detect it."""
        ...


# Vosk model ids by language; only Korean can be installed by package name here.
VOSK_MODELS = {"ko": "vosk-ko"}
BACKENDS = ("faster-whisper", "vosk")


def _ct2_device(device: str) -> str:
    """CTranslate2's device: CUDA when asked for (or "auto") and present, else the CPU."""
    if device == "cpu":
        return "cpu"
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except (ImportError, RuntimeError):
        return "cpu"


def make_transcriber(registry: ModelRegistry, backend: str, language: str | None,
                     threads: int = 1, model: str | None = None, device: str = "auto") -> Transcriber:
    """The backend for ``language`` (None: detect, which only Whisper base can do)."""
    if backend == "vosk":
        if language is None:
            raise UnsupportedLanguageError("the vosk backend cannot detect the language; pass --from")
        from engine.speech.transcribe.vosk_backend import VoskTranscriber
        return VoskTranscriber(registry, VOSK_MODELS.get(language, f"vosk-{language}"), language)
    if backend == "faster-whisper":
        from engine.speech.transcribe.whisper_backend import WhisperTranscriber
        if model is None:
            model = "whisper-base"
        return WhisperTranscriber(registry, model, threads=threads, device=_ct2_device(device))
    raise UnsupportedLanguageError(f"unknown ASR backend '{backend}'; choose one of {', '.join(BACKENDS)}")
