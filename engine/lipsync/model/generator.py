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

from engine.faces.template import CROP_SIZE
from engine.lipsync.config import LipSyncConfig
from engine.lipsync.masks import mouth_mask_tensor
from engine.lipsync.model.attention import SHAPE_UNIT, ReferenceAttention, ShapeAttention, centred, mix
from engine.lipsync.model.blocks import ResidualMLP
from engine.lipsync.model.decoder import Decoder
from engine.lipsync.model.encoders import AudioEncoder, ImageEncoder


@dataclass
class ReferenceFeatures:
    """Encoded references of B windows: skips per level (B, N, C_k, h_k, w_k); embedding (B, N, C_L);
    with shape attention, their centred mouth shapes (B, N, K, 2) in key units and which are known (B, N)."""

    skips: list[torch.Tensor]
    pixels: torch.Tensor | None = None  # (B, N, 3, R, R) in [0, 1], mouth rectangle only (reference_pixels)
    shapes: torch.Tensor | None = None
    shapes_valid: torch.Tensor | None = None

    @property
    def embedding(self) -> torch.Tensor:
        return self.skips[-1].flatten(2)


@dataclass
class LipSyncOutput:
    images: torch.Tensor  # (B, T, 3, R, R) in [0, 1]
    landmarks: torch.Tensor  # (B, T, K, 2) in crop fractions
    attention: torch.Tensor  # (B, T, N)
    query_shapes: torch.Tensor | None = None  # (B, T, K, 2) shape attention only: from the audio
    # reference_pixels only: the weights that mixed the references (one-hot with top1 selection),
    # the decoded image and the blend weight, so that a caller can redo the blend at full resolution.
    mixing: torch.Tensor | None = None  # (B, T, N)
    decoded: torch.Tensor | None = None  # (B, T, 3, R, R) in [0, 1]
    blend: torch.Tensor | None = None  # (B, T, 1, R, R) in [0, 1], zero outside the mouth rectangle


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
        if config.attention == "shape":
            self.attention = ShapeAttention(self.audio_encoder.dim, config.num_landmarks,
                                            config.attention_temperature,
                                            mel_dim=config.mel_bins * config.mel_frames if config.attention_prior
                                            else None)
        else:
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
    def encode_references(self, references: torch.Tensor, landmarks: torch.Tensor | None = None,
                          landmarks_valid: torch.Tensor | None = None) -> ReferenceFeatures:
        """references (B, N, 3, R, R) in [0, 1] → per-level skips (B, N, C_k, h, w).

        Shape attention also needs their jaw/mouth ``landmarks`` (B, N, K, 2) in crop fractions
        and ``landmarks_valid`` (B, N) bool (default: all known)."""
        cfg = self.config
        b, n = references.shape[:2]
        r = cfg.resolution
        assert references.shape[2:] == (3, r, r), f"bad references {tuple(references.shape)}"
        skips = self.reference_encoder(self.mask_references(references.flatten(0, 1)))
        features = ReferenceFeatures([s.unflatten(0, (b, n)) for s in skips])
        if cfg.reference_pixels:
            features.pixels = references
        if cfg.attention == "shape":
            if landmarks is None:
                raise ValueError("this model's attention is keyed by the references' mouth shapes: "
                                 "pass their landmarks")
            assert landmarks.shape == (b, n, cfg.num_landmarks, 2), f"bad landmarks {tuple(landmarks.shape)}"
            features.shapes = centred(landmarks.float() * (CROP_SIZE / SHAPE_UNIT))
            features.shapes_valid = (landmarks_valid if landmarks_valid is not None
                                     else torch.ones(b, n, dtype=torch.bool, device=landmarks.device))
        return features

    def forward(self, frames: torch.Tensor, mel: torch.Tensor, language: torch.Tensor,
                references: torch.Tensor | None = None,
                reference_features: ReferenceFeatures | None = None,
                reference_landmarks: torch.Tensor | None = None, reference_landmarks_valid: torch.Tensor | None = None,
                teacher_weights: torch.Tensor | None = None, teacher_share: float = 0.0) -> LipSyncOutput:
        """frames (B, T, 3, R, R) in [0, 1]; mel (B, T, F, L); language (B,) long;
        references (B, N, 3, R, R) in [0, 1] (or their ``reference_features``); shape attention
        also takes ``reference_landmarks`` (see :meth:`encode_references`).

        Training only: ``teacher_weights`` (B, T, N) are mixed into the attention weights with
        ``teacher_share`` before they mix the references; the output still reports the model's
        own weights; rows of ``teacher_weights`` that are all zero mean "no target"."""
        cfg = self.config
        b, t = frames.shape[:2]
        r = cfg.resolution
        assert frames.shape[2:] == (3, r, r), f"bad frames {tuple(frames.shape)}"
        assert mel.shape == (b, t, cfg.mel_bins, cfg.mel_frames), f"bad mel {tuple(mel.shape)}"
        assert language.shape == (b,), f"bad language {tuple(language.shape)}"
        if reference_features is None:
            assert references is not None, "pass references or reference_features"
            reference_features = self.encode_references(references, reference_landmarks, reference_landmarks_valid)

        input_skips = self.input_encoder(self.mask_inputs(frames.flatten(0, 1)))  # [(B·T, C_k, h, w)]
        audio_emb, audio_feats = self.audio_encoder(mel.flatten(0, 1))  # (B·T, A), [(B·T, A_k)]
        if cfg.attention == "shape":
            att = self.attention(audio_emb.unflatten(0, (b, t)), reference_features.shapes,
                                 reference_features.shapes_valid, mel)
        else:
            att = self.attention(audio_emb.unflatten(0, (b, t)), reference_features.embedding)
        weights = att.weights  # (B, T, N)
        mixing = weights
        if teacher_weights is not None and teacher_share > 0:
            assert teacher_weights.shape == weights.shape, f"bad teacher {tuple(teacher_weights.shape)}"
            # Frames without a target (all-zero rows) keep the model's own weights.
            known = teacher_weights.sum(-1, keepdim=True) > 0
            teacher = torch.where(known, teacher_weights.to(weights.dtype), weights)
            mixing = (1 - teacher_share) * weights + teacher_share * teacher
        if cfg.attention_selection == "top1":
            # One reference per frame (a soft mix of real mouths is a ghosted one); the gradient
            # goes to the soft weights as if they had been used (straight-through).
            hard = torch.nn.functional.one_hot(mixing.argmax(-1), mixing.shape[-1]).to(mixing.dtype)
            mixing = hard + mixing - mixing.detach()
        ref_skips = [mix(mixing, s) for s in reference_features.skips]  # [(B·T, C_k, h, w)]

        lang = self.language(language)[:, None, :].expand(b, t, -1).flatten(0, 1)  # (B·T, E)
        joint = self.fuse(torch.cat([input_skips[-1].flatten(1), ref_skips[-1].flatten(1), audio_emb, lang], 1))
        joint = self.temporal(joint.unflatten(0, (b, t)))  # (B, T, D)
        landmarks = self.landmark_head(joint).unflatten(-1, (cfg.num_landmarks, 2))  # (B, T, K, 2)
        images = self.decoder(joint.flatten(0, 1), input_skips, ref_skips, audio_feats)  # (B·T, 3|4, R, R)
        if not cfg.reference_pixels:
            return LipSyncOutput(images.unflatten(0, (b, t)), landmarks, weights, att.query_shapes)
        ref_pixels = mix(mixing, reference_features.pixels.to(images.dtype))  # (B·T, 3, R, R)
        blend = images[:, 3:] * self.mouth  # the reference mouth counts only inside the rectangle
        decoded = images[:, :3]
        images = blend * ref_pixels + (1 - blend) * decoded
        return LipSyncOutput(images.unflatten(0, (b, t)), landmarks, weights, att.query_shapes,
                             mixing=mixing, decoded=decoded.unflatten(0, (b, t)), blend=blend.unflatten(0, (b, t)))


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
