"""Voice activity detection with Silero VAD: where in the audio someone speaks.

Used before recognition (non-speech is zeroed, so an ASR model cannot hallucinate words from
music or silence) and to decide that a video has no speech at all. Importing ``silero_vad``
sets torch to one thread for the whole process; the previous count is restored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
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


def speech_regions(audio: np.ndarray, threshold: float = 0.5, min_speech_ms: int = 250,
                   min_silence_ms: int = 300) -> list[SpeechRegion]:
    """Speech regions in (samples,) float32 16 kHz audio."""
    import torch

    assert audio.ndim == 1, audio.shape
    if audio.size < SAMPLE_RATE // 10:
        return []
    threads = torch.get_num_threads()
    try:
        from silero_vad import get_speech_timestamps

        stamps = get_speech_timestamps(torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)), _load(),
                                       threshold=threshold, sampling_rate=SAMPLE_RATE,
                                       min_speech_duration_ms=min_speech_ms, min_silence_duration_ms=min_silence_ms,
                                       return_seconds=True)
    finally:
        torch.set_num_threads(threads)
    return [SpeechRegion(float(s["start"]), float(s["end"])) for s in stamps]


def keep_speech(audio: np.ndarray, regions: list[SpeechRegion], pad: float = PAD_SECONDS) -> np.ndarray:
    """A copy of ``audio`` with everything outside the (padded) regions set to zero; same length."""
    mask = np.zeros(audio.shape[0], dtype=bool)
    for r in regions:
        a = max(0, int((r.start - pad) * SAMPLE_RATE))
        b = min(audio.shape[0], int(np.ceil((r.end + pad) * SAMPLE_RATE)))
        mask[a:b] = True
    return np.where(mask, audio, 0.0).astype(np.float32)


def speech_seconds(regions: list[SpeechRegion]) -> float:
    return float(sum(r.end - r.start for r in regions))
