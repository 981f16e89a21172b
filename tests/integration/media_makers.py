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


def damaged_long(out: Path, seconds: int = 60, overwritten: int = 20_000, seed: int = 1) -> Path:
    """A lavfi test video (tiny picture, a tone) with ``overwritten`` random bytes of its media
    data replaced: ffmpeg decodes it but prints a stream of errors (about 2 kB per second of
    video here, so 60 s already fill a 64 kB pipe several times)."""
    import random

    clean = out.with_name(f"clean-{out.name}")
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000",
           "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-movflags", "+faststart",
           str(clean))
    data = bytearray(clean.read_bytes())
    media = data.find(b"mdat") + 100  # leave the index (moov, first with faststart) readable
    rng = random.Random(seed)
    for _ in range(overwritten):
        data[rng.randrange(media, len(data))] = rng.randrange(256)
    out.write_bytes(bytes(data))
    clean.unlink()
    return out
