"""Fine-tune a lip-sync preset on one real talking-head clip, then judge held-out frames.

Trains on the first 80% of the clip's frames (fixed-box crops, :class:`ClipWindowSource`),
for a wall-time budget, resuming from the checkpoint in ``--out`` when there is one. Then it
generates a held-out stretch from its own audio and writes ``strip.png`` (rows: real, generated,
real mouth zoom, generated mouth zoom) and prints JSON: training figures, held-out L1 / SSIM in
the mouth rectangle, and how much the generated mouths move compared with the real ones.

    PYTHONPATH=$PWD python benchmarks/lipsync_clip_finetune.py --minutes 10 --threads 1 --out /tmp/lipsync-run
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.jobs.events import CancelToken, StageReporter  # noqa: E402
from engine.lipsync.checkpoint import load_generator  # noqa: E402
from engine.lipsync.clip_source import ClipWindowSource  # noqa: E402
from engine.lipsync.config import MOUTH_RECT, preset  # noqa: E402
from engine.lipsync.data import WindowDataset  # noqa: E402
from engine.lipsync.infer import WithAudio, generate_chunk  # noqa: E402
from engine.lipsync.masks import rect_pixels  # noqa: E402
from engine.lipsync.msssim import ssim  # noqa: E402
from engine.lipsync.train import Trainer, TrainSettings  # noqa: E402

SHARED = Path(__import__("os").environ.get("AVDUB_SHARED", REPO.parent / "shared"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", type=Path, default=SHARED / "media/video/speech_en_60s.mp4")
    ap.add_argument("--box", type=int, nargs=3, default=(51, 68, 168), metavar=("X", "Y", "SIZE"))
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--gan", type=int, default=1)
    ap.add_argument("--held-out", type=int, default=48, help="held-out frames to generate")
    ap.add_argument("--out", type=Path, default=Path("/tmp/lipsync-clip"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = preset(args.preset)
    args.out.mkdir(parents=True, exist_ok=True)

    source = ClipWindowSource(args.clip, tuple(args.box), "en", cfg.num_references)
    train_end = int(source.num_frames * 0.8)
    source.choose_references_from(range(train_end))
    dataset = WindowDataset(source, cfg, frames=range(train_end), cache_images=True)
    settings = TrainSettings(steps=1_000_000, max_seconds=args.minutes * 60, threads=args.threads,
                             use_gan=bool(args.gan), checkpoint_seconds=120)
    ckpt = args.out / f"{cfg.name}.ckpt"
    trainer = Trainer(cfg, dataset, settings, ckpt)
    t0 = time.monotonic()
    last = [0.0]

    def sink(p) -> None:
        if time.monotonic() - last[0] > 30:
            last[0] = time.monotonic()
            print(f"[{p.elapsed:6.0f}s] {p.message}", file=sys.stderr, flush=True)

    result = trainer.run(StageReporter("train", sink, CancelToken()))
    train_s = time.monotonic() - t0

    model = load_generator(ckpt)
    start = train_end + 25
    chunk = range(start, min(start + args.held_out, source.num_frames - 1))
    refs = source.reference_indices(chunk)
    t1 = time.monotonic()
    own = generate_chunk(model, source, chunk, refs, batch_size=16)
    infer_s = time.monotonic() - t1
    # The same frames driven by audio from elsewhere in the clip (a different sentence).
    shift = int(10.0 * 16000)
    other = WithAudio(source, np.roll(source.samples, shift))
    foreign = generate_chunk(model, other, chunk, refs, batch_size=16)

    x1, y1, x2, y2 = rect_pixels(256, MOUTH_RECT)
    mx1, my1, mx2, my2 = 64, 150, 192, 230  # lower-face zoom for the strip (template px)
    real = np.stack([source.crop(i) for i in chunk])
    gen = np.stack([own[i] for i in chunk])
    fgn = np.stack([foreign[i] for i in chunk])
    to_t = lambda a: torch.from_numpy(a[:, y1:y2, x1:x2]).permute(0, 3, 1, 2).float() / 255  # noqa: E731
    l1 = float((to_t(gen) - to_t(real)).abs().mean())
    ss = float(ssim(to_t(gen), to_t(real)).mean())
    motion = lambda a: float(np.abs(np.diff(a[:, my1:my2, mx1:mx2].astype(np.float32), axis=0)).mean())  # noqa: E731
    cols = list(range(0, len(chunk), max(1, len(chunk) // 8)))[:8]
    zoom = lambda a: cv2.resize(a[my1:my2, mx1:mx2], (256, 160), interpolation=cv2.INTER_NEAREST)  # noqa: E731
    rows = [np.concatenate([a[c] for c in cols], 1) for a in (real, gen, fgn)]
    rows += [np.concatenate([zoom(a[c]) for c in cols], 1) for a in (real, gen, fgn)]
    strip = np.concatenate(rows, 0)
    cv2.imwrite(str(args.out / "strip.png"), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    print(json.dumps({
        "clip": args.clip.name, "preset": cfg.name, "train_frames": train_end, "windows": len(dataset),
        "steps": result.step, "train_seconds": round(train_s, 1), "steps_per_second": round(result.step / max(train_s, 1e-9), 3)
        if result.step else 0.0, "last_losses": {k: round(v, 4) for k, v in result.losses.items()},
        "held_out_frames": [chunk.start, chunk.stop], "mouth_l1": round(l1, 4), "mouth_ssim": round(ss, 4),
        "motion_real": round(motion(real), 3), "motion_generated": round(motion(gen), 3),
        "generated_vs_foreign_audio_l1": round(float(np.abs(gen.astype(float) - fgn.astype(float)).mean() / 255), 4),
        "inference_frames_per_second": round(len(chunk) / infer_s, 2), "strip": str(args.out / "strip.png"),
    }))


if __name__ == "__main__":
    main()
