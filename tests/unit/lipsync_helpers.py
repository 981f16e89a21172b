"""Shared helpers of the lip-sync unit tests: a tiny config and batches from the synthetic head."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from engine.lipsync.config import PRESETS, LipSyncConfig
from engine.lipsync.data.windows import WindowDataset
from tests.synthetic_head import SyntheticTalkingHead

TINY: LipSyncConfig = dataclasses.replace(PRESETS["tiny"], window=5)


def tiny_dataset(frames: int = 40, seed: int = 0, config: LipSyncConfig = TINY) -> WindowDataset:
    return WindowDataset(SyntheticTalkingHead(frames, seed=seed, num_references=config.num_references), config)


def batch_of(dataset: WindowDataset, *indices: int) -> dict[str, torch.Tensor]:
    items = [dataset[i] for i in indices]
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def lip_meshes(features: np.ndarray, mapping: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(F, 478, 2) meshes whose lips move by ``features @ mapping`` (mapping (D, 80)) and whose
    head shifts around."""
    from engine.lipsync.mouth import LIP_INDICES

    base = rng.uniform(60, 200, size=(478, 2))
    out = np.repeat(base[None], len(features), 0)
    out[:, list(LIP_INDICES)] += (features @ mapping).reshape(len(features), len(LIP_INDICES), 2)
    out += rng.normal(0, 6, size=(len(features), 1, 2))  # the whole head moves
    return out
