"""Lip-sync speed per preset: inference frames/s, training steps/s, peak memory.

Each preset is measured in a fresh subprocess (so that its peak resident memory is its own)
on the synthetic talking head: inference through :func:`generate_chunk` (data preparation,
temporal context and 256 px compositing included), training through ``Trainer.train_step``
with both discriminators (batch 1, after one warm-up step). Prints one JSON object as the
last line.

    PYTHONPATH=$PWD python benchmarks/lipsync_speed.py [--presets cpu fast paper] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# Frames to generate and training steps to time, per preset (the paper network is slow on CPU).
WORK = {"tiny": (64, 10), "cpu": (48, 6), "fast": (16, 2), "paper": (8, 1)}


def measure(name: str, threads: int, device: str) -> dict:
    import torch
    from torch.utils.data import DataLoader

    from engine.lipsync.config import preset
    from engine.lipsync.data.windows import WindowDataset
    from engine.lipsync.infer import generate_chunk
    from engine.lipsync.model.generator import count_parameters
    from engine.lipsync.training.trainer import Trainer, TrainSettings
    from tests.synthetic_head import SyntheticTalkingHead

    torch.set_num_threads(threads)
    cfg = preset(name)
    frames, steps = WORK.get(name, (16, 2))
    src = SyntheticTalkingHead(frames + 30, num_references=cfg.num_references)
    trainer = Trainer(cfg, WindowDataset(src, cfg), TrainSettings(device=device, threads=threads, resume=False),
                      Path("/nonexistent/bench.ckpt"))
    model = trainer.generator
    chunk = range(10, 10 + frames)
    refs = src.reference_indices(chunk)
    generate_chunk(model, src, range(10, 12), refs, buffer=0)  # warm-up
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
    sync()
    t = time.perf_counter()
    generate_chunk(model, src, chunk, refs, buffer=0, batch_size=16)
    sync()
    infer_fps = frames / (time.perf_counter() - t)
    batch = next(iter(DataLoader(trainer.dataset, batch_size=1)))
    trainer.train_step(batch)  # warm-up
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(batch)
    sync()
    steps_per_s = steps / (time.perf_counter() - t)
    out = {"params_m": round(count_parameters(model) / 1e6, 2), "resolution": cfg.resolution,
           "infer_frames_per_s": round(infer_fps, 2), "train_steps_per_s": round(steps_per_s, 3),
           "train_frames_per_s": round(steps_per_s * cfg.window, 2),
           "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if trainer.device.type == "cuda":
        out["peak_cuda_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", nargs="+", default=["cpu", "fast", "paper"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.threads, args.device)))
        return
    results = {}
    for name in args.presets:
        proc = subprocess.run([sys.executable, __file__, "--one", name, "--threads", str(args.threads),
                               "--device", args.device], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            results[name] = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
        else:
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{name}: {results[name]}", file=sys.stderr, flush=True)
    import torch

    print(json.dumps({"benchmark": "lipsync_speed", "device": args.device, "threads": args.threads,
                      "torch": str(torch.__version__), "presets": results}))


if __name__ == "__main__":
    main()
