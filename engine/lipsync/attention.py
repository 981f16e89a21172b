"""Soft attention over the N reference embeddings, keyed by each frame's audio (paper eq. 6).

α_n = exp(−σ·(A·R_n)) / Σ_i exp(−σ·(A·R_i)) with A and R_n projected to a common key space and
σ = 1/√d (we read the paper's σ as the usual dot-product scale; the sign only flips what the
learned projections learn). The same weights mix the references' U-Net skips at every level,
giving each frame a convex combination of reference features.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ReferenceAttention(nn.Module):
    def __init__(self, audio_dim: int, ref_dim: int, key_dim: int = 64):
        super().__init__()
        self.query = nn.Linear(audio_dim, key_dim)
        self.key = nn.Linear(ref_dim, key_dim)
        self.scale = 1.0 / math.sqrt(key_dim)

    def forward(self, audio: torch.Tensor, refs: torch.Tensor) -> torch.Tensor:
        """audio (B, T, A), refs (B, N, C) → weights (B, T, N), rows summing to 1."""
        assert audio.dim() == 3 and refs.dim() == 3 and audio.shape[0] == refs.shape[0]
        logits = -self.scale * torch.einsum("btd,bnd->btn", self.query(audio), self.key(refs))
        return torch.softmax(logits, dim=-1)


def mix(weights: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """weights (B, T, N), features (B, N, C, h, w) → (B·T, C, h, w), the attended references."""
    b, t, n = weights.shape
    assert features.shape[:2] == (b, n), f"{tuple(features.shape)} vs {tuple(weights.shape)}"
    mixed = torch.einsum("btn,bnchw->btchw", weights, features)
    return mixed.flatten(0, 1)
