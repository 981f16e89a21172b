"""How close any mouth predictor can come to the real lips on real clips (``lmd`` bounds).

For each clip, prepared exactly as the lip-sync harness prepares it (``avdub eval lipsync``:
its crop box, aligned crops, the first 80 % to train on, the held-out rest to judge), this
measures the three pasted baselines' ``lmd`` and, in landmark space, the predictors and
oracles of :mod:`engine.lipsync.eval.lip_predictor_bounds`, how far the held-out mean lips drift from the
training ones, how much of each lip mode the audio explains, and the mesh's own noise (the
real frames re-meshed after JPEG or a slight blur). Each figure is also given as a ratio to
the best baseline: the harness's target is ``lmd ≤ 0.6 × best baseline``. No model is trained; about
a minute per short clip on one thread. Prints one JSON object.

    AVDUB_SHARED=../shared PYTHONPATH=$PWD python benchmarks/lipsync_bounds.py --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.faces.template import MOUTH_RECT  # noqa: E402
from engine.lipsync.eval import baselines  # noqa: E402
from engine.lipsync.eval import metrics as M  # noqa: E402
from engine.lipsync.eval.harness import EvalSettings, prepared_clip  # noqa: E402
from engine.lipsync.eval.lip_predictor_bounds import lip_bounds, lip_drift, visible_pixels  # noqa: E402
from engine.models.registry import ModelRegistry  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED", REPO.parent / "shared"))
# (clip, language): the harness's three clips and a fourth, German, presenter
CLIPS = (("speech_en_60s.mp4", "en"), ("lecture_en_25s.mp4", "en"), ("address_en_26s.mp4", "en"),
         ("news_de_20s.mp4", "de"))
TARGET = 0.6  # the harness's lmd target, a share of the best baseline's


def measure(video: Path, language: str, threads: int, mlp: bool, registry) -> dict:
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        settings = EvalSettings(video=video, out=Path(tmp), language=language, threads=threads)
        with prepared_clip(settings, registry, log=lambda m: print(f"{video.name}: {m}", file=sys.stderr)) as clip:
            src, held, train = clip.source, clip.held, range(clip.train_end)
            real = np.stack([src.crop(i) for i in held])  # (H, 256, 256, 3)
            real_lm = clip.lms.measure(real)  # (H, 478, 2)
            _, pasted = baselines.pasted_baselines(src, train, held, clip.train_lm, real_lm, clip.cfg.mel_bins,
                                                   clip.cfg.mel_frames)
            base = {name: M.lip_distance(clip.lms.measure(images), real_lm) for name, images in pasted.items()}
            features = baselines.audio_features(src, range(src.num_frames), clip.cfg.mel_bins, clip.cfg.mel_frames)
            references = list(src.reference_indices(held))
            visible = np.stack([visible_pixels(src.crop(i), MOUTH_RECT) for i in range(src.num_frames)])
            bounds = lip_bounds(features[:clip.train_end], clip.train_lm, features[list(held)], real_lm,
                                visible[:clip.train_end], visible[list(held)], mlp=mlp,
                                references=references)
            drift = lip_drift(clip.train_lm, real_lm, features[:clip.train_end], features[list(held)])
            # how far the mesh moves the real lips when the frames are barely changed: its noise
            noise = {"jpeg90": [cv2.imdecode(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 90])[1],
                                             cv2.IMREAD_COLOR) for im in real],
                     "blur0.7": [cv2.GaussianBlur(im, (0, 0), 0.7) for im in real]}
            mesh_noise = {k: round(M.lip_distance(clip.lms.measure(np.stack(v)), real_lm), 3) for k, v in noise.items()}
            best = min(base.values())
            return {"box": list(clip.box), "frames": src.num_frames, "train_frames": clip.train_end,
                    "held_out": [held.start, held.stop], "references": references,
                    "baselines": {k: round(v, 3) for k, v in base.items()},
                    "best_baseline": round(best, 3), "target_lmd": round(TARGET * best, 3),
                    "bounds": {k: None if v is None else {"lmd": round(v, 3), "vs_best_baseline": round(v / best, 3)}
                               for k, v in bounds.items()},
                    "held_mean_shift": _round(drift["held_mean_shift"]),
                    "ridge_component_r2": _round(drift["ridge_component_r2"]), "mesh_noise": mesh_noise,
                    "seconds": round(time.monotonic() - t0, 1)}


def _round(value):
    if isinstance(value, list):
        return [round(v, 3) for v in value]
    return None if value is None else round(value, 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", nargs="*", default=[c for c, _ in CLIPS], help="file names in media/video")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-mlp", action="store_true", help="skip the MLP predictor (the slowest part)")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    languages = dict(CLIPS)
    registry = ModelRegistry.from_environment()
    report = {"target_vs_best_baseline": TARGET, "torch_threads": args.threads, "clips": {}}
    for name in args.clips:
        report["clips"][name] = measure(SHARED / "media/video" / name, languages.get(name, "en"), args.threads,
                                        not args.no_mlp, registry)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
