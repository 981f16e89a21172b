"""Face tracks: per-frame observations linked by frame-to-frame continuity, then smoothed.

A track continues while each frame has a face whose landmark centre lies within
``LINK_DISTANCE`` eye distances of the track's last centre; it ends at a shot cut (a large
change of a 16×16 grey thumbnail), when the face is missing for more than ``MAX_GAP``
frames, or when it jumps. Gaps of up to ``MAX_GAP`` frames are filled by linear
interpolation (flagged). Landmarks are then smoothed over time with a Gaussian: lightly
(``SMOOTH_SIGMA_S``) so mouth motion survives, and the eye/nose points that fix the crop more
(``ALIGN_SIGMA_S``), since they only follow the head.

A track's landmarks go to a spool file as they are observed (3.8 kB per frame, on disk), and
gap filling and smoothing work through the rows in blocks, so the memory of tracking does not
grow with the length of the video: a two-hour track is 820 MB of landmarks.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

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


BLOCK_ROWS = 4096  # frames per block when streaming a track's rows (31 MB of float32 landmarks)
POINTS = 478  # landmarks per face (the MediaPipe face mesh)


def thumbnail(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32)


def is_cut(previous: np.ndarray | None, current: np.ndarray) -> bool:
    return previous is not None and float(np.abs(current - previous).mean()) > CUT_THRESHOLD


class LandmarkSpool:
    """Append-only (n, 478, 2) float32 rows in a file; only the last row stays in memory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "wb")
        self.rows = 0
        self.last: np.ndarray | None = None  # (478, 2)

    def append(self, landmarks: np.ndarray) -> None:
        row = np.ascontiguousarray(landmarks, np.float32)
        assert row.shape == (POINTS, 2), row.shape
        self._file.write(row.tobytes())
        self.rows += 1
        self.last = row

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop) as a (n, 478, 2) float32 array (copied: no mapping outlives the call)."""
        if not self._file.closed:
            self._file.flush()
        count = max(0, min(stop, self.rows) - start)
        with open(self.path, "rb") as f:
            f.seek(start * POINTS * 2 * 4)
            return np.fromfile(f, np.float32, count * POINTS * 2).reshape(count, POINTS, 2)

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


@dataclass
class RawTrack:
    """A track while it is being built: observed frames, their scores, and its landmark spool."""

    frames: list[int]
    spool: LandmarkSpool
    scores: list[float] = field(default_factory=list)

    def add(self, index: int, landmarks: np.ndarray, score: float) -> None:
        self.frames.append(index)
        self.spool.append(landmarks)
        self.scores.append(score)

    @property
    def last_landmarks(self) -> np.ndarray:
        assert self.spool.last is not None
        return self.spool.last

    @property
    def last_centre(self) -> np.ndarray:
        return self.last_landmarks.mean(0)

    @property
    def last_eye_distance(self) -> float:
        return float(eye_distance(self.last_landmarks))


class TrackBuilder:
    """Feed frames in order with :meth:`add`; :meth:`finish` returns the finished tracks.

    Landmarks are spooled to files in ``spool_dir``; tracks too short to keep are deleted there.
    """

    def __init__(self, spool_dir: Path) -> None:
        self.spool_dir = Path(spool_dir)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self._names = itertools.count()
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
            for t in self.active:
                self._retire(t)
            self.active = []
        return cut

    def add(self, index: int, faces: list[FaceObservation]) -> None:
        still = []
        for t in self.active:  # close tracks that have been missing too long
            still.append(t) if index - t.frames[-1] <= MAX_GAP + 1 else self._retire(t)
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
            self.active[ti].add(index, faces[fi].landmarks, faces[fi].score)
        for fi, f in enumerate(faces):
            if fi not in used_f:
                track = RawTrack([], LandmarkSpool(self.spool_dir / f"raw-{next(self._names):05d}.f32"))
                track.add(index, f.landmarks, f.score)
                self.active.append(track)

    def _retire(self, track: RawTrack) -> None:
        track.spool.close()  # a long video may end hundreds of tracks: keep no file open for them
        self.done.append(track)

    def finish(self, min_frames: int = MIN_TRACK_FRAMES) -> list[RawTrack]:
        tracks = []
        for t in self.done + self.active:
            t.spool.close()
            (tracks.append(t) if len(t.frames) >= min_frames else t.spool.discard())
        self.active, self.done = [], []
        return sorted(tracks, key=lambda t: (t.frames[0], t.frames[-1]))


@dataclass(frozen=True)
class DenseTrack:
    """A finished track on consecutive frames: start_frame … start_frame + T - 1.

    Its raw landmarks (gaps interpolated) are a (T, 478, 2) float32 ``.npy`` file, read in blocks.
    """

    start_frame: int
    landmarks_path: Path  # (T, 478, 2) float32 .npy, raw (gaps interpolated)
    interpolated: np.ndarray  # (T,) bool: frame had no detection
    scores: np.ndarray  # (T,) float32

    def __len__(self) -> int:
        return len(self.interpolated)

    @property
    def end_frame(self) -> int:
        return self.start_frame + len(self)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Raw landmark rows [start, stop): (n, 478, 2) float32."""
        return read_rows(self.landmarks_path, start, stop)


