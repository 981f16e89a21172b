"""Building blocks: pre-activation (ResNet-v2) residual blocks in 2-D and 1-D, a residual MLP.

A pre-activation block is Norm → ReLU → Conv → Norm → ReLU → Conv plus a shortcut (identity,
or a 1×1 convolution when the width or the stride changes), as the paper's "ResNet-v2 blocks
with 2 Norm-Conv-ReLU layers per block". GroupNorm is used because per-worker batches are
1–2 windows (BatchNorm statistics would be noise) and it behaves the same in training and
inference.
"""

from __future__ import annotations

import torch
from torch import nn


def group_norm(channels: int, groups: int) -> nn.GroupNorm:
    """GroupNorm with as many groups as divide ``channels`` (at most ``groups``)."""
    g = max(1, min(groups, channels))
    while channels % g:
        g -= 1
    return nn.GroupNorm(g, channels)


class ResBlock2d(nn.Module):
    """(B, C_in, H, W) → (B, C_out, H / stride, W / stride)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, groups: int = 8):
        super().__init__()
        self.norm1 = group_norm(c_in, groups)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)
        self.norm2 = group_norm(c_out, groups)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = (nn.Identity() if c_in == c_out and stride == 1
                         else nn.Conv2d(c_in, c_out, 1, stride=stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(torch.relu(self.norm1(x)))
        h = self.conv2(torch.relu(self.norm2(h)))
        return self.shortcut(x) + h


class ResBlock1d(nn.Module):
    """(B, C_in, L) → (B, C_out, L / stride); kernel 5 as in the paper's audio encoder."""

    def __init__(self, c_in: int, c_out: int, stride: int = 2, kernel: int = 5, groups: int = 8):
        super().__init__()
        pad = kernel // 2
        self.norm1 = group_norm(c_in, groups)
        self.conv1 = nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=pad)
        self.norm2 = group_norm(c_out, groups)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel, padding=pad)
        self.shortcut = (nn.Identity() if c_in == c_out and stride == 1
                         else nn.Conv1d(c_in, c_out, 1, stride=stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(torch.relu(self.norm1(x)))
        h = self.conv2(torch.relu(self.norm2(h)))
        return self.shortcut(x) + h


class ResidualMLP(nn.Module):
    """(B, D) → (B, D): ``layers`` pre-activation residual linear layers."""

    def __init__(self, dim: int, layers: int = 2):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(dim), nn.ReLU(), nn.Linear(dim, dim)) for _ in range(layers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = x + layer(x)
        return x
