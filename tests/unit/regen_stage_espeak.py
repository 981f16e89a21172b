"""A speak stage built only for the regenerate API's tests: espeak-ng per segment.

It is a real (if robotic) stage module with the per-segment hook ``speak_segment`` the
regenerate API looks for; the project's actual speak stage lives in engine/ once built.
"""

from __future__ import annotations

from typing import Any

from engine.stages.context import StageContext
from tests.gui.espeak_jobs import make_take


def inputs(ctx: StageContext) -> dict[str, Any]:
    return {"texts": [s.target_text for s in ctx.project.segments]}


def run(ctx: StageContext) -> None:
    for seg in ctx.project.segments:
        speak_segment(ctx, seg.id)


def speak_segment(ctx: StageContext, segment_id: str) -> None:
    seg = ctx.project.segment(segment_id)
    ctx.project.add_take(segment_id, make_take(ctx.folder, ctx.project, seg))
