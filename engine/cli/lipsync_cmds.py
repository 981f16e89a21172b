"""Lip-sync commands: ``pretrain`` (multi-speaker stage, torchrun/DDP-ready) and ``train``.

``avdub train PROJECT [--preset P] [--steps N] [--minutes M] [--from CKPT] [--threads T]``
runs the project's train stage with these choices (remembered in the project, except minutes
and threads); Ctrl-C saves and stops, and running it again resumes from the saved step.

``avdub pretrain DATASET_DIR --out CKPT [--preset P]`` runs as one process (CPU or one GPU),
or under ``torchrun --nproc-per-node G -m engine.cli.main pretrain …`` on G GPUs. Re-running
with the same ``--out`` resumes from that checkpoint.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.cli.progress import TerminalProgress, cancel_on_interrupt
from engine.errors import AvdubError
from engine.jobs.events import StageReporter
from engine.project.store import load_project


def register(sub: argparse._SubParsersAction) -> None:
    from engine.lipsync.config import PRESETS  # light: no torch model is built

    p = sub.add_parser("pretrain", help="train the multi-speaker lip-sync model on a folder of talking-head clips")
    p.add_argument("dataset", type=Path, metavar="DATASET_DIR")
    p.add_argument("--out", type=Path, required=True, metavar="CKPT", help="checkpoint to write (resumed if present)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="paper")
    p.add_argument("--steps", type=int, default=200_000, help="total training steps (paper: 200 000)")
    p.add_argument("--batch-size", type=int, default=2, help="windows per process and step (paper: 2)")
    p.add_argument("--init", type=Path, metavar="CKPT", help="start from this checkpoint's weights")
    p.add_argument("--language", default="", help="language of clips the dataset index does not label")
    p.add_argument("--max-minutes", type=float, help="stop (and save) after this much wall time")
    p.add_argument("--max-frames", type=int, help="read at most this many frames per clip")
    p.add_argument("--no-gan", action="store_true", help="reconstruction and landmark losses only")
    p.add_argument("--checkpoint-every", type=int, default=1000, metavar="STEPS")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--threads", type=int, help="torch threads on CPU")
    p.add_argument("--workers", type=int, default=0, help="data loader worker processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the result as JSON; no progress bar")
    p.set_defaults(func=cmd_pretrain)

    p = sub.add_parser("train", help="fine-tune lip-sync on a project's presenter (needs face tracks)")
    p.add_argument("project", type=Path)
    p.add_argument("--preset", choices=sorted(PRESETS), help="model size (default: cpu without CUDA, fast with it, "
                   "or the --from checkpoint's)")
    p.add_argument("--steps", type=int, help="total fine-tuning steps (default: 2000 on CPU, 10 000 on CUDA)")
    p.add_argument("--minutes", type=float, help="stop (and save) after this much wall time; 0: no limit "
                   "(default: 30 on CPU)")
    p.add_argument("--from", dest="base", type=Path, metavar="CKPT", help="start from this (pretrained) checkpoint")
    p.add_argument("--threads", type=int, help="torch threads on CPU (default 1)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--json", action="store_true", help="print the result as JSON; no progress bar")
    p.set_defaults(func=cmd_train)


def cmd_pretrain(args: argparse.Namespace) -> int:
    from engine.lipsync.config import preset
    from engine.lipsync.data.corpus import load_corpus
    from engine.lipsync.training import ddp
    from engine.lipsync.training.trainer import Trainer, TrainSettings

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    config = preset(args.preset)
    dataset = load_corpus(args.dataset, config, args.language, args.max_frames)
    settings = TrainSettings(
        steps=args.steps, batch_size=args.batch_size, device=args.device, threads=args.threads,
        use_gan=not args.no_gan, checkpoint_every=args.checkpoint_every,
        max_seconds=None if args.max_minutes is None else args.max_minutes * 60, seed=args.seed,
        num_workers=args.workers)
    trainer = Trainer(config, dataset, settings, args.out, init_from=args.init)
    progress = TerminalProgress(enabled=not args.json and trainer.dist.is_main)
    try:
        with cancel_on_interrupt() as cancel:
            result = trainer.run(StageReporter("pretrain", progress, cancel))
    finally:
        progress.close()
        ddp.shutdown(trainer.dist)
    if trainer.dist.is_main:
        summary = {"checkpoint": str(result.checkpoint), "step": result.step, "seconds": round(result.seconds, 1),
                   "stopped": result.stopped, "windows": len(dataset), "preset": config.name,
                   "losses": {k: round(v, 5) for k, v in result.losses.items()}}
        print(json.dumps(summary) if args.json else
              f"saved {result.checkpoint} at step {result.step} ({result.stopped}, {result.seconds:.0f} s)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Run the train stage with these overrides; always trains (resuming the project's checkpoint)."""
    from engine.models.registry import ModelRegistry
    from engine.pipeline import ContextFactory, RunOptions, Stage, plan, run_stages

    folder, project = load_project(args.project)
    if not project.face_tracks:
        raise AvdubError(f"the project {args.project} has no face tracks yet; run "
                         f"`avdub run {args.project} --until track` first: lip-sync fine-tuning learns from "
                         "the presenter's aligned face crops")
    folder.source_path(project)  # a missing video is reported before any work starts
    overrides = {"preset": args.preset, "steps": args.steps, "minutes": args.minutes, "threads": args.threads,
                 "base": None if args.base is None else str(args.base.resolve())}
    options = RunOptions(device=args.device, threads=args.threads, force=True,
                         extra={"lipsync": {k: v for k, v in overrides.items() if v is not None}})
    progress = TerminalProgress(enabled=not args.json)
    try:
        with cancel_on_interrupt() as cancel:
            factory = ContextFactory(folder, project, ModelRegistry.from_environment(), options, progress, cancel)
            run_stages(factory, plan(only=Stage.TRAIN))
    finally:
        progress.close()
    model = project.settings["lipsync"]["model"]
    if args.json:
        print(json.dumps(model))
    else:
        print(f"saved {folder.resolve(model['checkpoint'])} at step {model['step']} "
              f"({model['stopped']}, {model['seconds']:.0f} s this run)")
    return 0
