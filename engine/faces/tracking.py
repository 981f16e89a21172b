"""Track every face through a video: detect per frame, link, fill gaps, smooth, align.

:func:`track_video` streams the frames once and writes each finished track's data (smoothed
landmarks and frame → crop transforms) into a folder, block by block: landmarks go to disk as
they are observed, so memory hardly grows with the video's length (a few hundred bytes per
frame stay in memory, for times, flags and scores). It returns the tracks (memory-mapped
:class:`TrackData`), the shot cuts, and the stretches with no face. Frame indices are
ordinals in presentation order, so variable-frame-rate video is handled.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.faces.align import align_transforms
from engine.faces.landmarks import FaceLandmarkDetector
from engine.faces.speaking import opening_of
from engine.faces.store import TrackData
from engine.faces.template import ALIGN_INDICES, eye_distance
from engine.faces.tracks import (ALIGN_SIGMA_S, MIN_TRACK_FRAMES, POINTS, SMOOTH_SIGMA_S, DenseTrack,
                                 TrackBuilder, blocks, create_rows, densify, smooth, write_rows)
from engine.media import iter_frames, probe
from engine.models.registry import ModelRegistry

MIN_EYE_DISTANCE = 80.0  # px in the source frame: smaller faces are flagged low quality (paper §3.1.1)

Report = Callable[[int, int, str], None]


@dataclass
class TrackingResult:
    frame_count: int
    fps: float
    frame_size: tuple[int, int]  # upright (width, height)
    tracks: list[TrackData] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)
    no_face_spans: list[tuple[int, int]] = field(default_factory=list)  # [start, end) frames without any track


def finish_track(track_id: str, dense: DenseTrack, times: np.ndarray, fps: float, directory: Path) -> TrackData:
    """Smooth the dense raw landmarks, fit the per-frame transforms, and write the track's folder.

    Works through the rows in blocks with a margin of the Gaussian's reach on each side, so the
    result equals smoothing the whole track at once.
    """
    directory.mkdir(parents=True, exist_ok=True)
    length = len(dense)
    sigma, align_sigma = SMOOTH_SIGMA_S * fps, ALIGN_SIGMA_S * fps
    margin = int(4.0 * max(sigma, align_sigma) + 0.5) + 1  # gaussian_filter1d's radius at truncate=4
    align = list(ALIGN_INDICES)
    create_rows(directory / "landmarks.npy", (length, POINTS, 2), np.float32)
    create_rows(directory / "transforms.npy", (length, 2, 3), np.float64)
    create_rows(directory / "raw_align.npy", (length, len(align), 2), np.float32)
    eye = np.empty(length, np.float64)
    opening = np.empty(length, np.float64)  # kept for the speaking-face choice, which then maps no landmarks
    for a, b in blocks(length):
        lo, hi = max(0, a - margin), min(length, b + margin)
        raw = dense.read(lo, hi)  # (hi - lo, 478, 2)
        lm = smooth(raw, sigma)
        # The points that fix the crop follow only the head, which moves slowly: a wider window.
        # The stored landmarks carry the same smoothed values, so the template-space landmarks
        # stay consistent with the transforms.
        lm[:, align] = smooth(raw[:, align], align_sigma)
        inner = slice(a - lo, b - lo)
        write_rows(directory / "landmarks.npy", a, lm[inner])
        write_rows(directory / "transforms.npy", a, align_transforms(lm[inner]))
        write_rows(directory / "raw_align.npy", a, raw[inner][:, align])
        eye[a:b] = eye_distance(lm[inner])
        opening[a:b] = opening_of(lm[inner])
    np.save(directory / "times.npy", np.asarray(times, np.float64))
    np.save(directory / "interpolated.npy", dense.interpolated.astype(bool))
    np.save(directory / "opening.npy", opening)
    meta = {"mean_eye_distance": float(eye.mean()), "min_eye_distance": float(eye.min()),
            "low_quality": bool(np.median(eye) < MIN_EYE_DISTANCE), "fps": fps}
    # written last: a folder without meta.json is an unfinished track (TrackData.load refuses it)
    (directory / "meta.json").write_text(json.dumps({"id": track_id, "start_frame": dense.start_frame, **meta}))
    return TrackData.load(directory)


def track_video(path: Path, registry: ModelRegistry, out_dir: Path, report: Report | None = None,
                max_faces: int = 4) -> TrackingResult:
    """Track the faces of ``path``; each track's data is written to ``out_dir / track id``."""
    info = probe(path).require_video()
    total = max(info.frame_count, 1)
    spool = Path(out_dir) / ".spool"
    builder = TrackBuilder(spool)
    all_times: list[float] = []
    has_face: list[bool] = []
    size = info.display_size
    with FaceLandmarkDetector(registry, max_faces=max_faces) as det:
        for frame in iter_frames(path, rotation=info.rotation):
            if builder.cut_before(frame.index, frame.image):
                det.reset()
            faces = det.detect(frame.image)
            builder.add(frame.index, faces)
            all_times.append(frame.time)
            has_face.append(bool(faces))
            if report is not None and frame.index % 25 == 0:
                report(frame.index, total, f"{len(faces)} face(s)")
            size = (frame.image.shape[1], frame.image.shape[0])
    times = np.asarray(all_times, np.float64)
    result = TrackingResult(len(times), info.fps, size, cuts=builder.cuts)
    covered = np.zeros(len(times), bool)
    # A video shorter than a track's minimum (a single frame) keeps whatever face it shows.
    for number, raw in enumerate(builder.finish(min(MIN_TRACK_FRAMES, max(1, len(times))))):
        dense = densify(raw, spool / f"dense-{number:05d}.npy")
        tid = f"face-{dense.start_frame:06d}-{len(result.tracks)}"
        result.tracks.append(finish_track(tid, dense, times[dense.start_frame:dense.end_frame], info.fps,
                                          Path(out_dir) / tid))
        dense.landmarks_path.unlink()
        covered[dense.start_frame:dense.end_frame] = True
    shutil.rmtree(spool, ignore_errors=True)
    result.no_face_spans = _false_runs(covered)
    if report is not None:
        report(total, total, f"{len(result.tracks)} track(s)")
    return result


def _false_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, v in enumerate(mask):
        if not v and start is None:
            start = i
        elif v and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs
