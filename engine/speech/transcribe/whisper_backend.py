"""Whisper through faster-whisper (CTranslate2, CPU int8): word timestamps and language detection.

Whisper base is multilingual and detects the language; tiny.en is English only (faster, a
little less accurate). Whisper's own VAD filter is off: the caller zeroes non-speech first
(one VAD for every backend).

A long recording comes as blocks of at most 30 s (Whisper's window) cut at quiet points:
the language is detected on the first block and then kept, so every block is read in the
same language.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from engine.errors import UnsupportedLanguageError
from engine.media.audio import SAMPLE_RATE
from engine.models.registry import ModelRegistry
from engine.project.model import Word
from engine.speech.model_files import locate_model
from engine.speech.transcribe.base import WHISPER_WINDOW_S, AudioBlock, Transcript

ENGLISH_ONLY = {"whisper-tiny-en"}


class WhisperTranscriber:
    name = "faster-whisper"
    max_block_seconds: float | None = WHISPER_WINDOW_S

    def __init__(self, registry: ModelRegistry, model_id: str = "whisper-base", threads: int = 1,
                 device: str = "cpu"):
        from faster_whisper import WhisperModel

        self.model_id = model_id
        location = locate_model(registry, model_id)
        compute = "int8" if device == "cpu" else "float16"
        self._model = WhisperModel(str(location.directory), device=device, compute_type=compute,
                                   cpu_threads=max(1, threads))

    def transcribe(self, audio: np.ndarray, language: str | None) -> Transcript:
        return self.transcribe_blocks([AudioBlock(0, audio)], language)

    def transcribe_blocks(self, blocks: Iterable[AudioBlock], language: str | None) -> Transcript:
        if self.model_id in ENGLISH_ONLY:
            if language not in (None, "en"):
                raise UnsupportedLanguageError(f"{self.model_id} transcribes English only, not '{language}'")
            language = "en"
        words: list[Word] = []
        detected: Transcript | None = None
        for block in blocks:
            part = self._block(block, language)
            if detected is None and part.language_probability > 0.0:
                detected, language = part, part.language
            words.extend(part.words)
        if detected is None:
            return Transcript(language or "en", tuple(words), 0.0)
        return Transcript(detected.language, tuple(words), detected.language_probability)

    def _block(self, block: AudioBlock, language: str | None) -> Transcript:
        audio = block.samples
        assert audio.ndim == 1, audio.shape  # (samples,) at 16 kHz
        if audio.size < SAMPLE_RATE // 10:
            return Transcript(language or "en", (), 0.0)
        segments, info = self._model.transcribe(
            audio.astype(np.float32), language=language, word_timestamps=True, beam_size=5,
            vad_filter=False, condition_on_previous_text=False)
        offset = block.start_seconds
        words: list[Word] = []
        for seg in segments:
            for w in seg.words or ():
                if w.word.strip():
                    words.append(Word(w.word.strip(), round(float(w.start) + offset, 3),
                                      round(float(w.end) + offset, 3), round(float(w.probability), 3)))
        return Transcript(info.language, tuple(words), float(info.language_probability))
