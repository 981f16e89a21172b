"""Kokoro-82M (int8 ONNX) through ``kokoro-onnx``; phonemes by espeak-ng, 24 kHz output.

Only the Japanese voice vectors are obtainable offline; with them Kokoro speaks English,
Spanish, Portuguese, French, Italian, Hindi and Chinese with an accent.
"""

from __future__ import annotations

import numpy as np

from engine.models.registry import ModelRegistry
from engine.speech.model_files import locate_model

# ISO 639-1 → the espeak-ng language kokoro-onnx phonemizes with.
LANG = {"en": "en-us", "es": "es", "pt": "pt-br", "fr": "fr-fr", "it": "it", "hi": "hi", "zh": "cmn"}


class KokoroSynthesizer:
    name = "kokoro"
    clones_voice = False

    def __init__(self, registry: ModelRegistry, threads: int = 1):
        self._location = locate_model(registry, "kokoro-82m")
        self._threads = threads
        self._engine = None

    def _load(self):
        if self._engine is None:
            import onnxruntime as ort
            from kokoro_onnx import Kokoro

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self._threads
            session = ort.InferenceSession(str(self._location.path("kokoro-v1.0.int8.onnx")), sess_options=opts,
                                           providers=["CPUExecutionProvider"])
            self._engine = Kokoro.from_session(session, str(self._location.path("voices_ja.npz")))
        return self._engine

    def languages(self) -> set[str]:
        return set(LANG)

    def voices(self, language: str) -> list[str]:
        if language not in LANG:
            return []
        with np.load(self._location.path("voices_ja.npz")) as npz:
            return sorted(npz.files)

    def synthesize(self, text: str, language: str, voice: str,
                   reference: tuple[np.ndarray, int] | None = None, rate: float = 1.0) -> tuple[np.ndarray, int]:
        audio, sr = self._load().create(text.strip(), voice=voice or "jm_kumo", lang=LANG[language],
                                        speed=float(rate))
        return np.asarray(audio, dtype=np.float32).ravel(), int(sr)
