"""File-system helpers: the one atomic writer, dead temporaries, content fingerprints.

Every file avdub writes goes through :func:`atomic_write` (a file object) or
:func:`atomic_path` (a path, for writers that want one: ffmpeg, soundfile, zipfile). The bytes
go to a temporary file beside the target, are flushed and fsync'ed, then renamed over the
target and the folder fsync'ed; on any exception, a cancel or a full disk the temporary is
removed and the target is untouched. So a crash, kill or full disk leaves the old file or the
new one, never a torn or empty one.

A temporary's name carries the writer's process id (``.NAME.tmp-PID-RANDOM.SUFFIX``; the
stage cache's folders follow the same ``.tmp-PID`` rule), so that a later run can tell the
leftovers of a killed process from the work of a live one: :func:`remove_dead_temps` sweeps
them at the start of every pipeline run.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SAMPLE_BYTES = 1 << 20  # 1 MiB from the start, middle and end: fast on a multi-GB lecture
TEMP_MARK = ".tmp-"
# ".tmp-" then the owner's pid, then "-", "." or the end: ".project.json.tmp-4242-9f3a1c.json"
_TEMP_OWNER = re.compile(r"\.tmp-(\d+)(?=[-.]|$)")


def temp_name(name: str) -> str:
    """A hidden temporary name for ``name`` that says which process owns it (its suffix kept,
    so tools that pick a format by extension, like ffmpeg, still do)."""
    return f".{name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(3)}{Path(name).suffix}"


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for the caller to write; on a normal exit it is
    fsync'ed and renamed over ``path``, on any exception it is removed (``path`` untouched)."""
    path = Path(path)
    tmp = path.with_name(temp_name(path.name))
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    fsync_dir(path.parent)


@contextmanager
def atomic_write(path: Path | str, mode: str = "wb", encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing (``mode`` "wb" or "w"); it replaces
    ``path`` when the block ends normally and is removed when it raises (qutebrowser's
    ``savefile_open`` is the model)."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes a whole new file; mode {mode!r} is not 'w' or 'wb'")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=encoding) as f:
            yield f
            f.flush()


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; on any error the old file is untouched."""
    with atomic_write(path) as f:
        f.write(data)


def atomic_write_text(path: Path | str, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def fsync_dir(directory: Path) -> None:
    """Make a rename durable; some file systems do not support it, which is harmless."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file under ``root`` and the folders themselves (before a folder is renamed
    into place, so that what the rename publishes is on disk)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            _fsync_file(Path(folder) / name)
        fsync_dir(Path(folder))


def _fsync_file(path: Path) -> None:
    if not path.is_file():
        return  # a folder, or a writer that wrote nothing: os.replace reports the latter
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or vanished folder: nothing more to do here


LOW_SPACE_BYTES = 64 * 1024  # below this a failed write is taken for a full disk


def disk_refusal(path: Path) -> OSError | None:
    """An ``OSError`` (EROFS or ENOSPC) when the file system holding ``path`` is read-only or
    (almost) full, else None. For libraries whose failed writes lose the errno (libsndfile
    says "System error"): where the disk is full, that is what the error was."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    if st.f_flag & os.ST_RDONLY:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
    if st.f_bavail * st.f_frsize < LOW_SPACE_BYTES:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    return None


@dataclass(frozen=True)
class RemovedTemps:
    entries: int  # temporary files and folders removed
    bytes: int  # bytes they held


def temp_owner(name: str) -> int | None:
    """The process id a temporary's name carries, or None when the name is not a temporary's."""
    match = _TEMP_OWNER.search(name)
    return int(match.group(1)) if match and name.startswith(".") else None


def owner_alive(pid: int, written_at: float | None = None) -> bool:
    """Whether process ``pid`` still runs and could own a temporary last written at
    ``written_at`` (epoch s): a process that started after that time only reuses the pid."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # elsewhere os.kill(pid, 0) is no probe: keep everything
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    except OSError:
        return True
    started = _process_start(pid)
    return not (written_at is not None and started is not None and started > written_at + 1.0)


def _process_start(pid: int) -> float | None:
    """When ``pid`` started (epoch s), from /proc; None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: start time, in clock ticks since boot
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return int(line.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return None


def is_dead_temp(path: Path) -> bool:
    """A temporary file or folder whose owning process is gone."""
    pid = temp_owner(path.name)
    if pid is None:
        return False
    try:
        written_at = path.lstat().st_mtime
    except OSError:
        return False
    return not owner_alive(pid, written_at)


def remove_dead_temps(root: Path) -> RemovedTemps:
    """Remove, under ``root``, the temporary files and folders of processes that no longer run
    (a killed save's ``.project.json.tmp-PID-…``, a killed stage's cache folder); a live
    process's temporaries are left alone."""
    removed = freed = 0
    for folder, dirs, files in os.walk(root):
        for name in list(dirs) + files:
            path = Path(folder) / name
            if not is_dead_temp(path):
                continue
            if name in dirs:
                dirs.remove(name)  # gone: do not descend
                size = tree_bytes(path)
            else:
                size = path.lstat().st_size
            _remove(path)
            if not path.exists():
                removed += 1
                freed += size
    return RemovedTemps(removed, freed)


def file_fingerprint(path: Path) -> str:
    """Hash of size plus three 1 MiB samples: identifies a media file cheaply, wherever it moves."""
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        for offset in (0, max(0, size // 2 - SAMPLE_BYTES // 2), max(0, size - SAMPLE_BYTES)):
            f.seek(offset)
            digest.update(f.read(SAMPLE_BYTES))
    return digest.hexdigest()[:32]


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def tree_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (0 when it does not exist)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
