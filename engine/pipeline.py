"""The pipeline: stages in order, what each depends on, and running them over a project.

Each stage is a module of :mod:`engine.stages` exposing ``inputs(ctx) -> Mapping`` (what its
output depends on; its hash decides whether the stage is up to date) and ``run(ctx) -> None``
(does the work, using ``ctx.cache`` per unit so that a change in one segment recomputes only
that segment). Stage modules are cheap to import (torch and mediapipe load inside their
functions), so `avdub info` does not pay for them.
A stage without a module is *not built yet*: running it is an error, never a silent success.
After each stage the project is saved atomically, so a killed run resumes where it stopped;
a run first removes the temporary files and folders that killed processes left behind.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from types import ModuleType

from engine.errors import AvdubError, MediaError, StageNotBuiltError
from engine.fsutil import remove_dead_temps
from engine.jobs.cache import StageCache, hash_inputs
from engine.jobs.events import CancelToken, ProgressSink, StageReporter, ignore_progress
from engine.models.registry import ModelRegistry
from engine.project.model import Project, StageRecord
from engine.project.source import SourceChangedError, source_change
from engine.project.store import ProjectFolder, save_project, utc_now
from engine.stages import export, fit, lipsync, render, speak, track, train, transcribe, translate
from engine.stages.context import RunOptions, StageContext

__all__ = ["STAGES", "ContextFactory", "RunOptions", "Stage", "StageSpec", "StageStatus", "plan", "run_stages",
           "spec_for", "stage_module", "stage_status"]


class Stage(enum.Enum):
    TRANSCRIBE = "transcribe"
    TRANSLATE = "translate"
    SPEAK = "speak"
    FIT = "fit"
    TRACK = "track"
    TRAIN = "train"
    LIPSYNC = "lipsync"
    RENDER = "render"
    EXPORT = "export"


@dataclass(frozen=True)
class StageSpec:
    stage: Stage
    title: str
    depends_on: tuple[Stage, ...]
    module: ModuleType | None  # None: not built yet


STAGES: tuple[StageSpec, ...] = (
    StageSpec(Stage.TRANSCRIBE, "Transcribe the presenter", (), transcribe),
    StageSpec(Stage.TRANSLATE, "Translate each segment", (Stage.TRANSCRIBE,), translate),
    StageSpec(Stage.SPEAK, "Synthesize the translation", (Stage.TRANSLATE,), speak),
    StageSpec(Stage.FIT, "Fit takes into the timeline", (Stage.SPEAK,), fit),
    StageSpec(Stage.TRACK, "Track the presenter's face", (), track),
    StageSpec(Stage.TRAIN, "Fine-tune lip-sync on the presenter", (Stage.TRACK,), train),
    StageSpec(Stage.LIPSYNC, "Generate mouths for the dub", (Stage.TRAIN, Stage.FIT), lipsync),
    StageSpec(Stage.RENDER, "Render the dubbed video", (Stage.TRACK,), render),
    StageSpec(Stage.EXPORT, "Export video and subtitles", (Stage.RENDER,), export),
)


class StageStatus(enum.Enum):
    NOT_BUILT = "not built"
    NOT_RUN = "not run"
    DONE = "done"
    STALE = "stale"  # ran, but its inputs changed since


def spec_for(stage: Stage | str) -> StageSpec:
    stage = Stage(stage)
    return next(s for s in STAGES if s.stage is stage)


def stage_module(spec: StageSpec) -> ModuleType:
    """The stage's module, or StageNotBuiltError naming the stage when this build lacks it."""
    if spec.module is None:
        raise StageNotBuiltError(f"stage '{spec.stage.value}' ({spec.title.lower()}) is not built yet in this version of avdub")
    return spec.module


def stage_status(ctx_factory: "ContextFactory", spec: StageSpec) -> StageStatus:
    if spec.module is None:
        return StageStatus.NOT_BUILT
    record = ctx_factory.project.stages.get(spec.stage.value)
    if record is None:
        return StageStatus.NOT_RUN
    if ctx_factory.source_changed():
        return StageStatus.STALE  # made from another video than the one at the source path now
    try:
        current = hash_inputs(stage_module(spec).inputs(ctx_factory.make(spec)))
    except AvdubError:
        return StageStatus.STALE
    return StageStatus.DONE if current == record.input_hash else StageStatus.STALE


@dataclass
class ContextFactory:
    folder: ProjectFolder
    project: Project
    registry: ModelRegistry
    options: RunOptions = field(default_factory=RunOptions)
    sink: ProgressSink = ignore_progress
    cancel: CancelToken = field(default_factory=CancelToken)

    def source_changed(self) -> bool:
        """True when the file at the source path is not the project's video (a missing one is
        not a change: stages that need it say so themselves)."""
        try:
            return source_change(self.folder, self.project) is not None
        except AvdubError:
            return False

    def make(self, spec: StageSpec) -> StageContext:
        return StageContext(self.folder, self.project, StageCache(self.folder.cache_dir), self.registry,
                            StageReporter(spec.stage.value, self.sink, self.cancel), self.options)


def plan(until: Stage | None = None, only: Stage | None = None) -> list[StageSpec]:
    """Which stages a run covers: one, everything up to ``until`` (its dependencies), or all."""
    if only is not None:
        return [spec_for(only)]
    if until is None:
        return list(STAGES)
    needed: set[Stage] = set()

    def need(stage: Stage) -> None:
        if stage not in needed:
            needed.add(stage)
            for dep in spec_for(stage).depends_on:
                need(dep)

    need(until)
    return [s for s in STAGES if s.stage in needed]


def run_stages(factory: ContextFactory, stages: list[StageSpec]) -> list[tuple[Stage, str]]:
    """Run ``stages`` in order; returns (stage, "ran"/"up to date") pairs. Saves after each.
    Nothing runs when the source video is not the one the project was made from."""
    for spec in stages:  # fail before doing anything if part of the plan does not exist yet
        stage_module(spec)
    remove_dead_temps(factory.folder.root)  # a killed run's (or save's) leftovers, whatever stage it was in
    if stages:
        try:
            change = source_change(factory.folder, factory.project)
        except MediaError:
            change = None  # a missing video: the stages that read it say so, with the relink hint
        if change is not None:
            raise SourceChangedError(change.describe(factory.folder.root))
    outcome = []
    for spec in stages:
        module = stage_module(spec)
        ctx = factory.make(spec)
        input_hash = hash_inputs(module.inputs(ctx))
        record = factory.project.stages.get(spec.stage.value)
        if record is not None and record.input_hash == input_hash and not factory.options.force:
            outcome.append((spec.stage, "up to date"))
            continue
        factory.cancel.check()
        t0 = time.monotonic()
        module.run(ctx)
        # Inputs may legitimately change while running (e.g. transcribe sets the detected language).
        input_hash = hash_inputs(module.inputs(ctx))
        factory.project.stages[spec.stage.value] = StageRecord(input_hash, utc_now(), round(time.monotonic() - t0, 3))
        save_project(factory.folder, factory.project)
        outcome.append((spec.stage, "ran"))
    return outcome
