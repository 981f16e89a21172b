"""Self-describing checkpoints: config + state dicts + training metadata, one file.

The file is a plain dict of tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(path, weights_only=True)`` (no pickled classes, no code execution)::

    {"format": "avdub-lipsync", "version": 1, "config": LipSyncConfig.to_dict(),
     "state": {"generator": …, "disc_full": …, "disc_av": …, "opt_g": …, "opt_d": …},
     "meta": {"step": …, "preset": …, "created": …, "torch": …, …}}

Writes go through the atomic writer (``engine.fsutil.atomic_write``): a crash mid-save leaves
the previous checkpoint intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from engine.errors import AvdubError
from engine.fsutil import atomic_write
from engine.lipsync.config import LipSyncConfig
from engine.lipsync.model.generator import LipSyncModel

FORMAT = "avdub-lipsync"
VERSION = 1


class CheckpointError(AvdubError):
    """A lip-sync checkpoint is missing, unreadable, or not one of ours."""


@dataclass
class Checkpoint:
    config: LipSyncConfig
    state: dict[str, Any]  # state dicts by part name
    meta: dict[str, Any]

    @property
    def step(self) -> int:
        return int(self.meta.get("step", 0))


def save_checkpoint(path: Path, config: LipSyncConfig, state: dict[str, Any], meta: dict[str, Any]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(meta, created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                torch=str(torch.__version__), preset=config.name)
    doc = {"format": FORMAT, "version": VERSION, "config": config.to_dict(), "state": state, "meta": meta}
    with atomic_write(path) as f:
        torch.save(doc, f)


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> Checkpoint:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no lip-sync checkpoint at {path}")
    try:
        doc = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise CheckpointError(f"cannot read the lip-sync checkpoint {path}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an avdub lip-sync checkpoint")
    if int(doc.get("version", 0)) > VERSION:
        raise CheckpointError(f"{path} was written by a newer avdub (checkpoint version {doc['version']})")
    return Checkpoint(LipSyncConfig.from_dict(doc["config"]), doc["state"], doc.get("meta", {}))


def load_generator(path: Path, device: str | torch.device = "cpu") -> LipSyncModel:
    """The generator of a checkpoint, on ``device``, in eval mode."""
    ckpt = load_checkpoint(path, map_location=device)
    model = LipSyncModel(ckpt.config)
    model.load_state_dict(ckpt.state["generator"])
    return model.to(device).eval()
