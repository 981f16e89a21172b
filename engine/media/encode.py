"""Encode frames to H.264 and mux audio, through an ffmpeg subprocess fed by a pipe.

Encoding in a separate process overlaps with our own per-frame work on a multi-core
machine. Variable-frame-rate sources are written at their average rate, so the video's
duration (and therefore lip sync against the audio) is kept.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import TracebackType

import numpy as np

from engine.errors import MediaError
from engine.media.runner import StderrTail, error_lines, last_error_line, safe_path_arg
from engine.media.tools import run_tool, tool

LOW_DISK_MB = 64  # less free space than this when a write fails: call the disk full


class VideoWriter:
    """Write (H, W, 3) uint8 RGB frames to an mp4; optionally mux an audio file in."""

    def __init__(self, path: Path, width: int, height: int, fps: str | float, *, audio: Path | None = None,
                 crf: int = 18, preset: str = "medium", rotation: int = 0, threads: int = 0,
                 timescale: int | None = None):
        self.path, self.width, self.height = Path(path), width, height
        self.frames_written = 0
        cmd = [tool("ffmpeg"), "-nostdin", "-v", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"]
        if audio is not None:
            cmd += ["-i", safe_path_arg(audio), "-map", "0:v:0", "-map", "1:a:0", "-c:a", "aac", "-b:a", "192k", "-shortest"]
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
                "-threads", str(threads), "-movflags", "+faststart"]
        if timescale is not None:  # ticks per second of the video track (exact frame times; see join.py)
            cmd += ["-video_track_timescale", str(timescale)]
        if rotation:
            # Frames arrive upright; keep the source's orientation tag off so players do not turn them again.
            cmd += ["-metadata:s:v:0", "rotate=0"]
        cmd += [safe_path_arg(self.path)]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._errors = StderrTail()  # drained by a thread: a full stderr pipe would block the encoder
        self._drain = self._errors.drain_in_thread(self._proc.stderr)

    def write(self, image: np.ndarray) -> None:
        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise ValueError(f"frame must be ({self.height}, {self.width}, 3) uint8, got {image.shape} {image.dtype}")
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(np.ascontiguousarray(image).tobytes())
        except BrokenPipeError:
            self._fail()
        self.frames_written += 1

    def close(self) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.close()
        except BrokenPipeError:
            pass
        if self._proc.wait() != 0:
            self._fail()

    def abort(self) -> None:
        """Stop without finishing; the partial output is removed."""
        self._proc.kill()
        self._proc.wait()
        self._drain.join()
        self.path.unlink(missing_ok=True)

    def _fail(self) -> None:
        self._proc.kill()
        self._proc.wait()
        self._drain.join()
        stderr = self._errors.text()
        self.path.unlink(missing_ok=True)
        raise MediaError(f"cannot write {self.path}: {write_failure_reason(stderr, self.path.parent)}")

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_failure_reason(stderr: bytes, directory: Path) -> str:
    """ffmpeg's last error line; when it said nothing (a write refused by the file system kills
    it silently), the free space in ``directory``, since a full disk is the usual cause."""
    if error_lines(stderr):
        return last_error_line(stderr)
    free_mb = shutil.disk_usage(directory).free / 2**20
    if free_mb < LOW_DISK_MB:
        return f"the disk is full ({free_mb:.0f} MB free)"
    return f"the encoder stopped writing without a message (a full disk or a file size limit?; {free_mb:.0f} MB free)"


def mux_audio(video: Path, audio: Path, out: Path) -> None:
    """Copy ``video``'s picture and replace its sound with ``audio`` (AAC)."""
    run_tool(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", safe_path_arg(video), "-i", safe_path_arg(audio),
              "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "192k", "-shortest",
              safe_path_arg(out)], what=f"cannot write {out}")
