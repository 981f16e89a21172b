"""Quality harness commands: ``avdub eval lipsync VIDEO`` (fine-tune on the start, judge the rest).

Prints one JSON object with ``--json`` (sections model, retrieval, closed, median, real,
shift_test, silence_test, targets and the training figures), a short summary otherwise, and
writes the checkpoint and a comparison strip PNG into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from engine.lipsync.config import PRESETS  # light: no torch model is built

    p = sub.add_parser("eval", help="measure quality on real clips")
    evsub = p.add_subparsers(dest="eval_command", required=True, metavar="WHAT")
    q = evsub.add_parser("lipsync", help="fine-tune lip-sync on the start of a clip, judge the held-out rest")
    q.add_argument("video", type=Path, metavar="VIDEO")
    q.add_argument("--train-fraction", type=float, default=0.8, metavar="F", help="share of frames to train on")
    q.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    q.add_argument("--minutes", type=float, default=15.0, metavar="M",
                   help="training wall time (0: evaluate the checkpoint already in --out)")
    q.add_argument("--steps", type=int, help="stop training at this step (for quick runs)")
    q.add_argument("--threads", type=int, default=1, metavar="T", help="torch threads")
    q.add_argument("--box", type=int, nargs=3, metavar=("X", "Y", "SIZE"),
                   help="fixed face crop box in source pixels (default: placed from face landmarks)")
    q.add_argument("--language", default="", help="ISO 639-1 code of the speech")
    q.add_argument("--held-out", type=int, default=300, metavar="FRAMES", help="most held-out frames to judge")
    q.add_argument("--max-frames", type=int, help="read at most this many frames of the clip")
    q.add_argument("--no-gan", action="store_true", help="train with reconstruction loss only")
    q.add_argument("--no-stabilise", action="store_true",
                   help="keep the fixed crop box (do not align every crop by its eye/nose points)")
    q.add_argument("--no-landmarks", action="store_true",
                   help="train without the landmark loss (no face mesh of the training frames)")
    q.add_argument("--prior-gain", type=float, metavar="G",
                   help="override the checkpoint's inference gain of the audio → shape prior (shape attention)")
    q.add_argument("--residual-gain", type=float, metavar="R",
                   help="override the weight of the learned part of the shape query at inference (1 or 0)")
    q.add_argument("--out", type=Path, default=Path("lipsync-eval"), metavar="DIR",
                   help="folder for the checkpoint (resumed if present) and the strip PNG")
    q.add_argument("--json", action="store_true", help="print the report as one JSON object")
    q.set_defaults(func=cmd_eval_lipsync)


def cmd_eval_lipsync(args: argparse.Namespace) -> int:
    from engine.errors import AvdubError
    from engine.lipsync.eval.harness import EvalSettings, evaluate
    from engine.models.registry import ModelRegistry

    if not 0.1 <= args.train_fraction <= 0.95:
        raise AvdubError("--train-fraction must lie between 0.1 and 0.95")
    settings = EvalSettings(
        video=args.video, out=args.out, preset=args.preset, train_fraction=args.train_fraction,
        minutes=args.minutes, steps=args.steps, threads=args.threads,
        box=tuple(args.box) if args.box else None, language=args.language, max_held_out=args.held_out,
        use_gan=not args.no_gan, landmarks=not args.no_landmarks, max_frames=args.max_frames,
        stabilise=not args.no_stabilise, prior_gain=args.prior_gain, residual_gain=args.residual_gain)
    report = evaluate(settings, ModelRegistry.from_environment(), log=lambda m: print(m, file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(report))
        return 0
    for name in ("model", "retrieval", "closed", "median"):
        r = report[name]
        print(f"{name:10s} lmd {r['lmd']} px  ssim_mouth {r['ssim_mouth']}  vlap {r['vlap']}  "
              f"opening_corr {r['opening_corr']}")
    print(f"real       vlap {report['real']['vlap']}")
    print(f"shift test {report['shift_test']}  silence test {report['silence_test']}")
    print(f"targets    {report['targets']['pass']}  strip {report['strip']}")
    return 0
