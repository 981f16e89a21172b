"""Pipeline stage *fit*: place every take, stretch within bounds, assemble the dub track.

Writes each current take's ``fit_ratio`` and ``stretch`` (the applied speed factor), sets or
clears OVERFLOW, records the remedies for overflowing segments in ``speech.overflow`` (a
shorter translation; a local video slow-down plan for the renderer), and stores the assembled
track as ``project.dub_track``: 24 kHz mono 16-bit WAV of exactly the video's duration.
Stretched takes are cached per (take, speed), so an edit re-stretches only what changed.
The track is written block by block (:mod:`engine.speech.dubstream`): memory stays a few MB
however long the lecture, and it is assembled only when its placements changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.fsutil import file_fingerprint
from engine.project.model import SegmentFlag
from engine.speech import DUB_SAMPLE_RATE
from engine.speech.fit import FitItem, plan_fit
from engine.stages.context import StageContext
from engine.stages.speech_settings import load_settings, section

def inputs(ctx: StageContext) -> Mapping[str, Any]:
    s = load_settings(ctx.project)
    segs = []
    for seg in ctx.project.segments:
        take = seg.current_take
        segs.append([seg.id, seg.start, seg.end, None if take is None else take.audio_path])
    return {"duration": ctx.project.source.duration, "fit": dataclasses.asdict(s.fit), "background": s.background,
            "segments": segs}


def run(ctx: StageContext) -> None:
    import soundfile as sf

    from engine.speech.dubstream import PlacedTake, load_take, write_dub_track
    from engine.speech.dubtrack import stretch

    project = ctx.project
    s = load_settings(project)
    total = project.source.duration
    items = [FitItem(seg.id, seg.start, seg.end, seg.current_take.duration if seg.current_take else 0.0)
             for seg in project.segments]
    placements = {p.segment_id: p for p in plan_fit(items, total, s.fit)}
    placed: list[PlacedTake] = []
    overflow: list[dict[str, Any]] = []
    stretched = 0
    n = len(project.segments)
    for i, seg in enumerate(project.segments):
        ctx.report(i, n, f"fitting segment {i + 1}/{n}")
        p = placements[seg.id]
        take = seg.current_take
        flags = set(seg.flags) - {SegmentFlag.OVERFLOW}
        if take is None:
            project.replace_segment(dataclasses.replace(seg, flags=frozenset(flags)))
            continue
        audio_rel = take.audio_path
        if p.speed != 1.0:
            def compute(tmp: Path, rel: str = take.audio_path, speed: float = p.speed) -> None:
                nonlocal stretched
                audio = load_take(ctx.folder.resolve(rel), DUB_SAMPLE_RATE)  # takes made elsewhere may differ
                sf.write(tmp / "fitted.wav", stretch(audio, DUB_SAMPLE_RATE, speed), DUB_SAMPLE_RATE,
                         subtype="PCM_16")
                stretched += 1

            entry = ctx.cache.get_or_compute("fit", {"take": take.audio_path, "speed": p.speed}, compute)
            audio_rel = ctx.folder.relative(entry / "fitted.wav")
        placed.append(PlacedTake(p.start, p.window_end - p.start, ctx.folder.resolve(audio_rel)))
        if p.overflow:
            flags.add(SegmentFlag.OVERFLOW)
            overflow.append({"segment_id": seg.id, "residual": p.residual,
                             "shorten_translation_to": round(1.0 / p.residual, 3),
                             "video_slowdown": {"start": seg.start, "end": p.window_end, "factor": p.residual}})
        new_take = dataclasses.replace(take, fit_ratio=p.fit_ratio, stretch=p.speed)
        project.replace_segment(dataclasses.replace(
            seg, flags=frozenset(flags), takes=tuple(new_take if t.id == take.id else t for t in seg.takes)))
    ctx.report(n, n, "assembling the dub track")
    background = ctx.folder.source_path(project) if s.background else None
    # Takes are keyed by their files' content (a take file is never rewritten in place, but an
    # imported one could be), the bed by the source's fingerprint.
    key = {"placed": [[round(t.start, 6), round(t.max_seconds, 6), file_fingerprint(t.path)] for t in placed],
           "total": total, "background": s.background,
           "source": project.source.fingerprint if s.background else None}
    entry = ctx.cache.get_or_compute("dubtrack", key, lambda tmp: write_dub_track(
        tmp / "dub.wav", total, placed, DUB_SAMPLE_RATE, background=background))
    project.dub_track = ctx.folder.relative(entry / "dub.wav")
    info = section(project)
    info["overflow"] = overflow
    # Which take each placement put into the track: an editor playing the track can tell the
    # segments whose current take is newer than the assembled track (and play that take instead).
    placed_take = {seg.id: seg.current_take_id for seg in project.segments}
    info["placements"] = {p.segment_id: {"start": p.start, "window": [p.window_start, p.window_end],
                                         "take": placed_take.get(p.segment_id)}
                          for p in placements.values()}
    info["last_fit"] = {"stretched": stretched}


def fit_segment(ctx: StageContext, segment_id: str) -> None:
    """Re-fit after one segment's take changed.

    Fitting is not local: a take may borrow silence from its neighbours and the dub track is
    one file, so the whole plan is redone. It stays cheap because stretched takes are cached
    per (take, speed): only the changed take is stretched again.
    """
    ctx.project.segment(segment_id)
    run(ctx)
