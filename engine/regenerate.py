"""Regenerate single segments: re-speak, re-fit and re-lipsync only what an edit touched.

The studio's "regenerate" runs this in a worker process over a *copy* of the project as the
editor holds it (unsaved edits included) and applies the returned :class:`Regenerated` state
through its undo stack, so a regeneration is undoable and a failed or cancelled one changes
nothing. The returned state is what ``avdub run`` would leave after the same edit: the new
takes, the dub track assembled with them, the placements and chunk index, and the records of
the stages now up to date; the stages downstream (lip-sync, render) see the new dub track in
their inputs and so read as stale until they run.

A stage opts in by defining, next to ``inputs``/``run``, a hook::

    def speak_segment(ctx: StageContext, segment_id: str) -> None    # adds a take, makes it current
    def fit_segment(ctx: StageContext, segment_id: str) -> None      # re-fits, reassembles the dub track
    def lipsync_segment(ctx: StageContext, segment_id: str) -> None  # brings the mouths up to date

each mutating ``ctx.project`` (caching per unit through ``ctx.cache``). Speaking is per
segment; fitting and lip-sync are whole-stage (a take borrows from its neighbours, the dub track
is one file, chunks are keyed by the audio they hear), so their hooks run once per call and
redo only what changed. A stage that is not built, or built without its hook, raises
StageNotBuiltError naming it: never a silent success.
"""

from __future__ import annotations

import copy
import enum
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import StageNotBuiltError
from engine.jobs.cache import hash_inputs
from engine.jobs.events import CancelToken, ProgressSink, ignore_progress
from engine.models.registry import ModelRegistry
from engine.pipeline import ContextFactory, RunOptions, Stage, spec_for, stage_module
from engine.project.model import Project, Segment, Speaker, StageRecord
from engine.project.settings import LIPSYNC, SPEECH
from engine.project.store import ProjectFolder, utc_now


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

    @property
    def per_segment(self) -> bool:
        """Whether the hook runs for each segment (else once, over the whole stage)."""
        return self is RegenerateStep.SPEAK

    @property
    def settings_key(self) -> str:
        """The ``project.settings`` section the stage writes its records into."""
        return LIPSYNC if self is RegenerateStep.LIPSYNC else SPEECH


DEFAULT_STEPS: tuple[RegenerateStep, ...] = (RegenerateStep.SPEAK, RegenerateStep.FIT)
SegmentHook = Callable[..., None]
_ABSENT = object()  # a settings entry the project did not have before


@dataclass(frozen=True)
class Regenerated:
    """The project state a regeneration produced, for the caller to apply (picklable).

    ``segments``: the regenerated segments and those a re-fit changed (placement, overflow);
    ``speakers``: the speakers (speaking records the default voices it resolved);
    ``dub_track``: the assembled dub's path; ``settings``: per settings section, the entries the
    steps wrote (placements, overflow, chunk index, counts of the last run); ``stages``: the
    records of the stages now exactly as a full run would leave them.
    """

    segments: tuple[Segment, ...]
    speakers: tuple[Speaker, ...]
    dub_track: str | None
    settings: Mapping[str, Any]
    stages: Mapping[str, StageRecord]

    def apply_to(self, project: Project) -> None:
        """Write this state into ``project``: segments by id, voices only where still unresolved,
        settings entry by entry (choices changed meanwhile stay), stage records by stage."""
        new = {s.id: s for s in self.segments}
        project.segments = tuple(new.get(s.id, s) for s in project.segments)
        resolved = {s.id: s for s in self.speakers}
        project.speakers = tuple(s if s.voice.engine else resolved.get(s.id, s) for s in project.speakers)
        project.dub_track = self.dub_track
        project.settings = {**project.settings, **{key: {**project.settings.get(key, {}), **copy.deepcopy(dict(entries))}
                                                   for key, entries in self.settings.items()}}
        project.stages = {**project.stages, **self.stages}


def segment_hook(step: RegenerateStep) -> SegmentHook:
    """The stage's per-segment function, or StageNotBuiltError naming what is missing."""
    module = stage_module(spec_for(step.stage))  # raises StageNotBuiltError when unbuilt
    hook = getattr(module, step.hook, None)
    if hook is None:
        raise StageNotBuiltError(
            f"stage '{step.value}' cannot regenerate a single segment yet (its module has no {step.hook})")
    return hook


def _up_to_date(step: RegenerateStep, factory: ContextFactory) -> bool:
    """Whether the hook left the stage exactly as its full run would.

    Fitting and lip-sync hooks redo the whole stage (incrementally), so always. Speaking one
    segment does when no other segment is left to speak (the stage's ``is_spoken``)."""
    if step is not RegenerateStep.SPEAK:
        return True
    module = stage_module(spec_for(step.stage))
    is_spoken = getattr(module, "is_spoken", None)
    return bool(is_spoken is not None and is_spoken(factory.make(spec_for(step.stage))))


def regenerate_segments(root: str, project: Project, segment_ids: Sequence[str],
                        steps: Sequence[str] = tuple(s.value for s in DEFAULT_STEPS), *,
                        progress: ProgressSink = ignore_progress,
                        cancel: CancelToken | None = None) -> Regenerated:
    """Redo ``steps`` for the segments of ``segment_ids``; returns the resulting state.

    ``project`` is not saved here: the caller applies the result (the studio as one undoable
    command, the CLI by saving). Picklable in and out, so it runs in a worker process.
    """
    cancel = cancel or CancelToken()
    chosen = sorted({RegenerateStep(s) for s in steps}, key=list(RegenerateStep).index)
    hooks = [(step, segment_hook(step)) for step in chosen]  # fail before any work
    for seg_id in segment_ids:
        project.segment(seg_id)  # a KeyError here is a bug in the caller
    before = {s.id: s for s in project.segments}
    settings_before = copy.deepcopy(project.settings)
    factory = ContextFactory(ProjectFolder(Path(root)), project, ModelRegistry.from_environment(),
                             RunOptions(), progress, cancel)
    records: dict[str, StageRecord] = {}
    total = sum(len(segment_ids) if step.per_segment else 1 for step, _ in hooks)
    done = 0
    for step, hook in hooks:
        if not segment_ids:
            break
        spec = spec_for(step.stage)
        t0 = time.monotonic()
        for seg_id in segment_ids if step.per_segment else segment_ids[-1:]:
            ctx = factory.make(spec)
            ctx.report(done, total, f"{step.value} {seg_id}")
            hook(ctx, seg_id)
            done += 1
        if _up_to_date(step, factory):
            records[step.value] = StageRecord(hash_inputs(stage_module(spec).inputs(factory.make(spec))), utc_now(),
                                              round(time.monotonic() - t0, 3))
    cancel.check()
    keys = {step.settings_key for step in chosen}
    written = {key: {k: copy.deepcopy(v) for k, v in project.settings.get(key, {}).items()
                     if settings_before.get(key, {}).get(k, _ABSENT) != v} for key in keys}
    changed = tuple(s for s in project.segments if s.id in segment_ids or before.get(s.id) != s)
    return Regenerated(segments=changed, speakers=project.speakers,
                       dub_track=project.dub_track,
                       settings={key: entries for key, entries in written.items() if entries},
                       stages=records)
