"""The lip-sync quality harness: fine-tune on the start of a real clip, regenerate the rest.

The first ``train_fraction`` of a steady close-up clip (fixed crop box, :class:`ClipWindowSource`)
trains the model with its own audio; the held-out rest (after a gap of one window, at most
``max_held_out`` frames) is regenerated from its own audio and compared with the real frames,
next to three pasted baselines (:mod:`engine.lipsync.eval.baselines`). Two tests ask whether the
mouths follow the audio at all (a model can beat the baselines on landmark distance with a
fixed, half-open mouth): the *shift test* regenerates with the audio moved by ±5 frames and
recovers each shift from the cross-correlation of mouth-opening series; the *silence test*
replaces 1-second stretches with silence and compares the mouth opening inside and outside
them. Figures are in template pixels (256×256 crop); see :func:`evaluate` for the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.faces.masks import rect_pixels
from engine.faces.template import PAPER_MOUTH_RECT
from engine.lipsync.config import LipSyncConfig, preset
from engine.lipsync.eval import baselines, metrics as M
from engine.lipsync.mouth import LIP_INDICES, inner_opening

if TYPE_CHECKING:
    from engine.lipsync.data.clip_source import ClipWindowSource

SHIFTS = (-5, 5)  # video frames the audio is moved by in the shift test
MAX_LAG = 10  # frames searched when estimating a shift
SILENCE_SECONDS = 1.0  # each silent stretch
SILENCE_PERIOD = 3.0  # seconds from one silent stretch to the next
SILENCE_FIRST = 0.5  # seconds into the held-out part where the first stretch starts
# Frames within this of a silence edge are neither "inside" nor "elsewhere": the model hears
# 240 ms of audio centred on each frame (±120 ms), plus one 40 ms frame of slack.
SILENCE_EDGE = 0.16
MOUTH_MARGIN = 8  # px around the real lips' extent for the mouth box
# Where the face scores (ssim_face, psnr_face) are taken: the paper's mouth rectangle, kept
# when the model's own rectangle grew to the crop's bottom edge, so figures stay comparable.
FACE_SCORE_RECT = PAPER_MOUTH_RECT


@dataclass(frozen=True)
class EvalSettings:
    video: Path
    out: Path
    preset: str = "cpu"
    train_fraction: float = 0.8
    minutes: float = 15.0  # training wall time; 0 reuses the checkpoint in ``out`` untrained
    steps: int | None = None  # stop training after this many steps (total, for tiny runs)
    threads: int = 1
    box: tuple[int, int, int] | None = None  # (x, y, size) crop box; None: from face landmarks
    language: str = ""
    max_held_out: int = 300  # frames (12 s at 25 fps)
    use_gan: bool = True
    landmarks: bool = True  # landmark loss on the training frames' face mesh (13 jaw/mouth points)
    max_frames: int | None = None  # read at most this many frames of the clip
    batch_size: int = 16  # inference frames per batch
    stabilise: bool = True  # align every crop by its eye/nose points (as the product's crops are)
    # Inference overrides of the shape query (None: as the checkpoint chose), to compare them on
    # one checkpoint: the prior's gain and the weight of the learned part (engine.lipsync.model.attention).
    prior_gain: float | None = None
    residual_gain: float | None = None


Log = Callable[[str], None]


def _silence(samples: np.ndarray, fps: float, held: range, sr: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The audio with 1-s stretches silenced inside the held-out part, and the stretches (s)."""
    out = samples.copy()
    t0, t1 = held.start / fps, held.stop / fps
    spans = []
    s = t0 + SILENCE_FIRST
    while s + SILENCE_SECONDS <= t1:
        spans.append((s, s + SILENCE_SECONDS))
        out[int(s * sr):int((s + SILENCE_SECONDS) * sr)] = 0.0
        s += SILENCE_PERIOD
    return out, spans


def _shifted(samples: np.ndarray, frames: int, fps: float, sr: int) -> np.ndarray:
    """The audio delayed by ``frames`` video frames (negative: advanced), zero-padded."""
    n = int(round(frames * sr / fps))
    out = np.zeros_like(samples)
    if n >= 0:
        out[n:] = samples[:len(samples) - n]
    else:
        out[:n] = samples[-n:]
    return out


