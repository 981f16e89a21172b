"""Vosk (Kaldi) recognition with per-word timestamps.

Vosk models are one language each and cannot detect the language. Audio is fed as 16-bit PCM
in 0.5 s chunks; every result carries ``result`` entries with ``word``, ``start``, ``end`` and
``conf``.
A long recording streams through one recognizer block by block (Vosk is built for streams),
so its times are already counted from the recording's start.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np

from engine.errors import ModelMissingError
from engine.media.audio import SAMPLE_RATE
from engine.models.registry import ModelLocation, ModelRegistry
from engine.models.spec import ModelFile, ModelSpec
from engine.project.model import Word
from engine.speech.transcribe.base import AudioBlock, Transcript

CHUNK = SAMPLE_RATE // 2  # 0.5 s of samples per AcceptWaveform call


VOSK_MODELS_URL = "https://alphacephei.com/vosk/models"


def _locate(registry: ModelRegistry, model_id: str, language: str) -> ModelLocation:
    """A catalogued Vosk model, or an unpacked Vosk folder named ``vosk-<lang>`` on the search path."""
    if model_id in registry.specs:
        return registry.locate(model_id)
    for directory, source in registry.search_dirs:
        candidate = directory / model_id
        if (candidate / "am" / "final.mdl").is_file():
            spec = ModelSpec(model_id, f"Vosk model ({language})", "see the model's README", (ModelFile("am/final.mdl"),))
            return ModelLocation(spec, candidate, source)
    raise ModelMissingError(model_id, f"no Vosk model for '{language}' in {', '.join(str(d) for d, _ in registry.search_dirs)}",
                            f"download the {language} model from {VOSK_MODELS_URL} and unpack it as "
                            f"{registry.user_dir / model_id}")


class VoskTranscriber:
    name = "vosk"
    max_block_seconds: float | None = None  # a stream: every sample, in consecutive blocks

    def __init__(self, registry: ModelRegistry, model_id: str, language: str):
        import vosk

        vosk.SetLogLevel(-1)
        location = _locate(registry, model_id, language)
        try:
            self._model = vosk.Model(str(location.directory))
        except Exception as exc:  # vosk raises a bare Exception for an unusable folder
            raise ModelMissingError(model_id, f"Vosk cannot load {location.directory}: {exc}",
                                    location.spec.install_hint) from None
        self.language = language

    def transcribe(self, audio: np.ndarray, language: str | None) -> Transcript:
        return self.transcribe_blocks([AudioBlock(0, audio)], language)

    def transcribe_blocks(self, blocks: Iterable[AudioBlock], language: str | None) -> Transcript:
        import vosk

        rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        rec.SetWords(True)
        results = []
        position = 0
        pending = b""  # PCM short of a whole chunk, carried so chunking does not depend on block sizes
        for block in blocks:
            assert block.samples.ndim == 1, block.samples.shape  # (samples,) at 16 kHz
            assert block.start == position, (block.start, position)  # a stream has no gaps
            position = block.end
            pcm = pending + (np.clip(block.samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
            whole = len(pcm) - len(pcm) % (CHUNK * 2)
            for i in range(0, whole, CHUNK * 2):
                if rec.AcceptWaveform(pcm[i:i + CHUNK * 2]):
                    results.append(json.loads(rec.Result()))
            pending = pcm[whole:]
        if pending and rec.AcceptWaveform(pending):
            results.append(json.loads(rec.Result()))
        results.append(json.loads(rec.FinalResult()))
        words = [Word(r["word"], round(r["start"], 3), round(r["end"], 3), round(r.get("conf", 1.0), 3))
                 for res in results for r in res.get("result", ())]
        return Transcript(self.language, tuple(words))
