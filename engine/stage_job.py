"""Pipeline stages as worker-process jobs for a front-end (the studio).

``run_stage_job`` takes the project as the front-end holds it, runs one stage (and, on
request, what it depends on) exactly as ``avdub run`` would, and returns the resulting
project; the caller swaps it in. All arguments and results are picklable.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.jobs.events import CancelToken, ProgressSink, ignore_progress
from engine.models.registry import ModelRegistry
from engine.pipeline import ContextFactory, RunOptions, Stage, plan, run_stages, stage_module
from engine.project.model import Project
from engine.project.store import ProjectFolder, save_project


def run_stage_job(root: str, project: Project, stage: str, with_dependencies: bool = False,
                  force: bool = False, extra: Mapping[str, Any] | None = None, *, progress: ProgressSink = ignore_progress,
                  cancel: CancelToken | None = None) -> Project:
    """Run ``stage`` over ``project`` (saved first, so a crash loses nothing); return the result.

    ``extra`` reaches the stage as ``ctx.options.extra`` (e.g. the export stage's formats).
    """
    cancel = cancel or CancelToken()
    folder = ProjectFolder(Path(root))
    stages = plan(until=Stage(stage)) if with_dependencies else plan(only=Stage(stage))
    factory = ContextFactory(folder, project, ModelRegistry.from_environment(), RunOptions(force=force, extra=dict(extra or {})),
                             progress, cancel)
    for spec in stages:  # refuse before writing anything when a stage is not built
        stage_module(spec)
    save_project(folder, project)
    run_stages(factory, stages)
    return project
