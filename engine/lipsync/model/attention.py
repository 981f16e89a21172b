"""Soft attention over the N reference embeddings, keyed by each frame's audio (paper eq. 6).

``dot`` (the paper): α_n = exp(−σ·(A·R_n)) / Σ_i exp(−σ·(A·R_i)) with A and R_n projected to a
common key space and σ = 1/√d (we read the paper's σ as the usual dot-product scale; the sign
only flips what the learned projections learn).

``shape`` (our variant for short fine-tuning, ``LipSyncConfig.attention``): the common key
space is the mouth shape itself — the 13 jaw/mouth landmarks, centred, in units of
``SHAPE_UNIT`` template pixels. The key of a reference is its own tracked mouth shape (the
references are frames of the same track, whose landmarks the face pipeline knows); the query
head predicts the frame's mouth shape from its audio (as a change from the references' mean
shape), supervised with the frame's landmarks
during training; and α_n = softmax_n(−d(q, k_n) / τ), d being the mean point distance and τ
the temperature in template pixels, over the 8 lip points (:func:`shape_distance`). At
inference the query runs on audio alone. Randomly
initialised dot-product attention stays uniform through a few thousand steps (the decoder
then sees the average reference mouth, a blurred half-open mouth); shape keys give it
something to select by from the first steps.

Either way the same weights mix the references' U-Net skips at every level, giving each frame
a convex combination of reference features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from engine.lipsync.mel import silence_share

SHAPE_UNIT = 10.0  # template pixels per unit of the shape key space (keeps values near ±4)


@dataclass
class AttentionResult:
    weights: torch.Tensor  # (B, T, N), rows summing to 1
    query_shapes: torch.Tensor | None = None  # (B, T, K, 2) centred frame mouth shapes predicted from audio


def centred(shapes: torch.Tensor) -> torch.Tensor:
    """(…, K, 2) points → the same with their mean removed."""
    return shapes - shapes.mean(-2, keepdim=True)


LIP_ROWS = 8  # the first rows of MOUTH_JAW: mouth corners, outer and inner lips (the rest is jaw)


def shape_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a (B, T, K, 2), b (B, N, K, 2) → (B, T, N): mean distance of corresponding lip points.

    Only the lip rows count. The jaw contour moves with head pose and expression: over all 13
    points, a silent query of a fine-tuned model sat nearer a 17.6 px open mouth with the usual
    jaw (0.34) than the closed resting mouth (0.35), and a dub opened the mouth in its silences;
    over the lips alone the resting mouth is nearer (0.27 against 0.38)."""
    return (a[:, :, None, :LIP_ROWS] - b[:, None, :, :LIP_ROWS]).norm(dim=-1).mean(-1)


class ReferenceAttention(nn.Module):
    """Dot-product attention of the paper (eq. 6)."""

    def __init__(self, audio_dim: int, ref_dim: int, key_dim: int = 64):
        super().__init__()
        self.query = nn.Linear(audio_dim, key_dim)
        self.key = nn.Linear(ref_dim, key_dim)
        self.scale = 1.0 / math.sqrt(key_dim)

    def forward(self, audio: torch.Tensor, refs: torch.Tensor) -> AttentionResult:
        """audio (B, T, A), refs (B, N, C) → weights (B, T, N), rows summing to 1."""
        assert audio.dim() == 3 and refs.dim() == 3 and audio.shape[0] == refs.shape[0]
        logits = -self.scale * torch.einsum("btd,bnd->btn", self.query(audio), self.key(refs))
        return AttentionResult(torch.softmax(logits, dim=-1))


