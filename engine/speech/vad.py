"""Voice activity detection with Silero VAD: where in the audio someone speaks.

Used before recognition (non-speech is zeroed, so an ASR model cannot hallucinate words from
music or silence) and to decide that a video has no speech at all. Importing ``silero_vad``
sets torch to one thread for the whole process; the previous count is restored.

:class:`StreamingVad` takes the audio block by block: the model scores consecutive 32 ms
windows with its recurrent state carried over, and only the per-window probabilities (one
float per 512 samples: 900 KB for two hours) are kept until :meth:`StreamingVad.finish`
turns them into regions with Silero's own rule. The windows and their order are those of a
whole-signal call, so the regions are identical to :func:`speech_regions` on the whole array.
"""

from __future__ import annotations

import array
from dataclasses import dataclass

import numpy as np

from engine.media.audio import SAMPLE_RATE

WINDOW = 512  # samples per Silero score at 16 kHz (32 ms)
PAD_SECONDS = 0.2  # kept around each speech region so word onsets and tails survive zeroing


@dataclass(frozen=True)
class SpeechRegion:
    start: float  # seconds
    end: float


_model = None


def _load():
    global _model
    if _model is None:
        import torch

        threads = torch.get_num_threads()
        try:
            from silero_vad import load_silero_vad

            _model = load_silero_vad(onnx=True)
        finally:
            torch.set_num_threads(threads)
    return _model


class StreamingVad:
    """Speech regions of audio fed in consecutive blocks of any size."""

    def __init__(self, threshold: float = 0.5, min_speech_ms: int = 250, min_silence_ms: int = 300):
        self.threshold, self.min_speech_ms, self.min_silence_ms = threshold, min_speech_ms, min_silence_ms
        self.samples = 0
        self._probs: array.array = array.array("f")
        self._rest = np.zeros(0, np.float32)  # the tail shorter than a window, carried to the next block
        self._model = _load()
        self._model.reset_states()

    def feed(self, block: np.ndarray) -> None:
        """Score ``block`` ((samples,) float32 16 kHz), continuing from the previous one."""
        assert block.ndim == 1, block.shape
        self.samples += block.size
        audio = np.concatenate([self._rest, block.astype(np.float32, copy=False)]) if self._rest.size else block
        whole = audio.size - audio.size % WINDOW
        self._score(audio[:whole])
        self._rest = np.array(audio[whole:], dtype=np.float32)

    def finish(self) -> list[SpeechRegion]:
        """The regions of everything fed (the last partial window zero-padded, as Silero does)."""
        if self._rest.size:
            self._score(np.pad(self._rest, (0, WINDOW - self._rest.size)))
            self._rest = np.zeros(0, np.float32)
        if self.samples < SAMPLE_RATE // 10:
            return []
        from silero_vad.utils_vad import get_speech_timestamps_from_probs

        stamps = get_speech_timestamps_from_probs(
            list(self._probs), sampling_rate=SAMPLE_RATE, threshold=self.threshold,
            min_speech_duration_ms=self.min_speech_ms, min_silence_duration_ms=self.min_silence_ms,
            return_seconds=True, audio_length_samples=self.samples)
        return [SpeechRegion(float(s["start"]), float(s["end"])) for s in stamps]

    def _score(self, audio: np.ndarray) -> None:
        import torch

        threads = torch.get_num_threads()
        try:
            for i in range(0, audio.size, WINDOW):
                window = torch.from_numpy(np.ascontiguousarray(audio[i:i + WINDOW], dtype=np.float32))
                self._probs.append(self._model(window, SAMPLE_RATE).item())
        finally:
            torch.set_num_threads(threads)


def speech_regions(audio: np.ndarray, threshold: float = 0.5, min_speech_ms: int = 250,
                   min_silence_ms: int = 300) -> list[SpeechRegion]:
    """Speech regions in (samples,) float32 16 kHz audio."""
    assert audio.ndim == 1, audio.shape
    if audio.size < SAMPLE_RATE // 10:
        return []
    vad = StreamingVad(threshold, min_speech_ms, min_silence_ms)
    vad.feed(audio)
    return vad.finish()


def kept_span(region: SpeechRegion, pad: float = PAD_SECONDS) -> tuple[int, int]:
    """The samples [a, b) that :func:`keep_speech` keeps for one region (b may pass the end)."""
    return max(0, int((region.start - pad) * SAMPLE_RATE)), int(np.ceil((region.end + pad) * SAMPLE_RATE))


def keep_speech(audio: np.ndarray, regions: list[SpeechRegion], pad: float = PAD_SECONDS,
                offset: int = 0) -> np.ndarray:
    """A copy of ``audio`` with everything outside the (padded) regions set to zero; same length.

    ``offset``: the sample of the whole recording where ``audio`` starts (regions are absolute)."""
    mask = np.zeros(audio.shape[0], dtype=bool)
    for r in regions:
        a, b = kept_span(r, pad)
        mask[max(0, a - offset):max(0, min(audio.shape[0], b - offset))] = True
    return np.where(mask, audio, 0.0).astype(np.float32)


def speech_seconds(regions: list[SpeechRegion]) -> float:
    return float(sum(r.end - r.start for r in regions))
