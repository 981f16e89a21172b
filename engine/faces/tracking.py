"""Track every face through a video: detect per frame, link, fill gaps, smooth, align.

:func:`track_video` streams the frames once (memory bounded by the number of landmarks
kept: 3.8 kB per face per frame) and returns finished :class:`TrackData` (smoothed landmarks
and frame → crop transforms), the shot cuts, and the stretches with no face. Frame indices
are ordinals in presentation order, so variable-frame-rate video is handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.faces.align import align_transforms
from engine.faces.landmarks import FaceLandmarkDetector
from engine.faces.store import TrackData
from engine.faces.template import ALIGN_INDICES, eye_distance
from engine.faces.tracks import ALIGN_SIGMA_S, MIN_TRACK_FRAMES, SMOOTH_SIGMA_S, TrackBuilder, densify, smooth
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


def finish_track(track_id: str, dense_start: int, raw: np.ndarray, interpolated: np.ndarray,
                 times: np.ndarray, fps: float) -> TrackData:
    """Smooth the raw (T, 478, 2) landmarks and fit the per-frame transforms."""
    lm = smooth(raw, SMOOTH_SIGMA_S * fps)
    # The points that fix the crop follow only the head, which moves slowly: a wider window.
    # The stored landmarks carry the same smoothed values, so the template-space landmarks stay
    # consistent with the transforms.
    lm[:, list(ALIGN_INDICES)] = smooth(raw[:, list(ALIGN_INDICES)], ALIGN_SIGMA_S * fps)
    transforms = align_transforms(lm)
    ed = eye_distance(lm)
    meta = {"mean_eye_distance": float(ed.mean()), "min_eye_distance": float(ed.min()),
            "low_quality": bool(np.median(ed) < MIN_EYE_DISTANCE), "fps": fps}
    return TrackData(track_id, dense_start, times, lm, transforms, interpolated, meta, raw[:, list(ALIGN_INDICES)])


def track_video(path: Path, registry: ModelRegistry, report: Report | None = None,
                max_faces: int = 4) -> TrackingResult:
    info = probe(path).require_video()
    total = max(info.frame_count, 1)
    builder = TrackBuilder()
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
    for raw in builder.finish(min(MIN_TRACK_FRAMES, max(1, len(times)))):
        dense = densify(raw)
        tid = f"face-{dense.start_frame:06d}-{len(result.tracks)}"
        result.tracks.append(finish_track(tid, dense.start_frame, dense.landmarks, dense.interpolated,
                                          times[dense.start_frame:dense.end_frame], info.fps))
        covered[dense.start_frame:dense.end_frame] = True
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
