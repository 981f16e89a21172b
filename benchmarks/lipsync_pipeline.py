"""Time the lip-sync stages of the project pipeline on a real clip: track → train → lipsync → render.

Creates a project in ``--out``, runs the track stage, fine-tunes ``--steps`` steps of ``--preset``,
generates the mouths for the clip's own audio (no dub), renders, and writes a side-by-side
PNG (source | lip-synced) of one frame's face. Prints JSON (last line): seconds per stage,
training steps/s, generated frames/s, the chunk counts, peak RSS.

    PYTHONPATH=$PWD python benchmarks/lipsync_pipeline.py --clip video/vr_face1.mp4 --steps 20 --out /tmp/lsbench
    PYTHONPATH=$PWD python benchmarks/lipsync_pipeline.py --loop 10 --cache-frames 300 --steps 5 --out /tmp/lsbench10
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.media import iter_frames, probe  # noqa: E402
from engine.models.registry import ModelRegistry  # noqa: E402
from engine.pipeline import ContextFactory, RunOptions, Stage, plan, run_stages  # noqa: E402
from engine.project.store import create_project  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED", REPO.parent / "shared"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default="video/vr_face1.mp4", help="relative to the shared media folder")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--frame", type=int, default=60, help="frame to write as PNG")
    ap.add_argument("--loop", type=int, default=1, help="play the clip this many times (a longer video)")
    ap.add_argument("--cache-frames", type=int, help="cap of cached training crops per track")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    video = SHARED / "media" / args.clip
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    if args.loop > 1:
        looped = args.out / f"looped{video.suffix}"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-stream_loop", str(args.loop - 1), "-i", str(video),
                        "-c", "copy", str(looped)], check=True)
        video = looped
    folder, project = create_project(args.out / "project", video, probe(video).duration, "es")
    extra = {"lipsync": {"preset": args.preset, "steps": args.steps, "threads": args.threads, "minutes": 0,
                         "cache_frames": args.cache_frames}}
    factory = ContextFactory(folder, project, ModelRegistry.from_environment(), RunOptions(extra=extra))
    seconds = {}
    for stage in (Stage.TRACK, Stage.TRAIN, Stage.LIPSYNC, Stage.RENDER):
        t0 = time.monotonic()
        run_stages(factory, plan(only=stage))
        seconds[stage.value] = round(time.monotonic() - t0, 2)
    frames = sum(t.end_frame - t.start_frame for t in project.face_tracks
                 if t.id in project.settings["lipsync"]["chunks"])
    model = project.settings["lipsync"]["model"]
    src = next(f.image for f in iter_frames(video, args.frame, args.frame + 1))
    out = next(f.image for f in iter_frames(folder.exports_dir / "dubbed.mp4", args.frame, args.frame + 1))
    cv2.imwrite(str(args.out / f"frame{args.frame}.png"), cv2.cvtColor(np.hstack([src, out]), cv2.COLOR_RGB2BGR))
    print(json.dumps({
        "clip": args.clip, "loop": args.loop, "frames": probe(video).require_video().frame_count,
        "preset": args.preset, "threads": args.threads, "seconds": seconds,
        "train_steps_per_s": round(model["step"] / max(model["seconds"], 1e-9), 3),
        "generated_frames": frames, "lipsync_frames_per_s": round(frames / seconds["lipsync"], 2),
        "chunks": project.settings["lipsync"]["last_run"], "losses": model["losses"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
