"""Face tracks: per-frame observations linked by frame-to-frame continuity, then smoothed.

A track continues while each frame has a face whose landmark centre lies within
``LINK_DISTANCE`` eye distances of the track's last centre; it ends at a shot cut (a large
change of a 16×16 grey thumbnail), when the face is missing for more than ``MAX_GAP``
frames, or when it jumps. Gaps of up to ``MAX_GAP`` frames are filled by linear
interpolation (flagged). Landmarks are then smoothed over time with a Gaussian: lightly
(``SMOOTH_SIGMA_S``) so mouth motion survives, and the eye/nose points that fix the crop more
(``ALIGN_SIGMA_S``), since they only follow the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d

from engine.faces.landmarks import FaceObservation
from engine.faces.template import eye_distance

LINK_DISTANCE = 0.6  # eye distances a face centre may move between consecutive frames of one track
MAX_GAP = 3  # frames a track may miss and still continue (interpolated)
MIN_TRACK_FRAMES = 5  # shorter tracks are detector noise
CUT_THRESHOLD = 20.0  # mean |Δ| of a 16×16 grey thumbnail (0-255); within a shot the shared clips peak at 12
# Gaussian σ of landmark smoothing. Its gain at frequency f is exp(-2π²σ²f²): at 5 Hz (syllable
# rate) σ = 20 ms keeps 82 % of the mouth motion; the alignment points (rigid head) take 60 ms.
SMOOTH_SIGMA_S = 0.02
ALIGN_SIGMA_S = 0.06


def thumbnail(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32)


def is_cut(previous: np.ndarray | None, current: np.ndarray) -> bool:
    return previous is not None and float(np.abs(current - previous).mean()) > CUT_THRESHOLD


@dataclass
class RawTrack:
    """A track while it is being built: observed frames and their landmarks."""

    frames: list[int] = field(default_factory=list)
    landmarks: list[np.ndarray] = field(default_factory=list)  # each (478, 2)
    scores: list[float] = field(default_factory=list)

    @property
    def last_centre(self) -> np.ndarray:
        return self.landmarks[-1].mean(0)

    @property
    def last_eye_distance(self) -> float:
        return float(eye_distance(self.landmarks[-1]))


class TrackBuilder:
    """Feed frames in order with :meth:`add`; :meth:`finish` returns the finished tracks."""

    def __init__(self) -> None:
        self.active: list[RawTrack] = []
        self.done: list[RawTrack] = []
        self._thumb: np.ndarray | None = None
        self.cuts: list[int] = []  # frame indices that start a new shot

    def cut_before(self, index: int, image: np.ndarray) -> bool:
        """Check for a shot cut at frame ``index``; closes every track if there is one."""
        thumb = thumbnail(image)
        cut = is_cut(self._thumb, thumb)
        self._thumb = thumb
        if cut:
            self.cuts.append(index)
            self.done.extend(self.active)
            self.active = []
        return cut

    def add(self, index: int, faces: list[FaceObservation]) -> None:
        still = []
        for t in self.active:  # close tracks that have been missing too long
            (still if index - t.frames[-1] <= MAX_GAP + 1 else self.done).append(t)
        self.active = still
        pairs = []
        for ti, t in enumerate(self.active):
            for fi, f in enumerate(faces):
                d = float(np.linalg.norm(f.landmarks.mean(0) - t.last_centre)) / max(t.last_eye_distance, 1.0)
                gap = index - t.frames[-1]
                if d <= LINK_DISTANCE * gap:
                    pairs.append((d, ti, fi))
        used_t, used_f = set(), set()
        for _, ti, fi in sorted(pairs):
            if ti in used_t or fi in used_f:
                continue
            used_t.add(ti)
            used_f.add(fi)
            t, f = self.active[ti], faces[fi]
            t.frames.append(index)
            t.landmarks.append(f.landmarks)
            t.scores.append(f.score)
        for fi, f in enumerate(faces):
            if fi not in used_f:
                self.active.append(RawTrack([index], [f.landmarks], [f.score]))

    def finish(self, min_frames: int = MIN_TRACK_FRAMES) -> list[RawTrack]:
        tracks = [t for t in self.done + self.active if len(t.frames) >= min_frames]
        self.active, self.done = [], []
        return sorted(tracks, key=lambda t: (t.frames[0], t.frames[-1]))


@dataclass(frozen=True)
class DenseTrack:
    """A finished track on consecutive frames: start_frame … start_frame + T - 1."""

    start_frame: int
    landmarks: np.ndarray  # (T, 478, 2) float32, raw (gaps interpolated)
    interpolated: np.ndarray  # (T,) bool: frame had no detection
    scores: np.ndarray  # (T,) float32

    @property
    def end_frame(self) -> int:
        return self.start_frame + len(self.landmarks)


def densify(track: RawTrack) -> DenseTrack:
    """Fill the track's short gaps by linear interpolation of the landmarks."""
    frames = np.asarray(track.frames)
    start, end = int(frames[0]), int(frames[-1]) + 1
    all_frames = np.arange(start, end)
    lms = np.stack(track.landmarks).astype(np.float32)  # (n, 478, 2)
    flat = lms.reshape(len(frames), -1)
    dense = np.empty((len(all_frames), flat.shape[1]), np.float32)
    for j in range(flat.shape[1]):
        dense[:, j] = np.interp(all_frames, frames, flat[:, j])
    interp = ~np.isin(all_frames, frames)
    scores = np.interp(all_frames, frames, np.asarray(track.scores)).astype(np.float32)
    return DenseTrack(start, dense.reshape(len(all_frames), *lms.shape[1:]), interp, scores)


def smooth(landmarks: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Temporal Gaussian smoothing of (T, P, 2) landmarks (edges reflect, so no drift at track ends)."""
    if sigma_frames <= 0 or len(landmarks) < 2:
        return landmarks.copy()
    # float32 throughout: an hour of one face is 108 k × 478 × 2 values
    return gaussian_filter1d(np.asarray(landmarks, np.float32), sigma_frames, axis=0, mode="nearest", output=np.float32)
