"""Bad and unusual media made from the real clips with ffmpeg, for error-path tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def truncated(src: Path, out: Path, keep: float = 0.5) -> Path:
    data = src.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def without_audio(src: Path, out: Path) -> Path:
    ffmpeg("-i", str(src), "-an", "-c:v", "copy", str(out))
    return out


def rotated(src: Path, out: Path, degrees_tag: int = 90) -> Path:
    ffmpeg("-i", str(src), "-c", "copy", "-metadata:s:v:0", f"rotate={degrees_tag}", str(out))
    return out
