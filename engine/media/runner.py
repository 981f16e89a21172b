"""The one way avdub runs an external tool (ffmpeg, ffprobe, rubberband, espeak-ng, apertium).

A child process writes to pipes that hold only 64 kB: if nobody reads one, the child blocks on
it for ever (a damaged video makes ffmpeg print hundreds of kB of decode errors). So every pipe
here has a reader: stderr is always drained by a thread into a bounded tail (what an error
message quotes), stdout is read by a thread (:func:`run_process`) or by the caller as a stream
(:func:`stream_process`), and stdin is fed by a thread. A watchdog ends the child when

- the job's :class:`~engine.jobs.events.CancelToken` is set (raises ``JobCancelled``),
- it makes no progress (no byte on stdout or stderr) for ``stall_seconds`` while we wait on it,
- it outlives ``timeout`` (seconds in all, when given),

and any exception in the caller (Ctrl-C's ``KeyboardInterrupt`` included) kills it before the
exception goes on, so no child outlives the work that started it. Commands are argument lists,
never shell strings; user text goes through stdin or after ``--`` (see :func:`safe_path_arg`).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import JobCancelled, MediaError
from engine.jobs.events import CancelToken

STALL_SECONDS = 300.0  # no output at all for this long: the tool is stuck (ffmpeg decodes far faster)
STDERR_TAIL_BYTES = 64 * 1024  # what is kept of stderr for error messages; the rest is read and dropped
POLL_SECONDS = 0.2  # how often the watchdog looks at the cancel token and the clocks
READ_BYTES = 64 * 1024


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: bytes
    stderr: bytes  # the last STDERR_TAIL_BYTES


class StderrTail:
    """The last STDERR_TAIL_BYTES a child wrote to a pipe; everything before is read and dropped."""

    def __init__(self) -> None:
        self._chunks: deque[bytes] = deque()
        self._bytes = 0
        self._lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self._lock:
            self._chunks.append(chunk)
            self._bytes += len(chunk)
            while self._bytes - len(self._chunks[0]) >= STDERR_TAIL_BYTES:
                self._bytes -= len(self._chunks.popleft())

    def text(self) -> bytes:
        with self._lock:
            return b"".join(self._chunks)[-STDERR_TAIL_BYTES:]

    def drain_in_thread(self, stream) -> threading.Thread:
        return _thread(_drain, stream, self.add)


class _Watch:
    """Shared state of one child: when it last showed life, and whether we are waiting on it."""

    def __init__(self, proc: subprocess.Popen, what: str, cancel: CancelToken | None,
                 stall_seconds: float | None, timeout: float | None):
        self.proc, self.what, self.cancel = proc, what, cancel
        self.stall_seconds, self.timeout = stall_seconds, timeout
        self.started = self.last_activity = time.monotonic()
        self.waiting = True  # False while the caller works on a block it got (not the child's fault)
        self.reason: str | None = None  # why the watchdog ended the child
        self._tail = StderrTail()
        self._done = threading.Event()

    def activity(self) -> None:
        self.last_activity = time.monotonic()

    def set_waiting(self, waiting: bool) -> None:
        self.waiting = waiting
        self.activity()

    def add_stderr(self, chunk: bytes) -> None:
        self._tail.add(chunk)
        self.activity()

    def stderr(self) -> bytes:
        return self._tail.text()

    def watchdog(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            now = time.monotonic()
            if self.cancel is not None and self.cancel.cancelled:
                self._end("cancelled")
            elif self.timeout is not None and now - self.started > self.timeout:
                self._end(f"{self.what}: {self._name()} did not finish within {self.timeout:.0f} s")
            elif (self.stall_seconds is not None and self.waiting
                  and now - self.last_activity > self.stall_seconds):
                self._end(f"{self.what}: {self._name()} made no progress for {self.stall_seconds:.0f} s and was stopped")

    def stop(self) -> None:
        self._done.set()

    def raise_if_ended(self) -> None:
        if self.reason == "cancelled":
            raise JobCancelled("cancelled")
        if self.reason is not None:
            raise MediaError(self.reason)

    def _end(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        kill(self.proc)

    def _name(self) -> str:
        return Path(str(self.proc.args[0])).name if isinstance(self.proc.args, (list, tuple)) else "the tool"


def kill(proc: subprocess.Popen) -> None:
    """End a child now (it may already have ended)."""
    if proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass


def _drain(stream, sink) -> None:
    try:
        while chunk := stream.read1(READ_BYTES):
            sink(chunk)
    except (OSError, ValueError):  # closed under us while the child is being killed
        pass


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
    except (BrokenPipeError, OSError, ValueError):
        pass  # the child stopped reading: its exit code and stderr say why
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _start(cmd: Sequence[str], what: str, with_stdin: bool) -> subprocess.Popen:
    try:
        return subprocess.Popen(list(map(str, cmd)), stdin=subprocess.PIPE if with_stdin else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise MediaError(f"{what}: cannot start {Path(str(cmd[0])).name}: {exc.strerror or exc}") from None


def _thread(target, *args) -> threading.Thread:
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


def run_process(cmd: Sequence[str], what: str, *, input: bytes | None = None, cancel: CancelToken | None = None,
                stall_seconds: float | None = STALL_SECONDS, timeout: float | None = None) -> ProcessResult:
    """Run ``cmd`` to its end with every pipe drained; returns its exit code, stdout and stderr tail.

    A non-zero exit is the caller's to judge; a stall, timeout or missing program raises
    MediaError, a cancel JobCancelled."""
    if cancel is not None:
        cancel.check()
    proc = _start(cmd, what, input is not None)
    watch = _Watch(proc, what, cancel, stall_seconds, timeout)
    out: list[bytes] = []

    def keep(chunk: bytes) -> None:
        out.append(chunk)
        watch.activity()

    readers = [_thread(_drain, proc.stdout, keep), _thread(_drain, proc.stderr, watch.add_stderr)]
    if input is not None:
        readers.append(_thread(_feed, proc.stdin, input))
    dog = _thread(watch.watchdog)
    try:
        for t in readers:
            t.join()
        code = proc.wait()
    except BaseException:
        kill(proc)
        raise
    finally:
        watch.stop()
        dog.join()
        if proc.poll() is None:
            kill(proc)
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    watch.raise_if_ended()
    return ProcessResult(code, b"".join(out), watch.stderr())


def stream_process(cmd: Sequence[str], what: str, block_bytes: int, *, cancel: CancelToken | None = None,
                   stall_seconds: float | None = STALL_SECONDS,
                   explain: Callable[[bytes], str] = lambda stderr: last_error_line(stderr)) -> Iterator[bytes]:
    """Yield ``cmd``'s stdout in blocks of ``block_bytes`` (the last may be shorter), stderr drained
    meanwhile. Ends by raising MediaError (``explain`` of the stderr tail) when the exit code is
    not zero. Stopping early (``break``, an exception, Ctrl-C) kills the child. Time the caller
    spends on a block does not count as the child's stall."""
    if cancel is not None:
        cancel.check()
    proc = _start(cmd, what, False)
    watch = _Watch(proc, what, cancel, stall_seconds, None)
    err = _thread(_drain, proc.stderr, watch.add_stderr)
    dog = _thread(watch.watchdog)
    assert proc.stdout is not None
    finished = False
    try:
        while True:
            block = bytearray()
            while len(block) < block_bytes:
                chunk = proc.stdout.read1(block_bytes - len(block))
                if not chunk:
                    break
                block += chunk
                watch.activity()
            if not block:
                break
            watch.set_waiting(False)
            if cancel is not None:
                cancel.check()
            yield bytes(block)
            watch.set_waiting(True)
        err.join()
        code = proc.wait()
        finished = True
    finally:
        if not finished:
            kill(proc)
        watch.stop()
        dog.join()
        proc.stdout.close()
        proc.wait()
        err.join(POLL_SECONDS * 10)  # EOF follows the child's end (unless something inherited the pipe)
        proc.stderr.close()
    watch.raise_if_ended()
    if code != 0:
        raise MediaError(f"{what}: {explain(watch.stderr())}")


def error_lines(stderr: bytes) -> list[str]:
    """The non-empty lines of ``stderr`` that are not ffmpeg's ``-stats`` progress lines."""
    return [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines()
            if ln.strip() and not _STATS_LINE.match(ln.strip())]


def last_error_line(stderr: bytes) -> str:
    lines = error_lines(stderr)
    return lines[-1] if lines else "unknown error"


_STATS_LINE = re.compile(r"^(frame|size)=\s*\S+.*\btime=")
FFMPEG_PROGRESS = ("-stats",)  # ffmpeg prints a progress line every 0.5 s even at ``-v error``: the watchdog sees life


def safe_path_arg(path: Path | str) -> str:
    """A file name a tool cannot mistake for an option or (ffmpeg) a protocol: ``-x.mp4`` and
    ``concat:a.mp4`` become ``./-x.mp4`` and ``./concat:a.mp4``."""
    text = os.fspath(path)
    if text.startswith("-") or (":" in text and not os.path.isabs(text)):
        return f".{os.sep}{text}"
    return text
