"""Long recordings for speech recognition in bounded memory: survey once, then cut at quiet points.

Two streamed decodes of the source, never the whole signal in memory (two hours at 16 kHz
float32 would be 460 MB):

1. :func:`survey_audio` runs the voice activity detector over consecutive blocks and keeps
   the mean energy of every 10 ms (:data:`ENERGY_HOP`): 720 k floats for two hours.
2. :func:`plan_blocks` chooses where recognition blocks end. A backend with a window (Whisper:
   30 s) gets blocks of at most that length, each cut at the quietest 10 ms of a search window
   before its limit, counting only what recognition will hear (non-speech is zeroed, so a gap
   between speech regions is the natural cut and no word is split); blocks with no speech at
   all are skipped. A streaming backend (Vosk) gets every sample in fixed blocks.
   :func:`iter_blocks` decodes again and yields each planned block with non-speech zeroed
   exactly as :func:`engine.speech.vad.keep_speech` does on the whole array.

A recording shorter than one window is one block from its first sample to its last, so short
clips are recognised exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jobs.events import CancelToken
from engine.media.audio import SAMPLE_RATE, EnergyMeter, iter_audio_blocks
from engine.speech.transcribe.base import AudioBlock
from engine.speech.vad import SpeechRegion, StreamingVad, keep_speech, kept_span

ENERGY_HOP = SAMPLE_RATE // 100  # 160 samples = 10 ms: finer than the shortest pause between words
DECODE_BLOCK_SECONDS = 30.0  # 1.9 MB of float32 per decoded block
SEARCH_SECONDS = 10.0  # a block may end this much before its limit, at the quietest point found there
STREAM_BLOCK_SECONDS = 30.0  # block length for a streaming backend (any length works)

Progress = Callable[[float], None]  # seconds of audio done


@dataclass(frozen=True)
class AudioSurvey:
    samples: int  # length of the recording at 16 kHz
    regions: list[SpeechRegion]
    energies: np.ndarray  # (ceil(samples / ENERGY_HOP),) float32: mean square of each 10 ms

    @property
    def seconds(self) -> float:
        return self.samples / SAMPLE_RATE

    def heard(self) -> np.ndarray:
        """(hops,) bool: the 10 ms that recognition hears (inside padded speech; the rest is zeroed)."""
        heard = np.zeros(self.energies.size, dtype=bool)
        for r in self.regions:
            a, b = kept_span(r)
            heard[a // ENERGY_HOP:-(-min(b, self.samples) // ENERGY_HOP)] = True
        return heard


def survey_audio(path: Path, progress: Progress | None = None, cancel: CancelToken | None = None) -> AudioSurvey:
    """Speech regions and 10 ms energies of ``path``'s audio, from one streamed decode
    (``cancel`` also stops the decoder while it is still working on a block)."""
    vad, meter = StreamingVad(), EnergyMeter(ENERGY_HOP)
    for block in iter_audio_blocks(path, DECODE_BLOCK_SECONDS, SAMPLE_RATE, cancel=cancel):  # (n,) float32 16 kHz
        vad.feed(block)
        meter.feed(block)
        if progress is not None:
            progress(vad.samples / SAMPLE_RATE)
    return AudioSurvey(vad.samples, vad.finish(), meter.finish())


def plan_blocks(survey: AudioSurvey, max_seconds: float | None) -> list[tuple[int, int]]:
    """Sample spans [start, end) to recognise, in order.

    ``max_seconds`` None (a streaming backend): consecutive fixed blocks covering everything.
    Otherwise blocks of at most ``max_seconds`` that hold speech, each ending at the middle
    of the quiet run around the quietest heard 10 ms in its last :data:`SEARCH_SECONDS`."""
    total = survey.samples
    if max_seconds is None:
        step = int(STREAM_BLOCK_SECONDS * SAMPLE_RATE)
        return [(a, min(a + step, total)) for a in range(0, total, step)]
    limit = int(max_seconds * SAMPLE_RATE) // ENERGY_HOP  # in hops
    search = min(limit - 1, int(SEARCH_SECONDS * SAMPLE_RATE) // ENERGY_HOP)
    heard = survey.heard()  # (hops,)
    loudness = np.where(heard, survey.energies, 0.0)  # what recognition hears, per 10 ms
    spans: list[tuple[int, int]] = []
    start = 0  # in hops
    hops = heard.size
    while start < hops:
        if hops - start <= limit:
            end = hops
        else:
            end = start + _quiet_cut(loudness[start + limit - search:start + limit]) + limit - search
        spans.append((start, end))
        start = end
    return [(a * ENERGY_HOP, min(b * ENERGY_HOP, total)) for a, b in spans if heard[a:b].any()]


def _quiet_cut(window: np.ndarray) -> int:
    """Index in ``window`` where to cut: the middle of the quiet run holding its last minimum
    (a pause's middle leaves its edges of breath and consonant on the right sides)."""
    low = window <= window.min() * 1.000001 + 1e-12
    last = int(np.flatnonzero(low)[-1])
    first = last
    while first > 0 and low[first - 1]:
        first -= 1
    return max(1, (first + last + 1) // 2)  # ≥ 1 so that every block moves on


def iter_blocks(path: Path, spans: Sequence[tuple[int, int]], regions: Sequence[SpeechRegion],
                progress: Progress | None = None, cancel: CancelToken | None = None) -> Iterator[AudioBlock]:
    """Decode ``path`` once more and yield each span's samples, non-speech zeroed."""
    pending = list(spans)
    parts: list[np.ndarray] = []  # decoded samples from ``have_from`` on, not yet yielded
    have_from = 0
    have_to = 0
    for block in iter_audio_blocks(path, DECODE_BLOCK_SECONDS, SAMPLE_RATE, cancel=cancel):
        parts.append(block)
        have_to += block.size
        while pending and pending[0][1] <= have_to:
            a, b = pending.pop(0)
            audio = np.concatenate(parts) if len(parts) > 1 else parts[0]
            samples = audio[a - have_from:b - have_from]
            yield AudioBlock(a, keep_speech(samples, list(regions), offset=a))
            parts, have_from = [audio[b - have_from:]], b
            if progress is not None:
                progress(b / SAMPLE_RATE)
        if not pending:
            break
        # Drop what lies before the next span: silence between blocks is never held.
        skip = min(pending[0][0], have_to) - have_from
        if skip > 0:
            audio = np.concatenate(parts) if len(parts) > 1 else parts[0]
            parts, have_from = [audio[skip:]], have_from + skip
    for a, b in pending:  # the stream ended early (a shorter decode than surveyed): what is left
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        samples = audio[max(0, a - have_from):max(0, b - have_from)]
        if samples.size:
            yield AudioBlock(a, keep_speech(samples, list(regions), offset=a))
