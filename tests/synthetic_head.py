"""A synthetic talking head: a drawn face whose mouth opening follows a voiced audio envelope.

For tests and benchmarks that need a :class:`~engine.lipsync.data.windows.WindowSource` with a known
audio→mouth relation and no media: the audio is a harmonic buzz (140 Hz + harmonics) whose
loudness follows a random smooth syllable envelope e(t) ∈ [0, 1]; the mouth's opening at frame
t is e(t). The head drifts a few pixels (independently of the audio) so the input frames carry
pose information. Landmarks (13: jaw 5, lips 8) and the loss polygon are exact by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from engine.faces.template import CROP_SIZE
from engine.lipsync.mel import array_span
from engine.media.audio import SAMPLE_RATE

MOUTH_CENTRE = (128.0, 178.0)  # template px: inside the mouth rectangle with room to open


class SyntheticTalkingHead:
    """A :class:`WindowSource` of ``num_frames`` frames at ``fps``."""

    def __init__(self, num_frames: int = 120, fps: float = 25.0, seed: int = 0, num_references: int = 10,
                 language: str = "en"):
        self.language = language
        self.fps = fps
        self._n = num_frames
        self.num_references = num_references
        rng = np.random.default_rng(seed)
        duration = num_frames / fps + 1.0
        t = np.arange(int(duration * SAMPLE_RATE)) / SAMPLE_RATE
        # Syllable-rate envelope: a few random sinusoids between 1.5 and 5 Hz, squashed to [0, 1].
        env = sum(rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * rng.uniform(1.5, 5.0) * t + rng.uniform(0, 6.3))
                  for _ in range(3))
        self._env = np.clip(0.5 + 0.45 * env / 1.5, 0.0, 1.0)
        buzz = sum(np.sin(2 * np.pi * 140.0 * h * t) / h for h in range(1, 6))
        self.samples = (0.3 * self._env * buzz / 2.3 + 0.003 * rng.standard_normal(len(t))).astype(np.float32)
        self._span = array_span(self.samples)
        # Head drift (px), smooth and independent of the audio.
        steps = rng.standard_normal((num_frames, 2)).cumsum(0) * 0.4
        self._drift = np.clip(steps - steps.mean(0), -4, 4)
        self._colors = rng.uniform(0.3, 0.9, size=3)

    @property
    def num_frames(self) -> int:
        return self._n

    def opening(self, i: int) -> float:
        """Mouth opening of frame i in [0, 1]: the audio envelope at the frame's time."""
        return float(self._env[int(round(self.frame_time(i) * SAMPLE_RATE))])

    def frame_time(self, i: int) -> float:
        return i / self.fps

    def audio(self, start: int, length: int) -> np.ndarray:
        return self._span(start, length)

    def landmarks(self, i: int) -> np.ndarray:
        """(13, 2) template px in the order of ``MOUTH_JAW``: outer lip corners, outer lip
        middles (upper, lower), inner lip middles (upper, lower), inner corners, then the chin
        and four jaw points — drawn where :meth:`crop` draws the lips."""
        dx, dy = self._drift[i]
        o = self.opening(i)
        cx, cy = MOUTH_CENTRE[0] + dx, MOUTH_CENTRE[1] + dy
        outer, inner = 5 + 15 * o, 1 + 12 * o  # half heights of the lip and cavity ellipses
        lips = [(cx - 32, cy), (cx + 32, cy), (cx, cy - outer), (cx, cy + outer), (cx, cy - inner), (cx, cy + inner),
                (cx - 26, cy), (cx + 26, cy)]
        jaw = [(cx, cy + 50 + 8 * o), (cx - 35, cy + 40 + 6 * o), (cx + 35, cy + 40 + 6 * o), (cx - 60, cy + 10),
               (cx + 60, cy + 10)]
        return np.array(lips + jaw, dtype=np.float32)

    def crop(self, i: int) -> np.ndarray:
        dx, dy = self._drift[i]
        s = CROP_SIZE
        yy, xx = np.mgrid[0:s, 0:s] / s
        bg = np.stack([0.2 + 0.3 * xx, 0.25 + 0.2 * yy, 0.35 + 0.0 * xx], -1)
        img = (bg * 255).astype(np.uint8)
        skin = tuple(int(255 * c) for c in (0.85, 0.65 * self._colors[1] + 0.2, 0.5))
        centre = (int(128 + dx), int(130 + dy))
        cv2.ellipse(img, centre, (88, 112), 0, 0, 360, skin, -1, cv2.LINE_AA)
        for ex in (-35, 35):  # eyes (above the mouth rectangle) and brows
            cv2.ellipse(img, (int(128 + ex + dx), int(58 + dy)), (14, 7), 0, 0, 360, (250, 250, 250), -1, cv2.LINE_AA)
            cv2.circle(img, (int(128 + ex + dx), int(58 + dy)), 5, (40, 30, 20), -1, cv2.LINE_AA)
            cv2.line(img, (int(116 + ex + dx), int(42 + dy)), (int(140 + ex + dx), int(40 + dy)), (60, 40, 30), 3)
        cv2.line(img, (int(128 + dx), int(75 + dy)), (int(122 + dx), int(128 + dy)), (150, 100, 80), 3)
        o = self.opening(i)
        mc = (int(MOUTH_CENTRE[0] + dx), int(MOUTH_CENTRE[1] + dy))
        cv2.ellipse(img, mc, (32, int(5 + 15 * o)), 0, 0, 360, (170, 40, 50), -1, cv2.LINE_AA)  # lips
        cv2.ellipse(img, mc, (26, int(1 + 12 * o)), 0, 0, 360, (40, 10, 15), -1, cv2.LINE_AA)  # mouth cavity
        if o > 0.3:
            cv2.rectangle(img, (mc[0] - 15, mc[1] - int(12 * o)), (mc[0] + 15, mc[1] - int(12 * o) + 4),
                          (245, 245, 240), -1)  # upper teeth
        return img

    def loss_mask(self, i: int) -> np.ndarray:
        """Convex polygon over the lower face (ears, mid-nose, chin lowered), feathered."""
        lm = self.landmarks(i)
        dx, dy = self._drift[i]
        pts = np.concatenate([lm[8:] + [0, 12], [[40 + dx, 110 + dy], [216 + dx, 110 + dy], [128 + dx, 95 + dy]]])
        mask = np.zeros((CROP_SIZE, CROP_SIZE), np.float32)
        cv2.fillConvexPoly(mask, cv2.convexHull(pts.astype(np.int32)), 1.0, cv2.LINE_AA)
        return cv2.GaussianBlur(mask, (0, 0), 3)

    def reference_indices(self, window: range) -> Sequence[int]:
        """Frames at evenly spaced quantiles of mouth opening, skipping the window's frames."""
        candidates = [i for i in range(self._n) if i not in window]
        order = sorted(candidates, key=self.opening)
        picks = np.linspace(0, len(order) - 1, self.num_references).round().astype(int)
        return [order[p] for p in picks]
