"""Pipeline stage *track*: face tracks of the whole source, cached, summarised in the project.

The heavy part (detection, linking, smoothing, alignment) depends only on the source video
and the tracker version, and is cached under ``cache/track/``; re-running after a transcript
edit only re-chooses the speaking face per segment. The project gets one :class:`FaceTrack`
per track (``data_path`` points into the cache), ``settings["faces"]`` gets the automatic
speaking-face choice per segment, the presenter tracks, the no-face stretches and the cuts,
and segments spoken while no face is tracked are flagged ``NO_FACE``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.media import probe
from engine.project.model import FaceTrack, SegmentFlag
from engine.stages.context import StageContext

if TYPE_CHECKING:
    from engine.faces.store import TrackData

TRACK_VERSION = 4  # bump when the tracker's output changes for the same video


def _model_shas(ctx: StageContext) -> list[str]:
    return [f.sha256 or "" for mid in ("face-landmarker", "yunet") for f in ctx.registry.spec(mid).files]


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    return {
        "source": ctx.project.source.fingerprint,
        "version": TRACK_VERSION,
        "models": _model_shas(ctx),
        "segments": [(s.id, s.start, s.end, s.face_track_id) for s in ctx.project.segments],
    }


def _compute(tmp: Path, ctx: StageContext) -> None:
    from engine.faces.speaking import energy_envelope
    from engine.faces.tracking import track_video  # mediapipe and scipy: loaded when the stage runs

    source = ctx.folder.source_path(ctx.project)
    result = track_video(source, ctx.registry, tmp / "tracks", ctx.report)
    # no sound, no energy: the speaking face then falls back to the face seen longest
    np.save(tmp / "energy.npy", energy_envelope(source) if probe(source).audio is not None else np.zeros(0))
    (tmp / "summary.json").write_text(json.dumps({
        "frame_count": result.frame_count, "fps": result.fps, "frame_size": result.frame_size,
        "tracks": [t.id for t in result.tracks], "cuts": result.cuts, "no_face_spans": result.no_face_spans,
    }))


def load_tracking(entry: Path) -> tuple[dict, list[TrackData], np.ndarray]:
    from engine.faces.store import TrackData

    summary = json.loads((entry / "summary.json").read_text())
    tracks = [TrackData.load(entry / "tracks" / tid) for tid in summary["tracks"]]
    return summary, tracks, np.load(entry / "energy.npy")


def run(ctx: StageContext) -> None:
    from engine.faces.speaking import SpeakingEvidence, presenter_tracks, speaking_tracks

    key = {"source": ctx.project.source.fingerprint, "version": TRACK_VERSION, "models": _model_shas(ctx)}
    entry = ctx.cache.get_or_compute("track", key, lambda tmp: _compute(tmp, ctx))
    summary, tracks, energy = load_tracking(entry)
    project = ctx.project
    project.face_tracks = tuple(
        FaceTrack(id=t.id, start_frame=t.start_frame, end_frame=t.end_frame,
                  data_path=ctx.folder.relative(entry / "tracks" / t.id),
                  mean_eye_distance=round(float(t.meta["mean_eye_distance"]), 2),
                  low_quality=bool(t.meta["low_quality"]))
        for t in tracks)
    evidence = SpeakingEvidence(energy)  # each track's mouth activity, computed once
    chosen = speaking_tracks(project, tracks, evidence)
    for seg in project.segments:
        flags = set(seg.flags)
        (flags.add if chosen.get(seg.id) is None else flags.discard)(SegmentFlag.NO_FACE)
        if frozenset(flags) != seg.flags:
            project.replace_segment(dataclasses.replace(seg, flags=frozenset(flags)))
    if project.speakers:
        by_speaker: dict[str, list[str]] = {}
        for seg in project.segments:
            if seg.speaker_id and chosen.get(seg.id):
                ids = by_speaker.setdefault(seg.speaker_id, [])
                if chosen[seg.id] not in ids:
                    ids.append(chosen[seg.id])
        project.speakers = tuple(dataclasses.replace(s, face_track_ids=tuple(by_speaker.get(s.id, ()))) for s in project.speakers)
    project.settings = {**project.settings, "faces": {
        "speaking": chosen,
        "presenter_tracks": presenter_tracks(tracks, evidence),
        "no_face_spans": summary["no_face_spans"],
        "cuts": summary["cuts"],
        "frame_count": summary["frame_count"],
    }}
