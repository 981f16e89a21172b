"""Locating and running the ffmpeg command-line tools, with errors a person can act on."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

from engine.errors import MediaError
from engine.jobs.events import CancelToken
from engine.media.runner import FFMPEG_PROGRESS, STALL_SECONDS, ProcessResult, last_error_line, run_process

__all__ = ["tool", "run_tool", "last_error_line"]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MediaError(f"'{name}' is not installed; install FFmpeg (Debian: apt-get install ffmpeg)")
    return path


def run_tool(args: Sequence[str], what: str, timeout: float | None = None, *, cancel: CancelToken | None = None,
             stall_seconds: float | None = STALL_SECONDS) -> ProcessResult:
    """Run an ffmpeg-family tool through the drained, watched runner; a failure becomes a
    MediaError quoting its last error line."""
    progress = FFMPEG_PROGRESS if args[0] == "ffmpeg" else ()
    proc = run_process([tool(args[0]), *progress, *args[1:]], what, cancel=cancel, stall_seconds=stall_seconds, timeout=timeout)
    if proc.returncode != 0:
        raise MediaError(f"{what}: {last_error_line(proc.stderr)}")
    return proc
