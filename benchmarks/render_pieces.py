"""Render in pieces: a full render against a re-render after one segment's crops changed.

Makes a lecture by looping a real clip with ffmpeg (optionally scaled up, as a lecture frame
is larger than the shared close-ups), tracks the face with the track stage, then renders
with a crop provider that changes every crop a little (as generated mouths do: the full
DETAIL blend runs on every tracked frame) and whose crops of one 5 s "segment" change
afterwards, as after one segment's translation was edited and its lip-sync chunks were
generated again. Reports (JSON, last line):

- ``single_pass_s``: the whole video as one piece (one encoder, as before pieces existed);
- ``full``: a render in ``--piece-seconds`` pieces into an empty cache (seconds, pieces
  encoded, encode / join split); these two alternate ``--repeat`` times and the fastest of
  each counts, as other work on the machine moves single timings by 20 %;
- ``rerender``: the render after the segment changed (pieces encoded again, seconds);
- ``identical_to_full_render``: the re-render decoded frame by frame equals a fresh full
  render of the changed crops; ``joined``: ffprobe's frame count, duration and the distinct
  frame-time steps of the re-rendered file (one step: no gap at any join).

Usage: ``python benchmarks/render_pieces.py [--clip video/lecture_en_25s.mp4] [--seconds 60]
[--height 720] [--piece-seconds 10] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.faces.render import RenderSettings, render_video  # noqa: E402
from engine.faces.store import load_track  # noqa: E402
from engine.jobs.cache import StageCache  # noqa: E402
from engine.media import iter_frames, probe  # noqa: E402
from engine.models.registry import ModelRegistry  # noqa: E402
from engine.pipeline import ContextFactory, RunOptions, Stage, plan, run_stages  # noqa: E402
from engine.project.store import create_project, load_project  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED", REPO.parent / "shared"))
SEGMENT_S = (28.0, 33.0)  # the edited segment, seconds


class VersionedCrops:
    """Every crop brightened by 2 grey levels; the crops of one frame span by ``edited``."""

    def __init__(self, span: tuple[int, int], edited: int = 2):
        self.span, self.edited = span, edited

    def _delta(self, frame_index: int) -> int:
        return self.edited if self.span[0] <= frame_index < self.span[1] else 2

    def __call__(self, track_id: str, frame_index: int, original: np.ndarray) -> np.ndarray:
        return np.clip(original.astype(np.int16) + self._delta(frame_index), 0, 255).astype(np.uint8)

    def identity(self, track_id: str, start: int, end: int) -> list:
        edited = self.span[0] < end and start < self.span[1]
        return ["brightened", self.edited if edited else 2]


def make_lecture(clip: Path, seconds: float, height: int | None, out: Path) -> Path:
    scale = ["-vf", f"scale=-2:{height}"] if height else []
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(clip), "-t", str(seconds), *scale,
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-c:a", "aac", str(out)], check=True)
    return out


def ffprobe_summary(path: Path) -> dict:
    def run(*args: str) -> dict:
        out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args, str(path)], capture_output=True,
                             text=True, check=True)
        return json.loads(out.stdout)

    (video,) = run("-count_frames", "-select_streams", "v", "-show_streams")["streams"]
    pts = [f["pts"] for f in run("-select_streams", "v", "-show_entries", "frame=pts")["frames"]]
    return {"frames": int(video["nb_read_frames"]), "duration_s": float(video["duration"]),
            "pts_steps": sorted(set(np.diff(pts).tolist()))}


def timed(fn, *args, **kwargs):
    t0 = time.monotonic()
    result = fn(*args, **kwargs)
    return result, round(time.monotonic() - t0, 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default="video/lecture_en_25s.mp4")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--height", type=int, help="scale the lecture to this height (e.g. 720)")
    ap.add_argument("--piece-seconds", type=float, default=RenderSettings().piece_seconds)
    ap.add_argument("--preset", default=RenderSettings().preset)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="avdub-render-"))
    work.mkdir(parents=True, exist_ok=True)
    lecture = work / "lecture.mp4"
    if not lecture.exists():
        make_lecture(SHARED / "media" / args.clip, args.seconds, args.height, lecture)
    info = probe(lecture)
    video = info.require_video()
    project_dir = work / "lecture.avdub"
    if not (project_dir / "project.json").exists():
        folder, project = create_project(project_dir, lecture, info.duration, "pt", "en")
        run_stages(ContextFactory(folder, project, ModelRegistry.from_environment(), RunOptions()),
                   plan(only=Stage.TRACK))

    folder, project = load_project(project_dir)
    wanted = set(project.settings.get("faces", {}).get("presenter_tracks", []))
    tracks = [load_track(folder, t) for t in project.face_tracks if t.id in wanted]
    span = (round(SEGMENT_S[0] * video.fps), round(SEGMENT_S[1] * video.fps))
    settings = RenderSettings(preset=args.preset, piece_seconds=args.piece_seconds)
    before, edited = VersionedCrops(span), VersionedCrops(span, edited=6)

    single_s, full_s = float("inf"), float("inf")
    for _ in range(args.repeat):
        _, seconds = timed(render_video, lecture, work / "single.mp4", tracks, before, lecture,
                           dataclasses.replace(settings, piece_seconds=args.seconds + 10))
        single_s = min(single_s, seconds)
        shutil.rmtree(work / "pieces-cache", ignore_errors=True)
        cache = StageCache(work / "pieces-cache")
        result, seconds = timed(render_video, lecture, work / "full.mp4", tracks, before, lecture, settings,
                                cache=cache, crop_identity=before.identity)
        if seconds < full_s:
            full, full_s = result, seconds
    again, again_s = timed(render_video, lecture, work / "rerender.mp4", tracks, edited, lecture, settings,
                           cache=cache, crop_identity=edited.identity)
    shutil.rmtree(work / "fresh-cache", ignore_errors=True)
    fresh = render_video(lecture, work / "fresh.mp4", tracks, edited, lecture, settings,
                         cache=StageCache(work / "fresh-cache"), crop_identity=edited.identity)
    identical = all(np.array_equal(a.image, b.image)
                    for a, b in zip(iter_frames(work / "rerender.mp4"), iter_frames(work / "fresh.mp4")))
    result = {
        "benchmark": "render_pieces", "clip": args.clip, "seconds": args.seconds,
        "size": list(video.display_size), "fps": video.fps_fraction, "frames": full.frames,
        "tracked_frames": sum(len(t) for t in tracks), "preset": args.preset, "cpu_count": os.cpu_count(),
        "piece_seconds": args.piece_seconds, "edited_frames": list(span), "repeat": args.repeat,
        "single_pass_s": single_s,
        "full": {"s": full_s, "pieces": full.pieces, "encoded": full.encoded,
                 "encode_s": full.encode_seconds, "join_s": full.join_seconds},
        "rerender": {"s": again_s, "pieces": again.pieces, "encoded": again.encoded,
                     "encode_s": again.encode_seconds, "join_s": again.join_seconds},
        "full_vs_single_pass": round(full_s / max(single_s, 1e-3), 3),
        "rerender_vs_full": round(again_s / max(full_s, 1e-3), 3),
        "identical_to_full_render": bool(identical and fresh.frames == again.frames),
        "joined": ffprobe_summary(work / "rerender.mp4"),
        "source": {"frames": video.frame_count, "duration_s": info.duration},
        "workdir": str(work),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