def _mouth_box(landmarks: np.ndarray) -> tuple[int, int, int, int]:
    """Box around all real lip points of the held-out frames, grown by MOUTH_MARGIN, in the crop."""
    pts = landmarks[:, LIP_INDICES].reshape(-1, 2)
    pts = pts[~np.isnan(pts).any(1)]
    if len(pts) == 0:
        from engine.errors import MediaError
        raise MediaError("no mouth landmarks found on the real held-out frames")
    lo, hi = np.floor(pts.min(0)) - MOUTH_MARGIN, np.ceil(pts.max(0)) + MOUTH_MARGIN
    x1, y1 = (int(max(0, v)) for v in lo)
    x2, y2 = (int(min(256, v)) for v in hi)
    return x1, y1, x2, y2


def _image_scores(images: np.ndarray, real: np.ndarray, face_box, mouth_box) -> dict[str, float]:
    sf, pf = M.ssim_psnr(images, real, face_box)
    sm, pm = M.ssim_psnr(images, real, mouth_box)
    return {"ssim_face": sf, "psnr_face": pf, "ssim_mouth": sm, "psnr_mouth": pm,
            "vlap": M.laplacian_variance(images, mouth_box)}


def _motion_scores(lm: np.ndarray, real_lm: np.ndarray) -> dict[str, float | None]:
    opening, real_open = inner_opening(lm), inner_opening(real_lm)
    ok = ~(np.isnan(opening) | np.isnan(real_open))
    return {"lmd": M.lip_distance(lm, real_lm), "lmd_centred": M.lip_distance(lm, real_lm, centred=True),
            "opening_corr": M.correlation(opening[ok], real_open[ok]) if ok.sum() > 2 else None,
            "open_mean": float(np.nanmean(opening)), "open_std": float(np.nanstd(opening)),
            "faces_found": float(np.mean(~np.isnan(opening)))}


@dataclass(frozen=True)
class PreparedClip:
    """A clip cut into aligned crops and split, with the training frames' mesh: what the harness
    (and :mod:`benchmarks.lipsync_bounds`) train on and judge."""

    cfg: LipSyncConfig
    source: ClipWindowSource
    box: tuple[int, int, int]
    train_end: int  # frames [0, train_end) train
    held: range  # the judged frames, one window after the training part
    lms: M.MouthLandmarks  # the face mesh in one fixed box, for every series
    train_lm: np.ndarray  # (train_end, 478, 2) the training frames' mesh (aligned with the crops)


def evaluate(settings: EvalSettings, registry, log: Log = lambda _: None) -> dict:
    """Train, regenerate, measure; write the strip PNG into ``settings.out``; return the report."""
    with prepared_clip(settings, registry, log) as clip:
        return _evaluate(settings, clip, log)


