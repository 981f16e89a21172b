"""Run a job function in a separate worker process.

Torch and native media code can crash a process outright (a CUDA fault, a segfault in a
decoder); in a worker, such a crash fails the job instead of taking the editor down.
Progress events come back through a queue; cancelling sets a shared event that the worker's
cancel token reads. The function must be importable (a module-level function), and its
arguments and result picklable.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import traceback
from collections.abc import Callable
from typing import Any

from engine.errors import AvdubError, JobCancelled
from engine.jobs.events import CancelToken, Progress, ProgressSink

POLL_SECONDS = 0.05


class _EventCancelToken(CancelToken):
    """A cancel token backed by a multiprocessing event shared with the parent."""

    def __init__(self, event: Any):
        super().__init__()
        self._shared = event

    def cancel(self) -> None:
        self._shared.set()

    @property
    def cancelled(self) -> bool:
        return self._shared.is_set()

    def check(self) -> None:
        if self._shared.is_set():
            raise JobCancelled("cancelled")


def _child(fn: Callable[..., Any], args: tuple, events: Any, cancel_event: Any) -> None:
    token = _EventCancelToken(cancel_event)
    try:
        result = fn(*args, progress=lambda p: events.put(("progress", p)), cancel=token)
        events.put(("done", result))
    except JobCancelled:
        events.put(("cancelled", None))
    except AvdubError as exc:
        events.put(("error", (type(exc).__name__, str(exc), exc.exit_code)))
    except BaseException as exc:  # a bug: report with its traceback
        events.put(("crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


class WorkerError(AvdubError):
    """The worker reported a user-facing error, or died."""

    def __init__(self, message: str, details: str | None = None, exit_code: int = 1):
        super().__init__(message)
        self.details = details
        self.exit_code = exit_code


def run_in_worker_process(fn: Callable[..., Any], args: tuple, progress: ProgressSink,
                          cancel: CancelToken) -> Any:
    """Call ``fn(*args, progress=..., cancel=...)`` in a spawned process; block until it ends.

    Cancelling ``cancel`` in this process is forwarded; the worker stops at its next check.
    Raises JobCancelled, WorkerError, or returns the function's result.
    """
    ctx = mp.get_context("spawn")  # never fork a process that may hold Qt or CUDA state
    events = ctx.Queue()
    cancel_event = ctx.Event()
    proc = ctx.Process(target=_child, args=(fn, args, events, cancel_event), daemon=True)
    proc.start()
    try:
        while True:
            if cancel.cancelled:
                cancel_event.set()
            try:
                kind, payload = events.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not proc.is_alive():
                    try:  # the final message may have arrived just as the process exited
                        kind, payload = events.get(timeout=0.5)
                    except queue.Empty:
                        raise WorkerError(f"the worker process died (exit code {proc.exitcode})") from None
                else:
                    continue
            if kind == "progress":
                progress(payload)
            elif kind == "done":
                return payload
            elif kind == "cancelled":
                raise JobCancelled("cancelled")
            elif kind == "error":
                _, message, code = payload
                raise WorkerError(message, exit_code=code)
            else:
                raise WorkerError(f"internal error in the worker: {payload.splitlines()[0]}", details=payload)
    finally:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()


def progress_message(p: Progress) -> str:
    return f"{p.stage}: {p.done}/{p.total} {p.message}".strip()
