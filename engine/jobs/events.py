"""Progress events, job states and cooperative cancellation.

Stages report ``Progress(stage, done, total, message)`` through a sink (a plain callable),
and call ``cancel.check()`` between steps. The CLI turns events into progress bars, the
studio into signals on the GUI thread.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import JobCancelled


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class Progress:
    stage: str
    done: int
    total: int  # 0 when unknown
    message: str = ""
    elapsed: float = 0.0  # seconds since the stage started

    @property
    def fraction(self) -> float | None:
        return None if self.total <= 0 else min(1.0, self.done / self.total)

    @property
    def eta(self) -> float | None:
        """Seconds left, extrapolated linearly; None until there is something to go on."""
        frac = self.fraction
        if not frac or self.elapsed <= 0:
            return None
        return self.elapsed * (1.0 - frac) / frac


ProgressSink = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    """A sink for callers that do not show progress."""


class CancelToken:
    """Set from any thread (or a signal handler); checked by the work between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise JobCancelled("cancelled")


class StageReporter:
    """Convenience for a stage: ``report(done, total, msg)`` stamps stage name and elapsed time,
    and checks for cancellation each time it is called."""

    def __init__(self, stage: str, sink: ProgressSink, cancel: CancelToken):
        self.stage, self._sink, self.cancel = stage, sink, cancel
        self._t0 = time.monotonic()

    def __call__(self, done: int, total: int, message: str = "") -> None:
        self.cancel.check()
        self._sink(Progress(self.stage, done, total, message, time.monotonic() - self._t0))
