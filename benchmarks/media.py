"""Decode throughput: our frame iterator vs `ffmpeg -i FILE -f null -` on the same files.

Both run in the same process and on the same files, so the ratio (ours / ffmpeg, higher is
better; aim ≥ 0.8) is meaningful on any machine. Our iterator delivers RGB arrays to Python,
which ffmpeg's null sink never produces, so the ratio also prices that conversion.
Prints one JSON object on the last line.

    python benchmarks/media.py [FILE ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.media import iter_frames, probe  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED") or Path(__file__).resolve().parents[2] / "shared")
DEFAULT_FILES = ["video/speech_en_60s.mp4", "video/vlog_portrait_hevc.mp4", "video/hdtf_aoc.mp4"]


def ffmpeg_null_seconds(path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
                   check=True)
    return time.perf_counter() - t0


def ours_seconds(path: Path, rotation: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    count = sum(1 for _ in iter_frames(path, rotation=rotation))
    return time.perf_counter() - t0, count


def main(argv: list[str]) -> dict:
    files = [Path(a) for a in argv] or [SHARED / "media" / f for f in DEFAULT_FILES]
    results = []
    for path in files:
        info = probe(path)
        v = info.require_video()
        ours_seconds(path, v.rotation)  # warm the page cache and the decoder libraries
        ff = min(ffmpeg_null_seconds(path) for _ in range(2))
        ours, frames = min(ours_seconds(path, v.rotation) for _ in range(2))
        results.append({
            "file": path.name, "codec": v.codec, "size": f"{v.width}x{v.height}", "frames": frames,
            "ffmpeg_fps": round(frames / ff, 1), "ours_fps": round(frames / ours, 1), "ratio": round(ff / ours, 3),
        })
        print(f"{path.name}: ours {frames / ours:.0f} fps, ffmpeg {frames / ff:.0f} fps, ratio {ff / ours:.2f}",
              file=sys.stderr)
    summary = {"benchmark": "media_decode", "cpu_count": os.cpu_count(), "files": results,
               "min_ratio": min(r["ratio"] for r in results)}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