class ShapeAttention(nn.Module):
    """Attention in the mouth-shape key space (see the module docstring)."""

    def __init__(self, audio_dim: int, num_landmarks: int, temperature: float, hidden: int = 128,
                 mel_dim: int | None = None):
        super().__init__()
        self.num_landmarks = num_landmarks
        self.temperature = temperature / SHAPE_UNIT  # template px → key units
        self.query = nn.Sequential(nn.Linear(audio_dim, hidden), nn.ReLU(), nn.Linear(hidden, 2 * num_landmarks))
        nn.init.zeros_(self.query[-1].weight)  # start at the references' mean shape
        nn.init.zeros_(self.query[-1].bias)
        # At inference the learned change counts this much (1 or 0, chosen on held-out frames
        # by engine.lipsync.training.query_residual_check); training always uses it.
        self.register_buffer("residual_gain", torch.ones(()))
        self.mel_dim = mel_dim
        if mel_dim is not None:
            # A fixed linear map from the flattened log-mel window, set in closed form per speaker
            # (engine.lipsync.training.shape_prior); buffers, not parameters: gradient steps would only
            # wander from the exact least-squares solution. Zero until fitted.
            self.register_buffer("prior_weight", torch.zeros(2 * num_landmarks, mel_dim))  # (2K, F·L)
            self.register_buffer("prior_bias", torch.zeros(2 * num_landmarks))  # (2K,)
            self.register_buffer("prior_silence", torch.zeros(2 * num_landmarks))  # (2K,) change in silence
            # At inference the map's speech prediction is moved away from its mean over the
            # speaker's speech by ``prior_gain`` (ridge shrinks it towards the mean; see
            # engine.lipsync.training.shape_prior.INFERENCE_GAIN). Training uses the plain map.
            self.register_buffer("prior_mean", torch.zeros(2 * num_landmarks))  # (2K,)
            self.register_buffer("prior_gain", torch.ones(()))

    def set_prior(self, weight: torch.Tensor, bias: torch.Tensor, silence: torch.Tensor,
                  mean: torch.Tensor | None = None, gain: float = 1.0) -> None:
        """Install a fitted audio → shape-change map: weight (2K, F·L), bias (2K,), the change
        for digital silence (2K,), the mean prediction over speech (2K,) and the inference gain,
        in key units (engine.lipsync.training.shape_prior)."""
        assert self.mel_dim is not None, "this attention was built without an audio prior"
        assert weight.shape == self.prior_weight.shape and bias.shape == silence.shape == self.prior_bias.shape
        self.prior_weight.copy_(weight)
        self.prior_bias.copy_(bias)
        self.prior_silence.copy_(silence)
        self.prior_mean.copy_(bias if mean is None else mean)
        self.prior_gain.fill_(gain)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Checkpoints written before the inference gains existed: their query is used as it was.
        if prefix + "query.0.weight" in state_dict:
            state_dict.setdefault(prefix + "residual_gain", torch.ones_like(self.residual_gain))
        if self.mel_dim is not None and prefix + "prior_weight" in state_dict:
            state_dict.setdefault(prefix + "prior_mean", torch.zeros_like(self.prior_mean))
            state_dict.setdefault(prefix + "prior_gain", torch.ones_like(self.prior_gain))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, audio: torch.Tensor, ref_shapes: torch.Tensor, ref_valid: torch.Tensor,
                mel: torch.Tensor | None = None) -> AttentionResult:
        """audio (B, T, A), ref_shapes (B, N, K, 2) centred in key units, ref_valid (B, N) bool,
        mel (B, T, F, L) the log-mel windows (needed with a prior)
        → weights (B, T, N) (zero on invalid references) and the predicted shapes."""
        b, n = ref_shapes.shape[:2]
        assert audio.dim() == 3 and audio.shape[0] == b and ref_valid.shape == (b, n)
        assert bool(ref_valid.any(-1).all()), "every window needs a reference with a known mouth shape"
        # The query is the references' mean shape plus an audio-driven change: a prior that is
        # right from the first step (Adam moves a weight by about lr per step, so regressing
        # whole shapes of ±6 units from zero would take thousands of steps).
        v = ref_valid[..., None, None].to(ref_shapes.dtype)
        anchor = (ref_shapes * v).sum(1, keepdim=True) / v.sum(1, keepdim=True)  # (B, 1, K, 2)
        change = self.query(audio)  # (B, T, 2K)
        if not self.training:
            change = change * self.residual_gain.to(change.dtype)
        if self.mel_dim is not None:
            assert mel is not None and mel.shape[:2] == audio.shape[:2], "pass the log-mel windows"
            speech = mel.float().flatten(2) @ self.prior_weight.T + self.prior_bias  # (B, T, 2K)
            if not self.training:
                speech = self.prior_mean + self.prior_gain * (speech - self.prior_mean)
            silent = silence_share(mel.float())[..., None]  # (B, T, 1)
            change = change + ((1 - silent) * speech + silent * self.prior_silence).to(change.dtype)
        change = change.unflatten(-1, (self.num_landmarks, 2))  # (B, T, K, 2)
        q = centred(anchor.to(change.dtype) + change)
        logits = -shape_distance(q.float(), ref_shapes.float()) / self.temperature  # (B, T, N)
        logits = logits.masked_fill(~ref_valid[:, None, :], float("-inf"))
        return AttentionResult(torch.softmax(logits, dim=-1).to(audio.dtype), q)


def mix(weights: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """weights (B, T, N), features (B, N, C, h, w) → (B·T, C, h, w), the attended references."""
    b, t, n = weights.shape
    assert features.shape[:2] == (b, n), f"{tuple(features.shape)} vs {tuple(weights.shape)}"
    mixed = torch.einsum("btn,bnchw->btchw", weights, features)
    return mixed.flatten(0, 1)
