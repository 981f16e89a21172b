"""Model input from a phoneme timeline: visemes per video frame, loudness, windows around a frame.

Pure numpy, for a lip-sync model that takes a viseme window instead of (or beside) a mel window:

- :func:`viseme_frames` — (n_frames, VISEME_COUNT) per video frame: the share of the frame's
  interval each viseme covers (soft; rows sum to 1, uncovered time counts as silence), or the
  class covering most of it (one-hot).
- :func:`loudness_frames` — (n_frames,) speech loudness per video frame in [0, 1] (JALI and
  VisemeNet drive how wide the mouth opens from loudness).
- :func:`viseme_window` — (2 × radius + 1, VISEME_COUNT + 1) rows around one frame, silence and
  zero loudness beyond the ends.
"""

from __future__ import annotations

import numpy as np

from engine.speech.phonemes.timeline import PhonemeTimeline
from engine.speech.phonemes.visemes import VISEME_COUNT, Viseme

LOUDNESS_FLOOR_DB = -60.0  # dBFS mapped to 0; 0 dBFS maps to 1


def viseme_frames(timeline: PhonemeTimeline, fps: float, n_frames: int, start_s: float = 0.0,
                  soft: bool = True) -> np.ndarray:
    """(n_frames, VISEME_COUNT) float32: frame ``k`` covers [start_s + k/fps, start_s + (k+1)/fps)."""
    if fps <= 0 or n_frames < 0:
        raise ValueError(f"fps must be positive and n_frames non-negative (got {fps}, {n_frames})")
    edges = start_s + np.arange(n_frames + 1, dtype=np.float64) / fps      # (n_frames + 1,)
    cover = np.zeros((n_frames, VISEME_COUNT), dtype=np.float64)
    for span in timeline.visemes():
        first = max(int(np.searchsorted(edges, span.start_s, side="right")) - 1, 0)
        last = min(int(np.searchsorted(edges, span.end_s, side="left")), n_frames)
        for k in range(first, last):
            overlap = min(edges[k + 1], span.end_s) - max(edges[k], span.start_s)
            if overlap > 0:
                cover[k, span.viseme] += overlap
    cover[:, Viseme.SILENCE] += np.clip(1.0 / fps - cover.sum(axis=1), 0.0, None)
    cover /= cover.sum(axis=1, keepdims=True)
    if not soft:
        cover = np.eye(VISEME_COUNT)[cover.argmax(axis=1)] if n_frames else cover
    return cover.astype(np.float32)


def loudness_frames(audio: np.ndarray, sample_rate: int, fps: float, n_frames: int, start_s: float = 0.0) -> np.ndarray:
    """(n_frames,) float32 RMS loudness of ``audio`` over each video frame, dBFS mapped onto [0, 1]."""
    audio = np.asarray(audio, dtype=np.float64)
    out = np.zeros(n_frames, dtype=np.float32)
    for k in range(n_frames):
        lo = int(round((start_s + k / fps) * sample_rate))
        hi = int(round((start_s + (k + 1) / fps) * sample_rate))
        piece = audio[max(lo, 0):max(min(hi, len(audio)), 0)]
        if piece.size:
            db = 20 * np.log10(np.sqrt(np.mean(piece ** 2)) + 1e-12)
            out[k] = np.clip(1.0 - db / LOUDNESS_FLOOR_DB, 0.0, 1.0)
    return out


def frame_features(visemes: np.ndarray, loudness: np.ndarray) -> np.ndarray:
    """(n_frames, VISEME_COUNT + 1): viseme columns then loudness."""
    if len(visemes) != len(loudness):
        raise ValueError(f"{len(visemes)} viseme frames but {len(loudness)} loudness frames")
    return np.concatenate([visemes, loudness[:, None]], axis=1).astype(np.float32)


def viseme_window(features: np.ndarray, centre: int, radius: int) -> np.ndarray:
    """(2 × radius + 1, VISEME_COUNT + 1) rows of ``features`` around ``centre``; silence past the ends."""
    n, width = features.shape
    window = np.zeros((2 * radius + 1, width), dtype=np.float32)
    window[:, Viseme.SILENCE] = 1.0
    lo, hi = centre - radius, centre + radius + 1
    src_lo, src_hi = max(lo, 0), min(hi, n)
    if src_hi > src_lo:
        window[src_lo - lo:src_hi - lo] = features[src_lo:src_hi]
    return window
