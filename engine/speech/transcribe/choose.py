"""The choice of speech recognition backend for a language, and of its device.

Apart from :mod:`engine.speech.transcribe.base` (the protocol the backends implement), so
that the backends import the protocol and this module imports them, in one direction.
"""

from __future__ import annotations

from engine.errors import UnsupportedLanguageError
from engine.models.registry import ModelRegistry
from engine.speech.transcribe.base import Transcriber

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
