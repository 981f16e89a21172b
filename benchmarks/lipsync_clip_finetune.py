"""Fine-tune a lip-sync preset on the start of a real clip and judge the held-out rest.

A thin wrapper of the quality harness (:mod:`engine.lipsync.eval.harness`, also ``avdub eval
lipsync``) with the defaults of the long-clip run: speech_en_60s.mp4, its face box, the
``cpu`` preset, one thread. Prints the harness report as JSON on the last line; the strip PNG
and the checkpoint (resumed when present) go to ``--out``.

    PYTHONPATH=$PWD python benchmarks/lipsync_clip_finetune.py --minutes 15 --out /tmp/lipsync-run
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.lipsync.eval.harness import EvalSettings, evaluate  # noqa: E402
from engine.models.registry import ModelRegistry  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED", REPO.parent / "shared"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", type=Path, default=SHARED / "media/video/speech_en_60s.mp4")
    ap.add_argument("--box", type=int, nargs=3, default=(51, 68, 168), metavar=("X", "Y", "SIZE"))
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--gan", type=int, default=1)
    ap.add_argument("--landmarks", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/lipsync-clip"))
    args = ap.parse_args()
    settings = EvalSettings(video=args.clip, out=args.out, preset=args.preset, minutes=args.minutes,
                            threads=args.threads, box=tuple(args.box), language="en", use_gan=bool(args.gan),
                            landmarks=bool(args.landmarks))
    report = evaluate(settings, ModelRegistry.from_environment(), log=lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
