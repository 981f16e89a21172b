"""Module-level job functions for the worker-process tests (a spawned child must import them)."""

from __future__ import annotations

import os
import time

from engine.errors import MediaError
from engine.jobs.events import CancelToken, Progress, ProgressSink


def count_to(n: int, *, progress: ProgressSink, cancel: CancelToken) -> int:
    for i in range(n):
        cancel.check()
        progress(Progress("count", i + 1, n, f"step {i + 1}"))
    return n * 10


def wait_for_cancel(marker: str, *, progress: ProgressSink, cancel: CancelToken) -> None:
    open(marker, "w").close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cancel.check()
        progress(Progress("wait", 0, 0, "waiting"))
        time.sleep(0.01)
    raise AssertionError("never cancelled")


def user_error(*, progress: ProgressSink, cancel: CancelToken) -> None:
    raise MediaError("the video is damaged")


def crash(*, progress: ProgressSink, cancel: CancelToken) -> None:
    os._exit(7)  # like a segfault in native code: no Python cleanup at all
