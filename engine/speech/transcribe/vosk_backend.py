"""Vosk (Kaldi) recognition with per-word timestamps.

Vosk models are one language each and cannot detect the language. Audio is fed as 16-bit PCM
in 0.5 s chunks; every result carries ``result`` entries with ``word``, ``start``, ``end`` and
``conf``.
"""

from __future__ import annotations

import json

import numpy as np

from engine.errors import ModelMissingError
from engine.models.registry import ModelRegistry
from engine.project.model import Word
from engine.speech.transcribe.base import SAMPLE_RATE, Transcript

CHUNK = SAMPLE_RATE // 2  # 0.5 s of samples per AcceptWaveform call


class VoskTranscriber:
    name = "vosk"

    def __init__(self, registry: ModelRegistry, model_id: str, language: str):
        import vosk

        vosk.SetLogLevel(-1)
        location = registry.locate(model_id)
        try:
            self._model = vosk.Model(str(location.directory))
        except Exception as exc:  # vosk raises a bare Exception for an unusable folder
            raise ModelMissingError(model_id, f"Vosk cannot load {location.directory}: {exc}",
                                    location.spec.install_hint) from None
        self.language = language

    def transcribe(self, audio: np.ndarray, language: str | None) -> Transcript:
        import vosk

        assert audio.ndim == 1, audio.shape  # (samples,) at 16 kHz
        rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        rec.SetWords(True)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        results = []
        for i in range(0, len(pcm), CHUNK * 2):
            if rec.AcceptWaveform(pcm[i:i + CHUNK * 2]):
                results.append(json.loads(rec.Result()))
        results.append(json.loads(rec.FinalResult()))
        words = [Word(r["word"], round(r["start"], 3), round(r["end"], 3), round(r.get("conf", 1.0), 3))
                 for res in results for r in res.get("result", ())]
        return Transcript(self.language, tuple(words))
