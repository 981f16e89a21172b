"""Piper (VITS, ONNX) voices; ``en_US-joe-medium`` ships as a package. 22.05 kHz output."""

from __future__ import annotations

import io
import wave

import numpy as np

from engine.errors import UnsupportedLanguageError
from engine.models.registry import ModelRegistry

# voice name → (model id, language)
VOICES = {"en_US-joe-medium": ("piper-en-joe", "en")}


class PiperSynthesizer:
    name = "piper"
    clones_voice = False

    def __init__(self, registry: ModelRegistry):
        self._registry = registry
        self._installed = {v: lang for v, (mid, lang) in VOICES.items() if registry.find(mid) is not None}
        self._loaded: dict[str, object] = {}

    def languages(self) -> set[str]:
        return set(self._installed.values())

    def voices(self, language: str) -> list[str]:
        return sorted(v for v, lang in self._installed.items() if lang == language)

    def synthesize(self, text: str, language: str, voice: str,
                   reference: tuple[np.ndarray, int] | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
        from piper import PiperVoice

        voice = voice or next(iter(self.voices(language)), "")
        if voice not in VOICES:
            raise UnsupportedLanguageError(f"no Piper voice '{voice}'; known: {', '.join(VOICES)}")
        if voice not in self._loaded:
            location = self._registry.locate(VOICES[voice][0])
            self._loaded[voice] = PiperVoice.load(str(location.path(f"{voice}.onnx")))
        from piper import SynthesisConfig

        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            self._loaded[voice].synthesize_wav(text.strip(), w,  # type: ignore[attr-defined]
                                               syn_config=None if rate == 1.0 else SynthesisConfig(
                                                   length_scale=self._loaded[voice].config.length_scale / rate))
        buf.seek(0)
        with wave.open(buf, "rb") as r:
            sr = r.getframerate()
            pcm = np.frombuffer(r.readframes(r.getnframes()), dtype="<i2")
        return pcm.astype(np.float32) / 32768.0, sr
