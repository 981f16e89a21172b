"""A job: one callable run with a state machine, a cancel token and its progress events."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.errors import AvdubError, JobCancelled
from engine.jobs.events import CancelToken, JobState, Progress, ProgressSink, ignore_progress
from engine.project.model import new_id

JobFunction = Callable[[ProgressSink, CancelToken], Any]


@dataclass
class Job:
    """Runs ``fn(progress, cancel)``; never raises: the outcome is in ``state``/``result``/``error``."""

    name: str
    fn: JobFunction
    id: str = field(default_factory=lambda: new_id("job"))
    state: JobState = JobState.QUEUED
    result: Any = None
    error: str | None = None  # one line for a person
    details: str | None = None  # traceback, for bugs (not for user errors)
    last_progress: Progress | None = None
    cancel_token: CancelToken = field(default_factory=CancelToken)

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def run(self, sink: ProgressSink = ignore_progress) -> JobState:
        if self.state is not JobState.QUEUED:
            raise RuntimeError(f"job {self.name} already ran")
        if self.cancel_token.cancelled:
            self.state = JobState.CANCELLED
            return self.state

        def forward(event: Progress) -> None:
            self.last_progress = event
            sink(event)

        self.state = JobState.RUNNING
        try:
            self.result = self.fn(forward, self.cancel_token)
            self.state = JobState.DONE
        except (JobCancelled, KeyboardInterrupt):
            self.state, self.error = JobState.CANCELLED, "cancelled"
        except AvdubError as exc:
            self.state, self.error = JobState.FAILED, str(exc)
        except Exception as exc:  # a bug: keep the traceback for the log
            self.state, self.error = JobState.FAILED, f"internal error: {type(exc).__name__}: {exc}"
            self.details = traceback.format_exc()
        return self.state
