"""The ``Transcriber`` protocol, its result, and the audio blocks backends take.

A transcriber takes 16 kHz mono float32 audio and returns words with timestamps and the
language spoken. Backends: ``faster-whisper`` (multilingual Whisper base with language
detection; Whisper tiny.en for English) and ``vosk`` (Kaldi models, one per language; only a
Korean one is obtainable offline here), chosen by :mod:`engine.speech.transcribe.choose`. Voice activity detection is applied *before*
recognition (see :mod:`engine.speech.vad`): audio outside speech is zeroed, so Whisper has no
music or silence to hallucinate words from.

Long recordings reach a backend as :class:`AudioBlock` s, so no backend ever holds the whole
lecture: Whisper gets blocks of at most :data:`WHISPER_WINDOW_S` cut at quiet points (its own
window length, see :mod:`engine.speech.asr_blocks`), Vosk gets every sample in consecutive
blocks and streams them through one recognizer. Word times come back in seconds from the
start of the recording.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.media.audio import SAMPLE_RATE
from engine.project.model import Word

WHISPER_WINDOW_S = 30.0  # Whisper encodes 30 s of audio at a time: a longer block is windowed anyway


@dataclass(frozen=True)
class AudioBlock:
    """``samples`` (n,) float32 at 16 kHz that start at sample ``start`` of the recording."""

    start: int
    samples: np.ndarray

    @property
    def start_seconds(self) -> float:
        return self.start / SAMPLE_RATE

    @property
    def end(self) -> int:
        return self.start + self.samples.size


@dataclass(frozen=True)
class Transcript:
    language: str
    words: tuple[Word, ...]
    language_probability: float = 1.0


class Transcriber(Protocol):
    name: str
    # The longest block the backend wants, cut at a quiet point; None: it streams, and wants
    # every sample of the recording in consecutive blocks of any size.
    max_block_seconds: float | None

    def transcribe(self, audio: np.ndarray, language: str | None) -> Transcript:
        """``audio``: (samples,) float32 at 16 kHz. ``language`` None: detect it."""
        ...

    def transcribe_blocks(self, blocks: Iterable[AudioBlock], language: str | None) -> Transcript:
        """The words of all ``blocks`` (in order, not overlapping), timed from the recording's start."""
        ...
