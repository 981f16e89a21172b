"""Encoders: the image encoder (input frames and, as a second instance, references) and the
audio encoder with its residual MLP that feeds every decoder resolution.

Image encoder (paper table 5): block 0 keeps the resolution, blocks 1… halve it, down to a
1×1 bottleneck; every block's output is kept for the U-Net skips. Audio encoder (table 6): two
residual Conv1D blocks (k=5, stride 2) over the 24 log-mel frames (24 → 12 → 6), global
average pool, then a residual MLP and one linear map per decoder level.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.lipsync.config import LipSyncConfig
from engine.lipsync.model.blocks import ResBlock1d, ResBlock2d, ResidualMLP


class ImageEncoder(nn.Module):
    """(B, 3, R, R) in [-1, 1] → list of L skips, skip k: (B, channels[k], R / 2**k, R / 2**k)."""

    def __init__(self, config: LipSyncConfig):
        super().__init__()
        self.config = config
        widths = (3,) + tuple(config.channels)
        self.blocks = nn.ModuleList(
            ResBlock2d(widths[k], widths[k + 1], stride=1 if k == 0 else 2, groups=config.groups)
            for k in range(config.levels)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        r = self.config.resolution
        assert x.shape[1:] == (3, r, r), f"expected (B, 3, {r}, {r}), got {tuple(x.shape)}"
        skips = []
        for block in self.blocks:
            x = block(x)
            skips.append(x)
        assert skips[-1].shape[2:] == (1, 1), "the bottleneck must be 1×1"
        return skips


class AudioEncoder(nn.Module):
    """(B, mel_bins, mel_frames) → embedding (B, A) and per-level features [(B, audio_skip_channels[k])]."""

    def __init__(self, config: LipSyncConfig):
        super().__init__()
        self.config = config
        c1, c2 = config.audio_channels
        self.conv = nn.Sequential(
            ResBlock1d(config.mel_bins, c1, stride=2, kernel=5, groups=config.groups),  # 24 → 12 frames
            ResBlock1d(c1, c2, stride=2, kernel=5, groups=config.groups),  # 12 → 6 frames
        )
        self.mlp = ResidualMLP(c2, layers=2)
        self.to_levels = nn.ModuleList(nn.Linear(c2, c) for c in config.audio_skip_channels)

    @property
    def dim(self) -> int:
        return self.config.audio_channels[-1]

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        cfg = self.config
        assert mel.shape[1:] == (cfg.mel_bins, cfg.mel_frames), f"bad mel shape {tuple(mel.shape)}"
        emb = self.conv(mel).mean(dim=2)  # global pool over time: (B, A)
        hidden = self.mlp(emb)
        return emb, [torch.relu(lin(hidden)) for lin in self.to_levels]
