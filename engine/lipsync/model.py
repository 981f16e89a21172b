"""The lip-sync generator: masked frames + references + audio + language → mouths (paper fig. 5).

Per frame, the input encoder embeds the frame with its mouth hidden, the audio encoder embeds
24 log-mel frames around it, and soft attention keyed by the audio mixes the N reference
embeddings (and their skips). These and a language embedding are fused into one embedding,
which a 2-layer temporal 1-D convolution aggregates across the window; a landmark head reads
13 jaw/mouth landmarks off it, and the U-Net decoder turns it back into an image.

The model applies the mouth masks itself (inputs: mouth hidden; references: all but the mouth
hidden), so the output cannot depend on hidden pixels whatever a caller passes in.
Images enter and leave in [0, 1]; internally they are mapped to [-1, 1] and masked to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from engine.lipsync.attention import ReferenceAttention, mix
from engine.lipsync.blocks import ResidualMLP
from engine.lipsync.config import LipSyncConfig
from engine.lipsync.decoder import Decoder
from engine.lipsync.encoders import AudioEncoder, ImageEncoder
from engine.lipsync.masks import mouth_mask_tensor


@dataclass
class ReferenceFeatures:
    """Encoded references of B windows: skips per level (B, N, C_k, h_k, w_k); embedding (B, N, C_L)."""

    skips: list[torch.Tensor]

    @property
    def embedding(self) -> torch.Tensor:
        return self.skips[-1].flatten(2)


@dataclass
class LipSyncOutput:
    images: torch.Tensor  # (B, T, 3, R, R) in [0, 1]
    landmarks: torch.Tensor  # (B, T, K, 2) in crop fractions
    attention: torch.Tensor  # (B, T, N)


class TemporalNet(nn.Module):
    """(B, T, D) → (B, T, D): residual 1-D convolutions over time ("same" padding, any T)."""

    def __init__(self, dim: int, layers: int, kernel: int):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv1d(dim, dim, kernel, padding=kernel // 2) for _ in range(layers))

    @property
    def radius(self) -> int:
        """Frames of context on each side that one output frame depends on."""
        return sum(c.kernel_size[0] // 2 for c in self.convs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.transpose(1, 2)  # (B, D, T)
        for conv in self.convs:
            h = h + conv(torch.relu(h))
        return h.transpose(1, 2)


class LipSyncModel(nn.Module):
    def __init__(self, config: LipSyncConfig):
        super().__init__()
        self.config = config
        c_last = config.channels[-1]
        self.input_encoder = ImageEncoder(config)
        self.reference_encoder = ImageEncoder(config)
        self.audio_encoder = AudioEncoder(config)
        self.attention = ReferenceAttention(self.audio_encoder.dim, c_last)
        self.language = nn.Embedding(config.num_languages, config.language_dim)
        self.fuse = nn.Linear(2 * c_last + self.audio_encoder.dim + config.language_dim, config.embed_dim)
        self.temporal = TemporalNet(config.embed_dim, config.temporal_layers, config.temporal_kernel)
        self.landmark_head = nn.Sequential(ResidualMLP(config.embed_dim, layers=1),
                                           nn.Linear(config.embed_dim, 2 * config.num_landmarks))
        nn.init.zeros_(self.landmark_head[-1].weight)
        nn.init.constant_(self.landmark_head[-1].bias, 0.5)  # start at the crop centre (fractions)
        self.decoder = Decoder(config)
        mouth = mouth_mask_tensor(config.resolution, config.mouth_rect)
        self.register_buffer("mouth", mouth, persistent=False)  # (1, 1, R, R) bool

    # ---- masking ---------------------------------------------------------------------------
    def mask_inputs(self, frames: torch.Tensor) -> torch.Tensor:
        """(M, 3, R, R) in [0, 1] → [-1, 1] with the mouth rectangle set to 0."""
        return torch.where(self.mouth, torch.zeros_like(frames), frames * 2 - 1)

    def mask_references(self, refs: torch.Tensor) -> torch.Tensor:
        """(M, 3, R, R) in [0, 1] → [-1, 1] with everything outside the mouth rectangle set to 0."""
        return torch.where(self.mouth, refs * 2 - 1, torch.zeros_like(refs))

    # ---- stages ----------------------------------------------------------------------------
    def encode_references(self, references: torch.Tensor) -> ReferenceFeatures:
        """references (B, N, 3, R, R) in [0, 1] → per-level skips (B, N, C_k, h, w)."""
        b, n = references.shape[:2]
        r = self.config.resolution
        assert references.shape[2:] == (3, r, r), f"bad references {tuple(references.shape)}"
        skips = self.reference_encoder(self.mask_references(references.flatten(0, 1)))
        return ReferenceFeatures([s.unflatten(0, (b, n)) for s in skips])

    def forward(self, frames: torch.Tensor, mel: torch.Tensor, language: torch.Tensor,
                references: torch.Tensor | None = None,
                reference_features: ReferenceFeatures | None = None) -> LipSyncOutput:
        """frames (B, T, 3, R, R) in [0, 1]; mel (B, T, F, L); language (B,) long;
        references (B, N, 3, R, R) in [0, 1] (or their ``reference_features``)."""
        cfg = self.config
        b, t = frames.shape[:2]
        r = cfg.resolution
        assert frames.shape[2:] == (3, r, r), f"bad frames {tuple(frames.shape)}"
        assert mel.shape == (b, t, cfg.mel_bins, cfg.mel_frames), f"bad mel {tuple(mel.shape)}"
        assert language.shape == (b,), f"bad language {tuple(language.shape)}"
        if reference_features is None:
            assert references is not None, "pass references or reference_features"
            reference_features = self.encode_references(references)

        input_skips = self.input_encoder(self.mask_inputs(frames.flatten(0, 1)))  # [(B·T, C_k, h, w)]
        audio_emb, audio_feats = self.audio_encoder(mel.flatten(0, 1))  # (B·T, A), [(B·T, A_k)]
        weights = self.attention(audio_emb.unflatten(0, (b, t)), reference_features.embedding)  # (B, T, N)
        ref_skips = [mix(weights, s) for s in reference_features.skips]  # [(B·T, C_k, h, w)]

        lang = self.language(language)[:, None, :].expand(b, t, -1).flatten(0, 1)  # (B·T, E)
        joint = self.fuse(torch.cat([input_skips[-1].flatten(1), ref_skips[-1].flatten(1), audio_emb, lang], 1))
        joint = self.temporal(joint.unflatten(0, (b, t)))  # (B, T, D)
        landmarks = self.landmark_head(joint).unflatten(-1, (cfg.num_landmarks, 2))  # (B, T, K, 2)
        images = self.decoder(joint.flatten(0, 1), input_skips, ref_skips, audio_feats)
        return LipSyncOutput(images.unflatten(0, (b, t)), landmarks, weights)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
