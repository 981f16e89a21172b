"""The external-tool runner: pipes always drained, stalls and cancels end the child, and no
child outlives the work that started it (a damaged video once blocked ffmpeg on a full stderr)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine.errors import JobCancelled, MediaError
from engine.jobs.events import CancelToken
from engine.media.audio import decode_audio, iter_audio_blocks
from engine.media.probe import probe
from engine.media.runner import STDERR_TAIL_BYTES, last_error_line, run_process, stream_process
from tests.integration.media_makers import damaged_long, ffmpeg

PY = sys.executable


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_for(path: Path) -> None:
    """Until the child has written its pid (a loaded machine may take seconds to start Python)."""
    deadline = time.monotonic() + 60
    while not (path.is_file() and path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)


def _finishes(work, seconds: float) -> object:
    """Run ``work`` in a thread; fail (instead of hanging the suite) if it is not done in time."""
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


def test_damaged_video_decodes_to_the_end_with_its_errors_drained(tmp_path: Path) -> None:
    bad = damaged_long(tmp_path / "damaged.mp4", seconds=60)
    errors = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(bad), "-vn", "-map", "0:a:0", "-ac", "1",
                             "-ar", "16000", "-f", "f32le", "-"], capture_output=True, check=False).stderr
    assert len(errors) > 2 * 65536  # the precondition: more than a pipe holds

    def decode_all() -> int | str:  # an end either way: the samples, or the one-line error
        try:
            return sum(b.size for b in iter_audio_blocks(bad, block_seconds=5.0))
        except MediaError as exc:
            return str(exc)

    outcome = _finishes(decode_all, 120)
    if isinstance(outcome, str):
        assert outcome.startswith(f"cannot decode the audio of {bad}: ") and "\n" not in outcome
    else:
        assert 30 * 16000 < outcome <= 61 * 16000


def test_both_pipes_drained_when_a_tool_writes_megabytes_to_each() -> None:
    code = "import sys; sys.stderr.write('e' * 3_000_000); sys.stdout.write('o' * 3_000_000)"
    result = _finishes(lambda: run_process([PY, "-c", code], "noisy"), 60)
    assert result.returncode == 0 and len(result.stdout) == 3_000_000
    assert len(result.stderr) == STDERR_TAIL_BYTES  # only the tail is kept


def test_a_silent_stuck_tool_is_stopped_after_the_stall_time() -> None:
    t0 = time.monotonic()
    with pytest.raises(MediaError, match="made no progress for 1 s"):
        run_process([PY, "-c", "import time; time.sleep(60)"], "stuck", stall_seconds=1.0)
    assert time.monotonic() - t0 < 30


def test_time_spent_by_the_consumer_is_not_a_stall() -> None:
    blocks = []
    for block in stream_process(["sh", "-c", "printf xxxxx; printf yyyyy"], "slow reader", 5, stall_seconds=2.0):
        time.sleep(2.5)  # longer than the stall time, but the child waits on us, not the other way round
        blocks.append(block)
    assert b"".join(blocks) == b"xxxxxyyyyy"


def test_cancel_ends_the_child_and_raises_cancelled(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = (f"import os, time; p = {str(pid_file)!r}; open(p + '.tmp', 'w').write(str(os.getpid())); "
            "os.replace(p + '.tmp', p); time.sleep(60)")
    token = CancelToken()
    threading.Thread(target=lambda: _wait_for(pid_file) or token.cancel(), daemon=True).start()
    with pytest.raises(JobCancelled):
        _finishes(lambda: run_process([PY, "-c", code], "cancelled", cancel=token), 30)
    assert _gone(int(pid_file.read_text()))


def test_stopping_a_stream_early_kills_the_child() -> None:
    code = ("import os, sys; sys.stdout.write(f'{os.getpid():010d}'); sys.stdout.flush()\n"
            "while True: sys.stdout.write('x' * 65536)")
    blocks = stream_process([PY, "-c", code], "endless", 10)
    pid = int(next(blocks))
    blocks.close()
    assert _gone(pid)


def test_ctrl_c_while_waiting_kills_the_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = (f"import os, time; p = {str(pid_file)!r}; open(p + '.tmp', 'w').write(str(os.getpid())); "
            "os.replace(p + '.tmp', p); time.sleep(60)")

    def interrupt(*_):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    main = threading.main_thread().ident
    threading.Thread(target=lambda: _wait_for(pid_file) or signal.pthread_kill(main, signal.SIGALRM), daemon=True).start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_process([PY, "-c", code], "interrupted")
    finally:
        signal.signal(signal.SIGALRM, old)
    assert _gone(int(pid_file.read_text()))


def test_a_missing_program_is_a_media_error() -> None:
    with pytest.raises(MediaError, match="cannot start"):
        run_process(["/nonexistent/tool"], "missing")


def test_ffmpeg_progress_lines_are_not_quoted_as_errors() -> None:
    stderr = b"frame=  358 fps=0.0 q=19.0 size=256kB time=00:00:14.32 bitrate=146.4kbits/s speed=27.7x\r" \
             b"out.mp4: No space left on device\nframe=  400 fps=0.0 q=19.0 size=300kB time=00:00:16.00 speed=27x\r"
    assert last_error_line(stderr) == "out.mp4: No space left on device"


def test_file_names_that_look_like_options_are_read_as_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000", "-t", "1", str(tmp_path / "-y.wav"))
    assert probe(Path("-y.wav")).duration == pytest.approx(1.0, abs=0.05)
    assert decode_audio(Path("-y.wav")).size == 16000
    assert np.abs(next(iter_audio_blocks(Path("-y.wav")))).max() > 0.1
    (tmp_path / "-y.wav").rename(tmp_path / "subfile:-y.wav")  # a protocol prefix to ffmpeg, unless ./
    assert probe(Path("subfile:-y.wav")).duration == pytest.approx(1.0, abs=0.05)
    assert decode_audio(Path("subfile:-y.wav")).size == 16000
