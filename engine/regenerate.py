"""Regenerate single segments: re-speak, re-fit and re-lipsync only what an edit touched.

The studio's "regenerate" runs this in a worker process over a *copy* of the project as the
editor holds it (unsaved edits included) and applies the returned segments through its undo
stack, so a regeneration is undoable and a failed or cancelled one changes nothing.

A stage opts in by defining, next to ``inputs``/``run``, a per-segment hook::

    def speak_segment(ctx: StageContext, segment_id: str) -> None    # adds a take, makes it current
    def fit_segment(ctx: StageContext, segment_id: str) -> None      # sets take.fit_ratio / stretch
    def lipsync_segment(ctx: StageContext, segment_id: str) -> None  # refreshes that span's mouths

each mutating ``ctx.project`` for that one segment only (caching per unit through ``ctx.cache``).
A stage that is not built, or built without its hook, raises StageNotBuiltError naming it:
never a silent success.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from pathlib import Path

from engine.errors import StageNotBuiltError
from engine.jobs.events import CancelToken, ProgressSink, ignore_progress
from engine.models.registry import ModelRegistry
from engine.pipeline import ContextFactory, RunOptions, Stage, spec_for, stage_module
from engine.project.model import Project, Segment
from engine.project.store import ProjectFolder


class RegenerateStep(enum.Enum):
    """What a per-segment regeneration redoes, in pipeline order."""

    SPEAK = "speak"
    FIT = "fit"
    LIPSYNC = "lipsync"

    @property
    def stage(self) -> Stage:
        return Stage(self.value)

    @property
    def hook(self) -> str:
        return f"{self.value}_segment"


DEFAULT_STEPS: tuple[RegenerateStep, ...] = (RegenerateStep.SPEAK, RegenerateStep.FIT)
SegmentHook = Callable[..., None]


def segment_hook(step: RegenerateStep) -> SegmentHook:
    """The stage's per-segment function, or StageNotBuiltError naming what is missing."""
    module = stage_module(spec_for(step.stage))  # raises StageNotBuiltError when unbuilt
    hook = getattr(module, step.hook, None)
    if hook is None:
        raise StageNotBuiltError(
            f"stage '{step.value}' cannot regenerate a single segment yet (its module has no {step.hook})")
    return hook


def regenerate_segments(root: str, project: Project, segment_ids: Sequence[str],
                        steps: Sequence[str] = tuple(s.value for s in DEFAULT_STEPS), *,
                        progress: ProgressSink = ignore_progress,
                        cancel: CancelToken | None = None) -> list[Segment]:
    """Redo ``steps`` for each segment of ``segment_ids``; returns the updated segments.

    ``project`` is not saved here: the caller applies the result (the studio as one undoable
    command, the CLI by saving). Picklable in and out, so it runs in a worker process.
    """
    cancel = cancel or CancelToken()
    chosen = [RegenerateStep(s) for s in steps]
    hooks = [(step, segment_hook(step)) for step in chosen]  # fail before any work
    factory = ContextFactory(ProjectFolder(Path(root)), project, ModelRegistry.from_environment(),
                             RunOptions(), progress, cancel)
    total = len(segment_ids) * len(hooks)
    done = 0
    for seg_id in segment_ids:
        project.segment(seg_id)  # a KeyError here is a bug in the caller
        for step, hook in hooks:
            ctx = factory.make(spec_for(step.stage))
            ctx.report(done, total, f"{step.value} {seg_id}")
            hook(ctx, seg_id)
            done += 1
    cancel.check()
    return [project.segment(s) for s in segment_ids]
