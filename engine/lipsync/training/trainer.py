"""The trainer: generator + two discriminators, hinge GAN, resume, cancel, progress, DDP.

One step: the generator reconstructs a batch of windows; its frames are composited into the
targets through the loss mask; the discriminators take a hinge step on real vs composited
frames (and real frames vs mismatched audio); then the generator takes a step on
L = L_rec + 100·L_land + 1e-4·L_GAN. Both sides clip their global gradient norm at 10.
CUDA runs under bf16 autocast; CPU in float32 with a settable thread count. Checkpoints are
written every ``checkpoint_every`` steps or ``checkpoint_seconds``, on cancel and at the end
(rank 0 only); with ``resume`` a run continues from the checkpoint at its output path.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset

from engine.errors import AvdubError, JobCancelled
from engine.faces.template import CROP_SIZE
from engine.jobs.events import StageReporter
from engine.lipsync.config import LipSyncConfig
from engine.lipsync.training import ddp
from engine.lipsync.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from engine.lipsync.model.discriminators import (
    TRIPLET, AudioVisualDiscriminator, FrameTripletDiscriminator, mismatched_audio)
from engine.lipsync.training.losses import (
    attention_loss, attention_targets, composite, shape_loss, hinge_discriminator_loss, hinge_generator_loss, landmark_loss,
    reconstruction_loss)
from engine.lipsync.model.generator import LipSyncModel
from engine.lipsync.training.query_residual_check import QueryCheck, split_for_query_check
from engine.lipsync.training.shape_prior import INFERENCE_GAIN, fit_shape_prior


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 10_000  # total generator steps (the paper fine-tunes for 10 000)
    batch_size: int = 1  # windows per process and step
    device: str = "auto"  # "auto", "cpu" or "cuda"
    threads: int | None = None  # torch intra-op threads on CPU; None: leave torch's default
    use_gan: bool = True
    checkpoint_every: int = 1000  # steps
    checkpoint_seconds: float = 600.0  # also save at least this often
    max_seconds: float | None = None  # stop (and save) after this much wall time
    seed: int = 0
    num_workers: int = 0
    resume: bool = True  # continue from the checkpoint at the output path when there is one
    # Shape attention: hold out each track's latest windows to judge the learned part of the
    # query on speech it never saw (engine.lipsync.training.query_residual_check).
    query_check: bool = True


@dataclass
class StepStats:
    step: int
    losses: dict[str, float]
    steps_per_second: float


@dataclass
class TrainResult:
    checkpoint: Path
    step: int
    seconds: float
    stopped: str  # "done", "time" or "cancelled"
    losses: dict[str, float] = field(default_factory=dict)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise AvdubError("--device cuda was asked for, but torch sees no CUDA GPU")
    return torch.device(name)


def _batches(loader: DataLoader, sampler, seed: int, first_epoch: int):
    epoch = first_epoch
    while True:
        ddp.set_epoch(sampler, epoch, seed)
        yield from loader
        epoch += 1


class Trainer:
    def __init__(self, config: LipSyncConfig, dataset: Dataset, settings: TrainSettings, checkpoint: Path,
                 init_from: Path | None = None):
        if len(dataset) == 0:
            raise AvdubError("no training windows: the footage is shorter than one window or fully rejected")
        self.config, self.dataset, self.settings = config, dataset, settings
        self.query_check: QueryCheck | None = None
        if config.attention == "shape" and settings.query_check:
            # The latest windows of each track judge the learned part of the query (see
            # engine.lipsync.training.query_residual_check): neither training nor the prior sees them.
            self.dataset, self.query_check = split_for_query_check(dataset)
        self.query_check_result: dict | None = None
        self.checkpoint_path = Path(checkpoint)
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.dist = ddp.init_from_env(resolve_device(settings.device))
        self.device = ddp.local_device(resolve_device(settings.device), self.dist)
        torch.manual_seed(settings.seed + self.dist.rank)
        random.seed(settings.seed + self.dist.rank)
        self.generator = LipSyncModel(config).to(self.device)
        self.disc_full = FrameTripletDiscriminator(config).to(self.device)
        self.disc_av = AudioVisualDiscriminator(config).to(self.device)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.lr_generator, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(list(self.disc_full.parameters()) + list(self.disc_av.parameters()),
                                      lr=config.lr_discriminator, betas=(0.5, 0.999))
        self.step = 0
        self.elapsed_before = 0.0  # training seconds of earlier runs of this checkpoint
        self.shape_prior: dict[str, float] | None = None  # how the audio → shape prior fitted
        if settings.resume and self.checkpoint_path.is_file():
            self._restore(self.checkpoint_path, everything=True)
        elif init_from is not None:
            self._restore(Path(init_from), everything=False)
        if config.attention_prior and self.step == 0:
            self._fit_shape_prior()
        self.g = ddp.wrap(self.generator, self.dist, self.device)
        self.d_full = ddp.wrap(self.disc_full, self.dist, self.device) if settings.use_gan else self.disc_full
        self.d_av = ddp.wrap(self.disc_av, self.dist, self.device) if settings.use_gan else self.disc_av
        self.amp = self.device.type == "cuda"

    # ---- checkpoints ---------------------------------------------------------------------
    def _restore(self, path: Path, everything: bool) -> None:
        ckpt = load_checkpoint(path, map_location=self.device)
        if ckpt.config != self.config:
            if everything:
                raise CheckpointError(f"{path} holds a '{ckpt.config.name}' model with a different configuration; "
                                      "choose another output path or the same preset")
            raise CheckpointError(f"cannot start from {path}: it is a '{ckpt.config.name}' model, "
                                  f"this run trains '{self.config.name}'")
        self.generator.load_state_dict(ckpt.state["generator"])
        for name, module in (("disc_full", self.disc_full), ("disc_av", self.disc_av)):
            if name in ckpt.state:
                module.load_state_dict(ckpt.state[name])
        if everything:
            self.opt_g.load_state_dict(ckpt.state["opt_g"])
            self.opt_d.load_state_dict(ckpt.state["opt_d"])
            self.step = ckpt.step
            self.elapsed_before = float(ckpt.meta.get("train_seconds", 0.0))
            self.shape_prior = ckpt.meta.get("shape_prior")

    def _fit_shape_prior(self) -> None:
        """The speaker's closed-form audio → mouth-shape map (engine.lipsync.training.shape_prior), refitted
        on every fresh run (also from a base checkpoint: the map is per speaker)."""
        prior = fit_shape_prior(self.dataset)
        if prior is None:
            return  # too few frames with landmarks: the query starts at the references' mean shape
        self.generator.attention.set_prior(prior.weight.to(self.device), prior.bias.to(self.device),
                                          prior.silence.to(self.device), prior.mean.to(self.device),
                                          INFERENCE_GAIN)
        self.shape_prior = prior.describe()

    def save(self, seconds: float, losses: dict[str, float]) -> None:
        if self.query_check is not None:  # every rank: the buffer must agree across them
            self.query_check_result = self.query_check.choose(self.generator)
        if self.dist.is_main:
            state = {"generator": self.generator.state_dict(), "disc_full": self.disc_full.state_dict(),
                     "disc_av": self.disc_av.state_dict(), "opt_g": self.opt_g.state_dict(),
                     "opt_d": self.opt_d.state_dict()}
            meta = {"step": self.step, "total_steps": self.settings.steps, "train_seconds": seconds,
                    "batch_size": self.settings.batch_size, "world_size": self.dist.world_size,
                    "windows": len(self.dataset), "losses": {k: float(v) for k, v in losses.items()}}
            if self.shape_prior is not None:
                meta["shape_prior"] = self.shape_prior
            if self.query_check_result is not None:
                meta["query_check"] = self.query_check_result
            save_checkpoint(self.checkpoint_path, self.config, state, meta)
        ddp.barrier(self.dist)

    # ---- one step ------------------------------------------------------------------------
    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        cfg, dev = self.config, self.device
        b = {k: v.to(dev, non_blocking=True) for k, v in batch.items()}
        targets, mel = b["targets"], b["mel"]
        supervise_attention = cfg.attention == "shape" and cfg.attention_weight > 0
        teacher, share = None, 0.0
        if supervise_attention:
            teacher = attention_targets(b["landmarks"], b["reference_landmarks"], b["reference_landmarks_valid"],
                                        cfg.attention_temperature / CROP_SIZE)  # (B, T, N)
            att_valid = b["landmarks_valid"] & b["reference_landmarks_valid"].any(-1, keepdim=True)
            if cfg.attention_teacher_steps > 0:
                share = max(0.0, 1.0 - self.step / cfg.attention_teacher_steps)
            teacher = torch.where(att_valid[..., None], teacher, torch.zeros_like(teacher))
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.amp):
            out = self.g(b["inputs"], mel, b["language"], b["references"],
                         reference_landmarks=b["reference_landmarks"],
                         reference_landmarks_valid=b["reference_landmarks_valid"],
                         teacher_weights=teacher, teacher_share=share)
        images = out.images.float()
        comp = composite(images, targets, b["loss_mask"])  # (B, T, 3, R, R)
        logs: dict[str, float] = {}
        s = random.randrange(cfg.window - TRIPLET + 1)  # which 3 consecutive frames D_full sees

        if self.settings.use_gan:
            fake = comp.detach()
            n = targets.shape[0]
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.amp):
                # One call per discriminator (DDP reduces once per backward): real ‖ fake.
                full = self.d_full(torch.cat([targets[:, s:s + TRIPLET], fake[:, s:s + TRIPLET]]))
                lo_real, lo_fake = self.disc_av.downsample(targets), self.disc_av.downsample(fake)
                av = self.d_av(torch.cat([lo_real, lo_fake, lo_real]), torch.cat([mel, mel, mismatched_audio(mel)]))
            d_full = hinge_discriminator_loss(full[:n], full[n:])
            d_av = hinge_discriminator_loss(av[:n], av[n:])  # fakes: generated frames and wrong audio
            d_loss = d_full + d_av
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            logs["d_grad"] = float(torch.nn.utils.clip_grad_norm_(
                list(self.disc_full.parameters()) + list(self.disc_av.parameters()), cfg.clip_norm))
            self.opt_d.step()
            logs.update(d_full=d_full.item(), d_av=d_av.item())

        rec, terms = reconstruction_loss(comp, targets, cfg.msssim_weight)
        land = landmark_loss(out.landmarks, b["landmarks"], b["landmarks_valid"])
        total = rec + cfg.landmark_weight * land
        if supervise_attention:
            att = attention_loss(out.attention, teacher, att_valid)
            shapes = shape_loss(out.query_shapes, b["landmarks"], b["landmarks_valid"])
            total = total + cfg.attention_weight * (att + shapes)
            logs.update(att=att.item(), shapes=shapes.item(),
                        att_max=float(out.attention.detach().max(-1).values.mean()), teacher_share=share)
        if self.settings.use_gan:
            # The discriminators judge but are not updated by this loss: call them without DDP
            # and without parameter gradients.
            for p in list(self.disc_full.parameters()) + list(self.disc_av.parameters()):
                p.requires_grad_(False)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.amp):
                g_adv = (hinge_generator_loss(self.disc_full(comp[:, s:s + TRIPLET]))
                         + hinge_generator_loss(self.disc_av(self.disc_av.downsample(comp), mel)))
            for p in list(self.disc_full.parameters()) + list(self.disc_av.parameters()):
                p.requires_grad_(True)
            total = total + cfg.gan_weight * g_adv
            logs["g_adv"] = g_adv.item()
        self.opt_g.zero_grad(set_to_none=True)
        total.backward()
        logs["g_grad"] = float(torch.nn.utils.clip_grad_norm_(self.generator.parameters(), cfg.clip_norm))
        self.opt_g.step()
        logs.update(total=total.item(), rec=rec.item(), land=land.item(), l1=float(terms["l1"]),
                    msssim=float(terms["msssim"]))
        if not all(math.isfinite(v) for v in logs.values()):
            raise AvdubError(f"training diverged at step {self.step + 1}: {logs}")
        return logs

    # ---- the loop ------------------------------------------------------------------------
    def run(self, reporter: StageReporter, on_step: Callable[[StepStats], None] | None = None) -> TrainResult:
        st = self.settings
        sampler = ddp.make_sampler(self.dataset, self.dist, st.seed)
        loader = DataLoader(self.dataset, batch_size=st.batch_size, sampler=sampler, drop_last=True,
                            num_workers=st.num_workers, pin_memory=self.device.type == "cuda",
                            persistent_workers=st.num_workers > 0)
        if len(loader) == 0:
            raise AvdubError(f"fewer training windows ({len(self.dataset)}) than the batch size ({st.batch_size})")
        start_step, t0 = self.step, time.monotonic()
        last_save, losses, stopped = t0, {}, "done"
        todo = max(0, st.steps - start_step)
        reporter(0, todo, f"step {start_step}/{st.steps}")
        self.generator.train()
        batches = _batches(loader, sampler, st.seed, first_epoch=start_step // len(loader))
        try:
            while self.step < st.steps:
                losses = self.train_step(next(batches))
                self.step += 1
                now = time.monotonic()
                rate = (self.step - start_step) / max(now - t0, 1e-9)
                losses = ddp.mean_over_ranks(losses, self.dist, self.device)
                if on_step is not None:
                    on_step(StepStats(self.step, losses, rate))
                if self.dist.is_main:
                    reporter(self.step - start_step, todo, _describe(self.step, st.steps, losses, rate))
                else:
                    reporter.cancel.check()
                if self.step % st.checkpoint_every == 0 or now - last_save >= st.checkpoint_seconds:
                    self.save(self.elapsed_before + now - t0, losses)
                    last_save = now
                if st.max_seconds is not None and now - t0 >= st.max_seconds and self.step < st.steps:
                    stopped = "time"
                    break
        except JobCancelled:
            self.save(self.elapsed_before + time.monotonic() - t0, losses)
            raise
        seconds = time.monotonic() - t0
        self.save(self.elapsed_before + seconds, losses)
        return TrainResult(self.checkpoint_path, self.step, seconds, stopped, losses)


def _describe(step: int, total: int, losses: dict[str, float], rate: float) -> str:
    parts = [f"step {step}/{total}", f"rec {losses['rec']:.4f}", f"ms-ssim {losses['msssim']:.3f}",
             f"land {losses['land']:.5f}"]
    if "att" in losses:
        parts.append(f"att {losses['att']:.3f} shapes {losses['shapes']:.3f} (max w {losses['att_max']:.2f})")
    if "d_full" in losses:
        parts.append(f"d {losses['d_full'] + losses['d_av']:.3f}")
    parts.append(f"{rate:.2f} step/s")
    return " | ".join(parts)