def read_rows(path: Path, start: int, stop: int) -> np.ndarray:
    """Rows [start, stop) of an ``.npy`` file, copied out of a mapping that is closed again (so the
    pages read do not stay in the process's resident set)."""
    mapped = np.load(path, mmap_mode="r")
    rows = np.array(mapped[max(start, 0):stop])
    del mapped
    return rows


def write_rows(path: Path, start: int, rows: np.ndarray) -> None:
    """Write ``rows`` at row ``start`` of an existing ``.npy`` file (see :func:`create_rows`)."""
    mapped = np.load(path, mmap_mode="r+")
    mapped[start:start + len(rows)] = rows
    mapped.flush()
    del mapped


def create_rows(path: Path, shape: tuple[int, ...], dtype) -> None:
    """An ``.npy`` file of ``shape`` to be filled block by block with :func:`write_rows`."""
    mapped = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    mapped.flush()
    del mapped


def blocks(length: int, size: int | None = None) -> Iterator[tuple[int, int]]:
    """[start, stop) row ranges of at most ``size`` (default BLOCK_ROWS) covering ``length`` rows."""
    size = size or BLOCK_ROWS
    for start in range(0, length, size):
        yield start, min(start + size, length)


def densify(track: RawTrack, path: Path) -> DenseTrack:
    """Fill the track's short gaps by linear interpolation, writing the dense rows to ``path``.

    Streams the spool block by block (a block's gaps are bridged from the last row before it),
    then deletes the spool.
    """
    frames = np.asarray(track.frames)
    start, end = int(frames[0]), int(frames[-1]) + 1
    all_frames = np.arange(start, end)
    create_rows(path, (len(all_frames), POINTS, 2), np.float32)
    previous_frame, previous_row = None, None  # the last observed row before the current block
    for a, b in blocks(len(frames)):
        observed = track.spool.read(a, b)  # (n, 478, 2)
        block_frames = frames[a:b]
        if previous_row is not None:  # bridge the gap between blocks through the row before
            observed = np.concatenate([previous_row[None], observed])
            block_frames = np.concatenate([[previous_frame], block_frames])
        first, last = int(block_frames[0]), int(block_frames[-1])
        wanted = np.arange(first, last + 1)
        flat = observed.reshape(len(observed), -1)
        dense = np.empty((len(wanted), flat.shape[1]), np.float32)
        for j in range(flat.shape[1]):
            dense[:, j] = np.interp(wanted, block_frames, flat[:, j])
        write_rows(path, first - start, dense.reshape(len(wanted), POINTS, 2))
        previous_frame, previous_row = last, observed[-1]
    track.spool.discard()
    interp = ~np.isin(all_frames, frames)
    scores = np.interp(all_frames, frames, np.asarray(track.scores)).astype(np.float32)
    return DenseTrack(start, path, interp, scores)


def smooth(landmarks: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Temporal Gaussian smoothing of (T, P, 2) landmarks (edges reflect, so no drift at track ends)."""
    if sigma_frames <= 0 or len(landmarks) < 2:
        return landmarks.copy()
    # float32 throughout: an hour of one face is 108 k × 478 × 2 values
    return gaussian_filter1d(np.asarray(landmarks, np.float32), sigma_frames, axis=0, mode="nearest", output=np.float32)
