"""One named, fluent way to start background work from the studio.

    BackgroundOp(jobs, self.tr("Regenerate 2 segment(s)"), regenerate_segments, root, project, ids,
                 kind="regenerate").success(apply).failure(report).run_in_background()

reads as what it does: the function and its arguments (run in a worker process, so it must
be a module-level function with picklable arguments and result), then what happens on the GUI
thread when it succeeds, fails or is cancelled. Every job shows in the jobs panel with its
progress, log and cancel button. Modelled on Anki's ``CollectionOp(parent, op).success(cb)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from app.jobs_controller import JobRecord, JobRequest, JobsController

T = TypeVar("T")


class BackgroundOp(Generic[T]):
    """A job under construction; nothing runs until ``run_in_background``."""

    def __init__(self, jobs: JobsController, title: str, fn: Callable[..., T], *args: Any, kind: str = "job"):
        self._jobs = jobs
        self._request = JobRequest(kind=kind, title=title, fn=fn, args=args)
        self._started: JobRecord | None = None

    def success(self, on_success: Callable[[T], None]) -> BackgroundOp[T]:
        """Call ``on_success(result)`` on the GUI thread when the job ends well; if it raises, the job
        fails (with the error in its log) and the failure handler runs."""
        return self._with(on_success=on_success)

    def failure(self, on_failure: Callable[[JobRecord], None]) -> BackgroundOp[T]:
        """Call ``on_failure(record)`` when the job fails (``record.error``, ``record.details``)."""
        return self._with(on_failure=on_failure)

    def cancelled(self, on_cancel: Callable[[JobRecord], None]) -> BackgroundOp[T]:
        """Call ``on_cancel(record)`` when the job was cancelled before it finished."""
        return self._with(on_cancel=on_cancel)

    def run_in_background(self) -> JobRecord:
        """Start the job (once) and return its record; the GUI thread never waits for it."""
        if self._started is not None:
            raise RuntimeError(f"{self._request.title!r} was already started")
        self._started = self._jobs.start(self._request)
        return self._started

    def _with(self, **handler: Any) -> BackgroundOp[T]:
        if self._started is not None:
            raise RuntimeError(f"{self._request.title!r} already runs: set its handlers before starting it")
        self._request = dataclasses.replace(self._request, **handler)
        return self
