"""Log-mel features for the audio encoder, computed with torch (fast, deterministic, no JIT).

16 kHz audio, a 100 Hz hop (``HOP = 160`` samples = 10 ms) and a 25 ms Hann window give 100
mel frames per second; each video frame gets ``frames`` (24 = 240 ms) mel frames centred on its
presentation time. Samples outside the recording count as silence. The filterbank comes from
``librosa.filters.mel`` once per process (it is plain numpy: no numba JIT on this path).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import torch

from engine.media.audio import SAMPLE_RATE

MEL_RATE = 100  # mel frames per second
HOP = SAMPLE_RATE // MEL_RATE  # 160 samples = 10 ms
WIN = 400  # samples = 25 ms analysis window
N_FFT = WIN  # one analysis window per FFT (201 frequency bins)
FMIN, FMAX = 55.0, 7600.0  # Hz: the speech band, below Nyquist (8 kHz)
LOG_FLOOR = 1e-5  # power floor: silence maps to log10(1e-5) = −5
# log10 power of speech at this scale lies in about [−5, +1]; shift and scale it to about [−1, 1].
LOG_SHIFT, LOG_SCALE = 2.0, 3.0
SILENT_LEVEL = -0.999  # normalised log-mel at or below which a mel frame is digital silence (floor: −1)
GATE_FRAMES = 8  # central mel frames (80 ms) whose silence decides :func:`silence_share`

AudioSpan = Callable[[int, int], np.ndarray]  # (start_sample, length) → (length,) float32, silence outside


@functools.lru_cache(maxsize=4)
def mel_filterbank(bins: int) -> torch.Tensor:
    """(bins, N_FFT // 2 + 1) float32."""
    import librosa.filters  # deferred: importing librosa costs ~1 s

    fb = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=bins, fmin=FMIN, fmax=FMAX)
    return torch.from_numpy(fb.astype(np.float32))


def window_bounds(time: float, frames: int) -> tuple[int, int]:
    """(first sample, length) of the audio whose ``frames`` mel frames are centred on ``time``.

    Mel frame j covers samples [s0 + j·HOP, s0 + j·HOP + WIN), centred at s0 + j·HOP + WIN/2;
    choosing s0 = t·SR − (frames/2)·HOP − (WIN − HOP)/2 puts the centres at t + (j − frames/2 + ½)·HOP,
    symmetric about t.
    """
    start = int(round(time * SAMPLE_RATE)) - (frames // 2) * HOP - (WIN - HOP) // 2
    return start, (frames - 1) * HOP + WIN


def log_mel(segments: torch.Tensor, bins: int, frames: int) -> torch.Tensor:
    """(M, (frames − 1)·HOP + WIN) float samples → (M, bins, frames) normalised log-mel."""
    m, length = segments.shape
    assert length == (frames - 1) * HOP + WIN, f"segment length {length} does not give {frames} frames"
    spec = torch.stft(segments.float(), n_fft=N_FFT, hop_length=HOP, win_length=WIN,
                      window=torch.hann_window(WIN, device=segments.device), center=False, return_complex=True)
    power = spec.real ** 2 + spec.imag ** 2  # (M, N_FFT/2 + 1, frames)
    mel = torch.einsum("fk,mkt->mft", mel_filterbank(bins).to(segments.device), power)
    out = (torch.log10(mel.clamp_min(LOG_FLOOR)) + LOG_SHIFT) / LOG_SCALE
    assert out.shape == (m, bins, frames)
    return out


def mel_windows(audio: AudioSpan, times: np.ndarray, bins: int, frames: int) -> torch.Tensor:
    """One mel window per time: (len(times), bins, frames)."""
    segments = []
    for t in times:
        start, length = window_bounds(float(t), frames)
        seg = np.asarray(audio(start, length), dtype=np.float32)
        assert seg.shape == (length,), f"audio span returned {seg.shape}, expected ({length},)"
        segments.append(seg)
    return log_mel(torch.from_numpy(np.stack(segments)), bins, frames)


def array_span(samples: np.ndarray) -> AudioSpan:
    """An :data:`AudioSpan` over an in-memory recording; silence before its start and after its end."""
    samples = np.asarray(samples, dtype=np.float32)

    def span(start: int, length: int) -> np.ndarray:
        out = np.zeros(length, dtype=np.float32)
        lo, hi = max(start, 0), min(start + length, len(samples))
        if hi > lo:
            out[lo - start:hi - start] = samples[lo:hi]
        return out

    return span


def silence_share(mel: torch.Tensor) -> torch.Tensor:
    """(…, F, L) normalised log-mel windows → (…,) share of the central GATE_FRAMES mel frames that
    are digital silence (every bin at the floor): 1 in a silent gap of a dub, 0 in speech."""
    frames = mel.shape[-1]
    lo = max(0, frames // 2 - GATE_FRAMES // 2)
    central = mel[..., lo:lo + GATE_FRAMES]  # (…, F, G)
    return (central.amax(-2) <= SILENT_LEVEL).float().mean(-1)
