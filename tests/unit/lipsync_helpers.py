"""Shared helpers of the lip-sync unit tests: a tiny config and batches from the synthetic head."""

from __future__ import annotations

import dataclasses

import torch

from engine.lipsync.config import PRESETS, LipSyncConfig
from engine.lipsync.data import WindowDataset
from engine.lipsync.synthetic import SyntheticTalkingHead

TINY: LipSyncConfig = dataclasses.replace(PRESETS["tiny"], window=5)


def tiny_dataset(frames: int = 40, seed: int = 0, config: LipSyncConfig = TINY) -> WindowDataset:
    return WindowDataset(SyntheticTalkingHead(frames, seed=seed, num_references=config.num_references), config)


def batch_of(dataset: WindowDataset, *indices: int) -> dict[str, torch.Tensor]:
    items = [dataset[i] for i in indices]
    return {k: torch.stack([it[k] for it in items]) for k in items[0]}
