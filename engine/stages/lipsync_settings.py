"""Project settings of the lip-sync stages (``project.settings["lipsync"]``), without importing torch.

User choices live beside what the stages record, in one dict::

    {"preset": "cpu", "steps": 2000, "minutes": 30, "threads": 1, "base": "/path/base.ckpt",
     "cache_frames": 3000, "batch_size": 1, "use_gan": true, "seed": 0,   # train
     "chunk_frames": 100, "batch_frames": 16,                            # lipsync
     "model": {...},  "chunks": {...}, "last_run": {...}}                # recorded by the stages

The choices are typed by :class:`engine.project.settings.LipSyncChoices`, checked when the
project loads and, for a run's overrides (``RunOptions.extra["lipsync"]``), here. Defaults depend on the
device: on CUDA the ``fast`` preset for the paper's 10 000 fine-tuning steps, unbounded in time;
on CPU the ``cpu`` preset, 2000 steps, at most 30 minutes, on one thread (on a busy 2-core
machine two threads ran 7.5× slower than one).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from engine.errors import AvdubError
from engine.faces.chunks import DEFAULT_MAX_FRAMES
from engine.lipsync.config import DEFAULT_CACHE_FRAMES
from engine.project.settings import LIPSYNC, LipSyncChoices, choices_of
from engine.stages.context import StageContext

KEY = LIPSYNC
CHOICES = tuple(f.name for f in fields(LipSyncChoices))  # typed, checked when the project loads


def cuda_wanted(device: str) -> bool:
    if device == "cpu":
        return False
    import torch

    return torch.cuda.is_available()


@dataclass(frozen=True)
class LipSyncSettings:
    preset: str | None  # None only when starting from a base checkpoint: its own preset
    steps: int
    minutes: float | None
    threads: int | None
    base: str | None  # checkpoint to fine-tune from (absolute path)
    cache_frames: int
    batch_size: int
    use_gan: bool
    seed: int
    chunk_frames: int
    batch_frames: int
    device: str  # "cpu" or "cuda"


def choices(ctx: StageContext) -> dict[str, Any]:
    """The user's choices made (project settings, then this run's overrides), checked and typed;
    a choice left out is absent, so its default can depend on the device."""
    saved = ctx.project.settings.get(KEY, {})
    extra = dict(ctx.options.extra.get(KEY, {}))
    unknown = set(extra) - set(CHOICES)
    if unknown:
        raise AvdubError(f"unknown lip-sync settings {sorted(unknown)}; known: {', '.join(CHOICES)}")
    overrides = {k: v for k, v in extra.items() if v is not None}
    typed: LipSyncChoices = choices_of(ctx.project.settings, KEY, overrides)
    made = {k for k in CHOICES if k in saved} | set(overrides)
    return {k: getattr(typed, k) for k in CHOICES if k in made}


MODEL_CHOICES = ("preset", "steps", "base", "cache_frames", "batch_size", "use_gan", "seed")


def model_choices(ctx: StageContext) -> dict[str, Any]:
    """What defines the fine-tuned model, defaults filled in. Torch is imported (to ask for CUDA)
    only while a device-dependent default is still open; the train stage stores these values,
    so `avdub info` on a trained project stays light."""
    c = choices(ctx)
    open_defaults = {"steps", "batch_size"} - set(c)
    if not c.get("preset") and not c.get("base"):
        open_defaults.add("preset")
    cuda = cuda_wanted(ctx.options.device) if open_defaults else False
    return {
        "preset": c.get("preset") or (None if c.get("base") else ("fast" if cuda else "cpu")),
        "steps": int(c.get("steps", 10_000 if cuda else 2000)),
        "base": c.get("base"),
        "cache_frames": int(c.get("cache_frames", DEFAULT_CACHE_FRAMES)),
        "batch_size": int(c.get("batch_size", 2 if cuda else 1)),
        "use_gan": bool(c.get("use_gan", True)),
        "seed": int(c.get("seed", 0)),
    }


def settings_of(ctx: StageContext) -> LipSyncSettings:
    """Everything a run needs (this one asks torch for CUDA unless the device is ``cpu``)."""
    c = choices(ctx)
    cuda = cuda_wanted(ctx.options.device)
    threads = c.get("threads", ctx.options.threads)
    return LipSyncSettings(
        **model_choices(ctx), minutes=_minutes(c.get("minutes", None if cuda else 30.0)),
        threads=None if cuda else int(threads or 1),
        chunk_frames=chunk_frames(ctx), batch_frames=int(c.get("batch_frames", 16)), device="cuda" if cuda else "cpu")


def chunk_frames(ctx: StageContext) -> int:
    return int(choices(ctx).get("chunk_frames", DEFAULT_MAX_FRAMES))


def _minutes(value: Any) -> float | None:
    return None if value is None or float(value) <= 0 else float(value)  # 0: no time limit


def remembered(ctx: StageContext, keys: tuple[str, ...]) -> dict[str, Any]:
    """The choices among ``keys`` in force for this run (project or override), to store back:
    what defines a stage's output is remembered, so a later plain run finds it up to date."""
    c = choices(ctx)
    return {k: c[k] for k in keys if k in c}


def record(ctx: StageContext, **entries: Any) -> None:
    """Store stage records (and remembered choices) in ``project.settings["lipsync"]``."""
    ctx.project.settings = {**ctx.project.settings, KEY: {**ctx.project.settings.get(KEY, {}), **entries}}