@contextmanager
def prepared_clip(settings: EvalSettings, registry, log: Log = lambda _: None) -> Iterator[PreparedClip]:
    """Cut ``settings.video`` into crops (its box, aligned unless ``stabilise`` is off), split
    it and mesh the training frames; the face mesh is closed on leaving."""
    import torch

    from engine.lipsync.data.clip_source import ClipWindowSource
    from engine.lipsync.eval.clip_preparation import auto_box, check_clip

    torch.set_num_threads(settings.threads)
    cfg = preset(settings.preset)
    check_clip(settings.video)
    Path(settings.out).mkdir(parents=True, exist_ok=True)
    box = settings.box or auto_box(settings.video, registry)
    log(f"crop box {box}")
    source = ClipWindowSource(settings.video, box, settings.language, cfg.num_references,
                              max_frames=settings.max_frames)
    n = source.num_frames
    train_end = int(n * settings.train_fraction)
    held = range(train_end + cfg.window, min(n, train_end + cfg.window + settings.max_held_out))
    if train_end < cfg.window + cfg.num_references + 1 or len(held) < 2 * MAX_LAG + 8:
        from engine.errors import MediaError
        raise MediaError(f"{settings.video}: {n} frames are too few to train on {settings.train_fraction:.0%} "
                         f"and judge at least {2 * MAX_LAG + 8} held-out frames")
    lms = M.MouthLandmarks(registry, source.frames[:: max(1, n // 8)])
    try:
        log(f"meshing {train_end} training frames")
        train_lm = lms.measure(source.frames[:train_end])  # (train_end, 478, 2)
        if settings.stabilise:
            train_lm = _stabilise(source, lms, train_end, train_lm, log)
        if settings.landmarks:  # supervise the landmark head with the training frames' mesh
            from engine.faces.template import MOUTH_JAW

            full = np.full((n, len(MOUTH_JAW), 2), np.nan, np.float32)
            full[:train_end] = train_lm[:, list(MOUTH_JAW)]
            source.set_landmarks(full)
        source.choose_references_from(range(train_end))  # after the landmarks: one reference at rest
        yield PreparedClip(cfg, source, box, train_end, held, lms, train_lm)
    finally:
        lms.close()


def _stabilise(source, lms, train_end: int, train_lm: np.ndarray, log: Log) -> np.ndarray:
    """Hold the head still in every crop (eye/nose points on their median place); returns the
    training frames' mesh mapped along."""
    from engine.faces.align import apply
    from engine.faces.template import ALIGN_INDICES
    from engine.lipsync.eval.clip_preparation import stabilising_transforms

    log(f"meshing {source.num_frames - train_end} more frames to align the crops")
    points = np.concatenate([train_lm, lms.measure(source.frames[train_end:])])[:, list(ALIGN_INDICES)]
    transforms = stabilising_transforms(points)  # (F, 2, 3)
    moved = np.linalg.norm(points - np.stack([apply(m, p) for m, p in zip(transforms, points)]), axis=-1)
    log(f"aligned the crops: the eye/nose points moved by {np.nanmedian(moved):.1f} px (median), "
        f"{np.nanpercentile(moved, 95):.1f} px (95th percentile)")
    source.warp(transforms)
    return np.stack([apply(transforms[i], train_lm[i]) for i in range(train_end)]).astype(np.float32)


def _evaluate(settings: EvalSettings, clip: PreparedClip, log: Log) -> dict:
    import torch

    from engine.jobs.events import CancelToken, StageReporter
    from engine.lipsync.data.recentre import mouth_place
    from engine.lipsync.data.windows import WindowDataset
    from engine.lipsync.eval.audio_ceiling import ceiling_for
    from engine.lipsync.eval.comparison_strip import write_strip
    from engine.lipsync.infer import WithAudio, generate_chunk
    from engine.media.audio import SAMPLE_RATE
    from engine.lipsync.training.checkpoint import load_checkpoint, load_generator
    from engine.lipsync.training.trainer import Trainer, TrainSettings

    cfg, source, held, train_end, box, lms, train_lm = (clip.cfg, clip.source, clip.held, clip.train_end, clip.box,
                                                         clip.lms, clip.train_lm)
    out, n, fps = Path(settings.out), source.num_frames, source.fps
    if not settings.landmarks and cfg.attention == "shape":
        from engine.errors import AvdubError
        raise AvdubError(f"the '{cfg.name}' preset keys its reference attention by mouth landmarks: "
                         "it cannot be trained or run without them (drop --no-landmarks)")

    # ---- training ------------------------------------------------------------------------
    torch.set_num_threads(settings.threads)
    ckpt_path = out / f"{Path(settings.video).stem}-{cfg.name}.ckpt"
    train_info: dict = {"checkpoint": str(ckpt_path)}
    if settings.minutes <= 0 and settings.steps is None and not ckpt_path.is_file():
        from engine.errors import AvdubError
        raise AvdubError(f"--minutes 0 evaluates an existing checkpoint, but there is none at {ckpt_path}; "
                         "give --minutes or --steps to train one")
    if settings.minutes > 0 or settings.steps is not None:
        dataset = WindowDataset(source, cfg, frames=range(train_end), cache_images=True)
        log(f"{len(dataset)} training windows ({dataset.rejected_windows} rejected: mouth near the mask edge)")
        ts = TrainSettings(steps=settings.steps or 10**9, max_seconds=settings.minutes * 60 if settings.minutes > 0
                           else None, threads=settings.threads, use_gan=settings.use_gan, checkpoint_seconds=120,
                           checkpoint_every=10**9)
        trainer = Trainer(cfg, dataset, ts, ckpt_path)
        first_step, last = trainer.step, [0.0]

        def sink(p) -> None:
            if time.monotonic() - last[0] > 60:
                last[0] = time.monotonic()
                log(p.message)

        result = trainer.run(StageReporter("train", sink, CancelToken()))
        run_steps = result.step - first_step
        train_info.update(landmark_loss=settings.landmarks, gan=settings.use_gan, run_seconds=round(result.seconds, 1), run_steps=run_steps, stopped=result.stopped,
                          windows=len(dataset), rejected_windows=dataset.rejected_windows, losses={k: round(v, 4) for k, v in result.losses.items()})
    ckpt = load_checkpoint(ckpt_path)
    total_s = float(ckpt.meta.get("train_seconds", 0.0))
    train_info.update(steps=ckpt.step, minutes=round(total_s / 60, 2), shape_prior=ckpt.meta.get("shape_prior"),
                      query_check=ckpt.meta.get("query_check"),
                      seconds_per_step=round(total_s / ckpt.step, 3) if ckpt.step else None)
    model = load_generator(ckpt_path)
    if model.config != cfg:
        from engine.lipsync.training.checkpoint import CheckpointError
        raise CheckpointError(f"{ckpt_path} holds a '{model.config.name}' model, not '{cfg.name}'")
    train_info["inference"] = _override_query(model, settings)

    # ---- generation ----------------------------------------------------------------------
    refs = source.reference_indices(held)
    place = mouth_place(source)  # once for the four generations below

    def generate(src) -> np.ndarray:
        frames = generate_chunk(model, src, held, refs, batch_size=settings.batch_size, place=place)
        return np.stack([frames[i] for i in held])  # (H, 256, 256, 3)

    t0 = time.monotonic()
    gen = generate(source)
    infer_fps = len(held) / (time.monotonic() - t0)
    log(f"generated {len(held)} held-out frames at {infer_fps:.1f} frames/s")
    shifted = {k: generate(WithAudio(source, _shifted(source.samples, k, fps, SAMPLE_RATE))) for k in SHIFTS}
    silent_audio, spans = _silence(source.samples, fps, held, SAMPLE_RATE)
    silent = generate(WithAudio(source, silent_audio))
    real = np.stack([source.crop(i) for i in held])

    # ---- baselines -----------------------------------------------------------------------
    log("meshing generated mouths")
    real_lm = lms.measure(real)
    fixed, pasted = baselines.pasted_baselines(source, range(train_end), held, train_lm, real_lm, cfg.mel_bins,
                                               cfg.mel_frames)
    methods = {"model": gen, **pasted}
    method_lm = {k: lms.measure(v) for k, v in methods.items()}
    shift_lm = {k: lms.measure(v) for k, v in shifted.items()}
    silent_lm = lms.measure(silent)

    # ---- measures ------------------------------------------------------------------------
    face_box = rect_pixels(256, FACE_SCORE_RECT)
    mouth_box = _mouth_box(real_lm)
    report: dict = {"clip": str(settings.video), "preset": cfg.name, "box": list(box), "fps": fps,
                    "frames": n, "train_frames": [0, train_end], "stabilised": settings.stabilise, "held_out": [held.start, held.stop],
                    "face_box": list(face_box), "mouth_box": list(mouth_box),
                    "training_minutes": train_info["minutes"], "steps": train_info["steps"],
                    "seconds_per_step": train_info["seconds_per_step"], "torch_threads": torch.get_num_threads(),
                    "inference_fps": round(infer_fps, 2), "training": train_info,
                    "fixed_frames": fixed}
    for name, images in methods.items():
        report[name] = {**_image_scores(images, real, face_box, mouth_box), **_motion_scores(method_lm[name], real_lm)}
    real_open = inner_opening(real_lm)
    report["real"] = {"vlap": M.laplacian_variance(real, mouth_box), "open_mean": float(np.nanmean(real_open)),
                      "open_std": float(np.nanstd(real_open)), "faces_found": float(np.mean(~np.isnan(real_open)))}
    base_open = M.fill_missing(inner_opening(method_lm["model"]))
    report["shift_test"] = {
        "shifts": list(SHIFTS),
        "estimates": [M.estimate_lag(base_open, M.fill_missing(inner_opening(shift_lm[k])), MAX_LAG) for k in SHIFTS],
        "real_vs_model_lag": M.estimate_lag(M.fill_missing(real_open), base_open, MAX_LAG),
    }
    report["silence_test"] = _silence_report(inner_opening(silent_lm), held, fps, spans)
    report["audio_ceiling"] = ceiling_for(source, range(train_end), held, train_lm, real_lm, cfg.mel_bins,
                                          cfg.mel_frames)
    report["targets"] = _targets(report)
    report["strip"] = str(write_strip(out / f"{Path(settings.video).stem}-strip.png", real, methods, mouth_box))
    return _rounded(report)


def _override_query(model, settings: EvalSettings) -> dict[str, float] | None:
    """Apply the settings' inference overrides of the shape query; returns the gains in use."""
    from engine.errors import AvdubError

    att = model.attention
    has_prior = getattr(att, "mel_dim", None) is not None
    if not hasattr(att, "residual_gain"):
        if settings.prior_gain is not None or settings.residual_gain is not None:
            raise AvdubError("--prior-gain and --residual-gain need a model with shape attention")
        return None
    if settings.residual_gain is not None:
        att.residual_gain.fill_(settings.residual_gain)
    if settings.prior_gain is not None:
        if not has_prior:
            raise AvdubError("--prior-gain needs a model with an audio → shape prior")
        if not bool(att.prior_mean.any()) and settings.prior_gain != 1.0:
            raise AvdubError("this checkpoint was trained before the prior's inference gain existed "
                             "(it holds no mean to scale around): train it again to compare gains")
        att.prior_gain.fill_(settings.prior_gain)
    gains = {"residual_gain": float(att.residual_gain)}
    if has_prior:
        gains["prior_gain"] = float(att.prior_gain)
    return gains


def _silence_report(opening: np.ndarray, held: range, fps: float, spans: list[tuple[float, float]]) -> dict:
    times = np.array([i / fps for i in held])
    inside = np.zeros(len(held), bool)
    near = np.zeros(len(held), bool)
    for s, e in spans:
        inside |= (times >= s + SILENCE_EDGE) & (times <= e - SILENCE_EDGE)
        near |= (times >= s - SILENCE_EDGE) & (times <= e + SILENCE_EDGE)
    elsewhere = ~near
    return {"spans": [[round(s, 2), round(e, 2)] for s, e in spans],
            "frames_inside": int(inside.sum()), "frames_elsewhere": int(elsewhere.sum()),
            "open_silence": float(np.nanmean(opening[inside])) if inside.any() else None,
            "open_speech": float(np.nanmean(opening[elsewhere])) if elsewhere.any() else None}


def _targets(r: dict) -> dict:
    """The acceptance checks of the lip-sync issue, each True/False (None: not measurable)."""
    best = min(r[k]["lmd"] for k in ("retrieval", "closed", "median"))
    sil = r["silence_test"]
    checks = {
        "lmd_vs_best_baseline": r["model"]["lmd"] / best if best > 0 else None,
        # What the best linear audio → lips map reaches (engine.lipsync.eval.audio_ceiling): how hard lmd is here.
        "ceiling_lmd_vs_best_baseline": (r["audio_ceiling"]["lmd"] / best
                                         if best > 0 and r.get("audio_ceiling", {}).get("lmd") is not None else None),
        "vlap_vs_real": r["model"]["vlap"] / r["real"]["vlap"] if r["real"]["vlap"] > 0 else None,
        "opening_corr": r["model"]["opening_corr"],
        "shift_errors": [e - s for s, e in zip(r["shift_test"]["shifts"], r["shift_test"]["estimates"])],
        "silence_ratio": (sil["open_silence"] / sil["open_speech"]
                          if sil["open_silence"] is not None and sil["open_speech"] else None),
    }
    checks["pass"] = {
        "lmd": checks["lmd_vs_best_baseline"] is not None and checks["lmd_vs_best_baseline"] <= 0.6,
        "vlap": checks["vlap_vs_real"] is not None and checks["vlap_vs_real"] >= 0.6,
        "opening_corr": checks["opening_corr"] is not None and checks["opening_corr"] >= 0.4,
        "shift": all(abs(e) <= 1 for e in checks["shift_errors"]),
        "silence": checks["silence_ratio"] is not None and checks["silence_ratio"] <= 0.5,
    }
    return checks


def _rounded(value):
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return _rounded(float(value))
    return value
