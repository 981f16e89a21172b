"""Bridge from worker-process jobs to signals on the GUI thread.

Each job runs ``engine.jobs.run_in_worker_process`` on a Python thread (that call blocks
while it relays the worker's events); the thread only puts events on a queue, and a QTimer on
the GUI thread drains it and emits signals. The GUI thread therefore never waits on a job, and
no Qt object is touched from another thread. The log of every job is kept after it ends,
failed or not. Callers describe a job with ``app.operations.BackgroundOp``; this module only
runs the ``JobRequest`` it builds and calls back the one outcome handler that applies.
"""

from __future__ import annotations

import enum
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from engine.errors import AvdubError, JobCancelled
from engine.jobs.events import CancelToken, JobState, Progress
from engine.jobs.worker import run_in_worker_process
from engine.project.model import new_id

DRAIN_MS = 30  # queue polling period: 33 Hz progress updates, well under a frame of jank
WORKER_NICENESS = 10  # jobs run at lower CPU priority: on 2 cores a busy worker must not starve the GUI


class EventKind(enum.Enum):
    PROGRESS = "progress"
    FINISHED = "finished"


@dataclass(frozen=True)
class JobRequest:
    """What to run and whom to tell: ``fn(*args, progress=, cancel=)`` in a worker process."""

    kind: str  # what sort of job ("waveform", "regenerate", a stage name): the panel and tests look it up
    title: str
    fn: Callable[..., Any]
    args: tuple = ()
    on_success: Callable[[Any], None] | None = None  # gets the result
    on_failure: Callable[["JobRecord"], None] | None = None  # gets the record (error, details, log)
    on_cancel: Callable[["JobRecord"], None] | None = None


@dataclass
class JobRecord:
    """What the studio knows of one job; survives the job for the log view."""

    name: str
    title: str
    id: str = field(default_factory=lambda: new_id("job"))
    state: JobState = JobState.QUEUED
    progress: Progress | None = None
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    result: Any = None
    error: str | None = None
    details: str | None = None
    log: list[str] = field(default_factory=list)
    cancel: CancelToken = field(default_factory=CancelToken)
    request: JobRequest | None = None

    @property
    def eta(self) -> float | None:
        return None if self.progress is None else self.progress.eta


def keep_log(job: JobRecord, path: Path) -> None:
    """Append the job's log to ``path``; a read-only project stays usable (the panel still has it)."""
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write("\n".join(job.log) + "\n")
    except OSError:
        pass


class JobsController(QObject):
    job_added = Signal(str)
    job_progress = Signal(str)
    job_finished = Signal(str)  # look at jobs[id].state

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs: dict[str, JobRecord] = {}
        self._events: queue.Queue[tuple[str, EventKind, Any]] = queue.Queue()
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._drain)
        self._threads: dict[str, threading.Thread] = {}

    def start(self, request: JobRequest) -> JobRecord:
        """Run the request's function in a worker process; its handlers run on the GUI thread."""
        job = JobRecord(request.kind, request.title, request=request)
        job.state = JobState.RUNNING
        job.log.append(f"{time.strftime('%H:%M:%S')} started: {request.title}")
        self.jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job.id, request.fn, request.args, job.cancel),
                                  daemon=True, name=f"job-{request.kind}")
        self._threads[job.id] = thread
        thread.start()
        self._timer.start()
        self.job_added.emit(job.id)
        return job

    def cancel(self, job_id: str) -> None:
        job = self.jobs[job_id]
        if not job.state.finished:
            job.log.append(f"{time.strftime('%H:%M:%S')} cancel requested")
            job.cancel.cancel()

    def running(self) -> list[JobRecord]:
        return [j for j in self.jobs.values() if not j.state.finished]

    def wait_all(self, timeout: float = 30.0) -> None:
        """Join job threads (for shutdown); events are still delivered by the timer."""
        for thread in list(self._threads.values()):
            thread.join(timeout)

    # ---- worker side (a Python thread: touches no Qt object) --------------------------------
    def _run(self, job_id: str, fn: Callable[..., Any], args: tuple, cancel: CancelToken) -> None:
        # On Linux the nice value is per thread and inherited by processes the thread starts:
        # the relay thread and the worker (and the tools it runs) yield the CPU to the editor.
        if hasattr(os, "nice"):
            try:
                os.nice(WORKER_NICENESS)
            except OSError:
                pass

        def progress(p: Progress) -> None:
            self._events.put((job_id, EventKind.PROGRESS, p))

        try:
            result = run_in_worker_process(fn, args, progress, cancel)
            outcome: tuple[JobState, Any, str | None, str | None] = (JobState.DONE, result, None, None)
        except JobCancelled:
            outcome = (JobState.CANCELLED, None, "cancelled", None)
        except AvdubError as exc:
            outcome = (JobState.FAILED, None, str(exc), getattr(exc, "details", None))
        except Exception as exc:  # a bug in the bridge itself: keep its traceback
            outcome = (JobState.FAILED, None, f"internal error: {type(exc).__name__}: {exc}", traceback.format_exc())
        self._events.put((job_id, EventKind.FINISHED, outcome))

    # ---- GUI thread ------------------------------------------------------------------------------
    def _drain(self) -> None:
        stamp = time.strftime("%H:%M:%S")
        while True:
            try:
                job_id, kind, payload = self._events.get_nowait()
            except queue.Empty:
                break
            job = self.jobs[job_id]
            if kind is EventKind.PROGRESS:
                job.progress = payload
                if payload.message and (not job.log or not job.log[-1].endswith(payload.message)):
                    job.log.append(f"{stamp} {payload.stage} {payload.done}/{payload.total} {payload.message}")
                self.job_progress.emit(job_id)
                continue
            job.state, job.result, job.error, job.details = payload
            job.ended = time.monotonic()
            job.log.append(f"{stamp} {job.state.value}" + (f": {job.error}" if job.error and job.state is JobState.FAILED else ""))
            if job.details:
                job.log.append(job.details)
            self._threads.pop(job_id, None)
            self._call_handler(job, stamp)
            self.job_finished.emit(job_id)
        if not self._threads and self._events.empty():
            self._timer.stop()

    def _call_handler(self, job: JobRecord, stamp: str) -> None:
        """The request's handler for how the job ended; a success handler that raises fails the job
        (and then the failure handler runs), so a result that cannot be applied is never silent."""
        request = job.request
        if request is None:
            return
        if job.state is JobState.DONE and request.on_success is not None:
            try:
                request.on_success(job.result)
            except AvdubError as exc:
                job.state, job.error = JobState.FAILED, str(exc)
                job.log.append(f"{stamp} failed while applying the result: {exc}")
            except Exception as exc:  # a bug in the handler: the job must still end visibly
                job.state, job.error = JobState.FAILED, f"internal error: {type(exc).__name__}: {exc}"
                job.details = traceback.format_exc()
                job.log += [f"{stamp} failed while applying the result: {job.error}", job.details]
        handler = {JobState.FAILED: request.on_failure, JobState.CANCELLED: request.on_cancel}.get(job.state)
        if handler is not None:
            try:
                handler(job)
            except Exception as exc:  # a bug in the handler: keep it in the log, still end the job
                job.log += [f"{stamp} the {job.state.value} handler failed: {type(exc).__name__}: {exc}",
                            traceback.format_exc()]
