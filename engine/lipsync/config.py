"""Configuration of the lip-sync model and its training: one frozen dataclass, named presets.

``paper`` is the network of the paper's appendix A (256 px, encoder widths
16→32→64→128→256→256→512→512→512, 10 references, 9-frame windows) for a data-centre GPU;
``fast`` keeps 256 px (crops are pasted at 256) with half the widths for a consumer GPU;
``cpu`` works at 128 px with narrow layers so that fine-tuning on two CPU cores takes minutes.
The encoder has one stride-1 block followed by log2(resolution) stride-2 blocks, so that the
bottleneck is always 1×1: ``len(channels) == log2(resolution) + 1`` (9 blocks at 256 px).
A config is stored in every checkpoint as a plain dict (:meth:`to_dict` / :meth:`from_dict`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from engine.faces.template import MOUTH_RECT  # hides the mouth and its context (§3.1.2, rule 2)
from engine.languages import LANGUAGE_NAMES

NUM_LANDMARKS = 13  # jaw + mouth landmarks regressed by the landmark head (§3.1.5)
# Frames of a track whose model-resolution crops the training cache keeps (on disk, mapped):
# ≈ 2 min at 25 fps, 147 MB at 128 px, 590 MB at 256 px.
DEFAULT_CACHE_FRAMES = 3000

# Language ids: 0 is "unknown", then the languages avdub knows, in a fixed (sorted) order so
# that ids stay stable across versions as long as languages are only appended.
LANGUAGES: tuple[str, ...] = ("",) + tuple(sorted(LANGUAGE_NAMES))


def language_id(code: str | None) -> int:
    """The embedding index of an ISO 639-1 code; unknown codes map to 0."""
    try:
        return LANGUAGES.index(code or "")
    except ValueError:
        return 0


@dataclass(frozen=True)
class LipSyncConfig:
    name: str = "paper"
    resolution: int = 256  # px of the square model input/output
    channels: tuple[int, ...] = (16, 32, 64, 128, 256, 256, 512, 512, 512)  # encoder block widths
    embed_dim: int = 512  # per-frame joint embedding (temporal network width)
    num_references: int = 10  # N reference crops per window (K-means clusters)
    window: int = 9  # frames per training window
    temporal_layers: int = 2
    temporal_kernel: int = 3
    # Audio: log-mel at 100 Hz, 24 frames (240 ms) centred on each video frame.
    mel_bins: int = 80
    mel_frames: int = 24
    audio_channels: tuple[int, ...] = (128, 512)  # the two residual Conv1D blocks (k=5, stride 2)
    audio_skip_ratio: int = 4  # decoder audio features per level: channels[k] // ratio
    num_languages: int = len(LANGUAGES)
    language_dim: int = 16
    num_landmarks: int = NUM_LANDMARKS
    mouth_rect: tuple[float, float, float, float] = MOUTH_RECT
    groups: int = 8  # GroupNorm groups (batch-size independent: batches are 1–2 per worker)
    # Discriminators: base widths; the audio-visual one sees the window at resolution // 4.
    disc_full_channels: tuple[int, ...] = (32, 64, 128, 256, 256)
    disc_av_channels: tuple[int, ...] = (32, 64, 128, 256)
    # Losses and optimisation (§3.1.5).
    msssim_weight: float = 0.86  # α in L_rec = α·(1 − MS-SSIM) + (1 − α)·L1
    landmark_weight: float = 100.0
    gan_weight: float = 1e-4
    lr_generator: float = 5e-4
    lr_discriminator: float = 1e-4
    clip_norm: float = 10.0
    # Reference attention: "dot" is the paper's (eq. 6); "shape" keys it in a mouth-shape space
    # supervised with landmarks (engine/lipsync/model/attention.py; not in the paper). With "shape",
    # each frame's weights are also pulled (cross-entropy × attention_weight) towards
    # softmax(−d / attention_temperature), d being the distance in template pixels between the
    # frame's real mouth shape and each reference's, and the predicted shapes are regressed on
    # the real ones (× attention_weight). Without it, a briefly fine-tuned model keeps a uniform
    # attention (the decoder sees the average of the reference mouths, a blurred half-open
    # mouth) and ignores the audio. For the first attention_teacher_steps steps the decoder
    # mixes the references with the target weights themselves (share decaying 1 → 0), so that
    # it learns to draw the mouth from the chosen reference while the audio learns to choose it.
    attention: str = "dot"
    attention_weight: float = 0.0
    attention_temperature: float = 0.5  # template pixels
    attention_teacher_steps: int = 0
    # With "shape": a closed-form (ridge) map from the log-mel window to the mouth shape is fitted
    # on the speaker's training frames before the first step and added to the query
    # (engine/lipsync/training/shape_prior.py). attention_selection "top1": each frame takes the single
    # reference with the largest weight instead of the soft mix (in training with a
    # straight-through gradient to the soft weights), because a mix of several real mouths is a
    # ghosted, blurred mouth; training and inference then see the same kind of input.
    attention_prior: bool = False
    attention_selection: str = "soft"
    # Reference pixel skip (not in the paper): the decoder also outputs a blend weight, and
    # inside the mouth rectangle the frame becomes weight × (the attended references' own
    # pixels) + (1 − weight) × the decoded image, so that a briefly trained model shows a sharp
    # real mouth chosen by the audio instead of a blurred decoded one. Starts at weight ≈ 0.88.
    reference_pixels: bool = False
    # At inference, the chosen reference's share inside the mouth rectangle is at least this.
    # The decoded share is the loss-optimal average of the mouths that audio could mean — a soft
    # lip — and where the blend left it half the weight the mouth lost half its sharpness
    # (measured: docs/lipsync.md, "Why the code is as it is").
    reference_blend_floor: float = 0.0
    # Silence augmentation: with this probability a training window's nearly closed frames
    # (opening at most the track's silence_quantile) hear digital silence instead of their
    # audio, so that a silent stretch of a dub closes the mouth.
    silence_probability: float = 0.0
    # A mouth at rest: the most closed tenth (a quarter is too open for a presenter who talks
    # with the lips apart, and teaches silence to open the mouth: docs/lipsync.md).
    # The shape prior's silence shape uses the same frames (engine/lipsync/training/shape_prior.py).
    silence_quantile: float = 0.1

    def __post_init__(self) -> None:
        levels = math.log2(self.resolution)
        if not levels.is_integer():
            raise ValueError(f"resolution must be a power of two, got {self.resolution}")
        if len(self.channels) != int(levels) + 1:
            raise ValueError(f"{self.resolution} px needs {int(levels) + 1} encoder widths "
                             f"(1 stride-1 + {int(levels)} stride-2 blocks), got {len(self.channels)}")
        if self.window < 1 or self.num_references < 1:
            raise ValueError("window and num_references must be positive")
        if self.attention not in ("dot", "shape"):
            raise ValueError(f"attention must be 'dot' or 'shape', got {self.attention!r}")
        if self.attention_selection not in ("soft", "top1"):
            raise ValueError(f"attention_selection must be 'soft' or 'top1', got {self.attention_selection!r}")
        if not 0.0 <= self.reference_blend_floor <= 1.0:
            raise ValueError(f"reference_blend_floor must lie in [0, 1], got {self.reference_blend_floor}")
        if self.attention_prior and self.attention != "shape":
            raise ValueError("attention_prior needs attention='shape'")
        if self.resolution // 4 < 8:
            raise ValueError("resolution too small for the ¼-resolution discriminator")

    @property
    def levels(self) -> int:
        """Encoder blocks = decoder blocks = U-Net levels; level k works at resolution / 2**k."""
        return len(self.channels)

    @property
    def audio_skip_channels(self) -> tuple[int, ...]:
        return tuple(max(4, c // self.audio_skip_ratio) for c in self.channels)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LipSyncConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**kwargs)


PRESETS: dict[str, LipSyncConfig] = {
    "paper": LipSyncConfig(),
    "fast": LipSyncConfig(
        name="fast", channels=(8, 16, 32, 64, 128, 128, 256, 256, 256), embed_dim=256,
        audio_channels=(128, 256), disc_full_channels=(16, 32, 64, 128, 128), disc_av_channels=(16, 32, 64, 128),
        attention="shape", attention_weight=1.0, attention_teacher_steps=1000, reference_pixels=True, silence_probability=0.3,
        attention_prior=True, attention_selection="top1", reference_blend_floor=0.9,
    ),
    "cpu": LipSyncConfig(
        name="cpu", resolution=128, channels=(8, 16, 32, 48, 64, 96, 128, 128), embed_dim=128,
        audio_channels=(64, 128), language_dim=8, groups=4,
        disc_full_channels=(16, 32, 48, 64, 64), disc_av_channels=(16, 32, 48),
        attention="shape", attention_weight=1.0, attention_teacher_steps=500, reference_pixels=True, silence_probability=0.3,
        attention_prior=True, attention_selection="top1", reference_blend_floor=0.9,
    ),
    # A few-second model for unit tests only.
    "tiny": LipSyncConfig(
        name="tiny", resolution=64, channels=(8, 8, 16, 16, 32, 32, 32), embed_dim=32, num_references=3,
        audio_channels=(16, 32), language_dim=4, groups=4,
        disc_full_channels=(8, 16, 16, 16), disc_av_channels=(8, 16),
    ),
}


def preset(name: str) -> LipSyncConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown lip-sync preset '{name}'; choose one of {', '.join(PRESETS)}") from None
