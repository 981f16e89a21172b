"""Per-frame track data on disk, and the read API the lip-sync stage builds on.

A track's data is a folder of ``.npy`` arrays (memory-mapped when read, so an hour-long
track costs no RAM until touched) plus ``meta.json``:

    times.npy          (T,) float64   presentation time of each frame (VFR-safe)
    landmarks.npy      (T, 478, 2) float32   smoothed landmarks, upright-frame pixels
    transforms.npy     (T, 2, 3) float64     frame → 256×256 crop similarity
    interpolated.npy   (T,) bool      no detection on that frame (gap filled)
    raw_align.npy      (T, 12, 2) float32   unsmoothed alignment points (stability diagnostics)
    opening.npy        (T,) float64   inner-lip gap in eye distances (for the speaking-face choice;
                                      tracks written before it existed lack it)

Frame ``start_frame + i`` is row ``i``. :func:`iter_track_frames` yields, for a range of a
track, (frame index, time, aligned 256×256 RGB crop, landmarks in template space) by
decoding the source once, in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import ProjectError
from engine.faces.align import apply, crop
from engine.faces.template import CROP_SIZE
from engine.media import frame_times, iter_frames, probe
from engine.project.model import FaceTrack, Project
from engine.project.store import ProjectFolder


@dataclass(frozen=True)
class TrackData:
    id: str
    start_frame: int
    times: np.ndarray  # (T,) float64
    landmarks: np.ndarray  # (T, 478, 2) float32
    transforms: np.ndarray  # (T, 2, 3) float64
    interpolated: np.ndarray  # (T,) bool
    meta: dict
    raw_align: np.ndarray | None = None  # (T, 12, 2) float32: unsmoothed alignment points, for diagnostics
    opening: np.ndarray | None = None  # (T,) float64: inner-lip gap in eye distances

    def __post_init__(self) -> None:
        t = len(self.times)
        assert self.landmarks.shape == (t, 478, 2), self.landmarks.shape
        assert self.transforms.shape == (t, 2, 3), self.transforms.shape
        assert self.interpolated.shape == (t,)

    @property
    def end_frame(self) -> int:
        return self.start_frame + len(self.times)

    def __len__(self) -> int:
        return len(self.times)

    def row(self, frame_index: int) -> int:
        i = frame_index - self.start_frame
        if not 0 <= i < len(self.times):
            raise IndexError(f"frame {frame_index} is outside track {self.id} [{self.start_frame}, {self.end_frame})")
        return i

    def template_landmarks(self, rows: slice | int | np.ndarray = slice(None)) -> np.ndarray:
        """Landmarks mapped into crop pixels: (478, 2) for one row, (n, 478, 2) for several."""
        lm = np.asarray(self.landmarks[rows], np.float64)
        m = self.transforms[rows]
        if lm.ndim == 2:
            return apply(m, lm)
        return np.einsum("tpj,tij->tpi", lm, m[:, :, :2]) + m[:, None, :, 2]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "times.npy", self.times.astype(np.float64))
        np.save(directory / "landmarks.npy", self.landmarks.astype(np.float32))
        np.save(directory / "transforms.npy", self.transforms.astype(np.float64))
        np.save(directory / "interpolated.npy", self.interpolated.astype(bool))
        if self.raw_align is not None:
            np.save(directory / "raw_align.npy", self.raw_align.astype(np.float32))
        if self.opening is not None:
            np.save(directory / "opening.npy", np.asarray(self.opening, np.float64))
        (directory / "meta.json").write_text(json.dumps({"id": self.id, "start_frame": self.start_frame, **self.meta}))

    @classmethod
    def load(cls, directory: Path) -> "TrackData":
        directory = Path(directory)
        if not (directory / "meta.json").is_file():
            raise ProjectError(f"the face track data in {directory} is missing (the cache was cleared?); "
                               "run the track stage again: avdub run PROJECT --only track --force")
        meta = json.loads((directory / "meta.json").read_text())
        load = lambda name: np.load(directory / name, mmap_mode="r")  # noqa: E731
        optional = lambda name: load(name) if (directory / name).is_file() else None  # noqa: E731
        return cls(meta.pop("id"), int(meta.pop("start_frame")), load("times.npy"), load("landmarks.npy"),
                   load("transforms.npy"), load("interpolated.npy"), meta, optional("raw_align.npy"),
                   optional("opening.npy"))


def load_track(folder: ProjectFolder, track: FaceTrack) -> TrackData:
    return TrackData.load(folder.resolve(track.data_path))


def find_track(project: Project, track_id: str) -> FaceTrack:
    for t in project.face_tracks:
        if t.id == track_id:
            return t
    raise ProjectError(f"no face track '{track_id}' in the project (run the track stage)")


@dataclass(frozen=True)
class TrackFrame:
    index: int  # frame ordinal in the source
    time: float  # seconds
    crop: np.ndarray  # (256, 256, 3) uint8 RGB, aligned
    landmarks: np.ndarray  # (478, 2) float64, crop pixels


def iter_track_frames(folder: ProjectFolder, project: Project, track: FaceTrack | str,
                      start: int | None = None, end: int | None = None) -> Iterator[TrackFrame]:
    """Aligned crops of ``track`` for frames [start, end) (default: the whole track), in order."""
    if isinstance(track, str):
        track = find_track(project, track)
    data = load_track(folder, track)
    start = data.start_frame if start is None else max(start, data.start_frame)
    end = data.end_frame if end is None else min(end, data.end_frame)
    if end <= start:
        return
    source = folder.source_path(project)
    rotation = probe(source).require_video().rotation
    times = frame_times(source) if start > 0 else None
    for frame in iter_frames(source, start, end, times=times, rotation=rotation):
        i = data.row(frame.index)
        m = np.asarray(data.transforms[i])
        yield TrackFrame(frame.index, frame.time, crop(frame.image, m, CROP_SIZE), data.template_landmarks(i))
