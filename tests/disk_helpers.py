"""Real small and read-only disks for the tests: a tmpfs of a few hundred KiB, filled on demand.

Mounting needs root (or CAP_SYS_ADMIN); without it the tests that need a real full or
read-only disk are skipped with that reason, never faked.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FILLER = "filler.bin"


@contextmanager
def small_disk(where: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` KiB mounted at ``where`` for the duration of the block."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def free_bytes(disk: Path) -> int:
    st = os.statvfs(disk)
    return st.f_bavail * st.f_frsize


def fill(disk: Path, leave_bytes: int = 0) -> None:
    """Grow (or shrink) the filler file until about ``leave_bytes`` are free (4 KiB pages)."""
    filler = disk / FILLER
    filler.touch()
    target = max(0, filler.stat().st_size + free_bytes(disk) - leave_bytes)
    fd = os.open(filler, os.O_WRONLY)
    try:
        os.ftruncate(fd, min(target, os.fstat(fd).st_size))
        os.lseek(fd, 0, os.SEEK_END)
        while (missing := target - os.fstat(fd).st_size) > 0:  # tmpfs allocates on write: write zeros
            try:
                os.write(fd, b"\0" * min(missing, 1 << 16))
            except OSError:
                break  # full: that was the point
    finally:
        os.close(fd)


def empty(disk: Path) -> None:
    (disk / FILLER).unlink(missing_ok=True)


def remount(disk: Path, mode: str) -> None:
    """``mode``: "ro" or "rw"."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True, capture_output=True)
