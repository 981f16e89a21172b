"""Which face tracks the render stage pastes mouths onto, and so which the lip-sync stages serve.

The speaking face chosen per segment (the editor's override first) and the presenter tracks
found by the track stage, in that order, restricted to tracks the project still has.
"""

from __future__ import annotations

from engine.stages.context import StageContext


def rendered_track_ids(ctx: StageContext) -> list[str]:
    faces = ctx.project.settings.get("faces", {})
    ids = list(faces.get("presenter_tracks", []))
    for seg in ctx.project.segments:
        tid = seg.face_track_id or faces.get("speaking", {}).get(seg.id)
        if tid and tid not in ids:
            ids.append(tid)
    known = {t.id for t in ctx.project.face_tracks}
    return [t for t in ids if t in known]
