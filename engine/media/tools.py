"""Locating and running the ffmpeg command-line tools, with errors a person can act on."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

from engine.errors import MediaError


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MediaError(f"'{name}' is not installed; install FFmpeg (Debian: apt-get install ffmpeg)")
    return path


def run_tool(args: Sequence[str], what: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run an ffmpeg-family tool; a failure becomes a MediaError quoting its last error line."""
    cmd = [tool(args[0]), *args[1:]]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{what}: {args[0]} did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise MediaError(f"{what}: {last_error_line(proc.stderr)}")
    return proc


def last_error_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "unknown error"
