"""What a stage runs with: the project, its folder and cache, the models, progress, run options.

:class:`StageContext` is made by the pipeline (``engine.pipeline.ContextFactory``) for one stage
of one run; only the stages layer reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.jobs.cache import StageCache
from engine.jobs.events import StageReporter
from engine.models.registry import ModelRegistry
from engine.project.model import Project
from engine.project.store import ProjectFolder


@dataclass(frozen=True)
class RunOptions:
    """Settings of one run, from the CLI or the studio; stages read what they need."""

    device: str = "auto"  # "auto", "cpu" or "cuda"
    threads: int | None = None  # torch intra-op threads; None: a measured default
    force: bool = False  # rerun stages even when up to date
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class StageContext:
    folder: ProjectFolder
    project: Project
    cache: StageCache
    registry: ModelRegistry
    report: StageReporter
    options: RunOptions
