"""The two discriminators of the paper's dual set-up (§3.1.5, after DVD-GAN).

* :class:`FrameTripletDiscriminator` — full resolution, 3 consecutive frames: a 3-D
  convolution fuses the three frames (time kernel 3), then strided 2-D convolutions give a
  patch map whose mean is the score. It judges sharpness and short-range motion.
* :class:`AudioVisualDiscriminator` — the whole window at ¼ resolution plus its audio: strided
  3-D convolutions give one video feature per frame, a small Conv1D encoder one audio feature
  per frame, and the score is a projection discriminator (Miyato & Koyama 2018) averaged over
  time: ψ(v_t) + ⟨embed(a_t), v_t⟩. Trained with mismatched audio as extra negatives, it judges
  whether the mouths move with the sound.
Spectral normalisation on every weight keeps the hinge critics Lipschitz.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from engine.lipsync.config import LipSyncConfig

TRIPLET = 3  # frames the full-resolution discriminator sees at once
AV_SCALE = 4  # the audio-visual discriminator works at resolution / 4


class FrameTripletDiscriminator(nn.Module):
    """(B, 3, 3, R, R) frames in [0, 1] → (B,) scores."""

    def __init__(self, config: LipSyncConfig):
        super().__init__()
        self.config = config
        ch = config.disc_full_channels
        self.fuse = spectral_norm(nn.Conv3d(3, ch[0], (TRIPLET, 4, 4), stride=(1, 2, 2), padding=(0, 1, 1)))
        layers: list[nn.Module] = []
        for c_in, c_out in zip(ch[:-1], ch[1:]):
            layers += [nn.LeakyReLU(0.2), spectral_norm(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1))]
        layers += [nn.LeakyReLU(0.2), spectral_norm(nn.Conv2d(ch[-1], 1, 3, padding=1))]
        self.body = nn.Sequential(*layers)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        r = self.config.resolution
        assert frames.shape[1:] == (TRIPLET, 3, r, r), f"bad triplet {tuple(frames.shape)}"
        x = self.fuse(frames.transpose(1, 2) * 2 - 1).squeeze(2)  # (B, C0, R/2, R/2)
        return self.body(x).flatten(1).mean(1)


class AudioVisualDiscriminator(nn.Module):
    """frames (B, T, 3, R/4, R/4) in [0, 1] and mel (B, T, F, L) → (B,) scores."""

    def __init__(self, config: LipSyncConfig):
        super().__init__()
        self.config = config
        ch = config.disc_av_channels
        layers: list[nn.Module] = []
        c_prev = 3
        for c in ch:
            layers += [spectral_norm(nn.Conv3d(c_prev, c, (3, 4, 4), stride=(1, 2, 2), padding=(1, 1, 1))),
                       nn.LeakyReLU(0.2)]
            c_prev = c
        self.video = nn.Sequential(*layers)
        a = ch[-1]
        self.audio = nn.Sequential(
            spectral_norm(nn.Conv1d(config.mel_bins, a, 5, stride=2, padding=2)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv1d(a, a, 5, stride=2, padding=2)), nn.LeakyReLU(0.2),
        )
        self.temporal = spectral_norm(nn.Conv1d(c_prev, c_prev, 3, padding=1))
        self.psi = spectral_norm(nn.Linear(c_prev, 1))
        self.embed_audio = spectral_norm(nn.Linear(a, c_prev))

    @property
    def size(self) -> int:
        return self.config.resolution // AV_SCALE

    def downsample(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, R, R) → (B, T, 3, R/4, R/4) by 4×4 average pooling."""
        return F.avg_pool2d(frames.flatten(0, 1), AV_SCALE).unflatten(0, frames.shape[:2])

    def forward(self, frames: torch.Tensor, mel: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        b, t = frames.shape[:2]
        assert frames.shape[2:] == (3, self.size, self.size), f"bad frames {tuple(frames.shape)}"
        assert mel.shape == (b, t, cfg.mel_bins, cfg.mel_frames), f"bad mel {tuple(mel.shape)}"
        v = self.video(frames.transpose(1, 2) * 2 - 1).mean(dim=(3, 4))  # (B, C, T)
        v = F.leaky_relu(v + self.temporal(v), 0.2).transpose(1, 2)  # (B, T, C)
        a = self.audio(mel.flatten(0, 1)).mean(2).unflatten(0, (b, t))  # (B, T, A)
        score = self.psi(v).squeeze(-1) + (self.embed_audio(a) * v).sum(-1)  # (B, T)
        return score.mean(1)


def mismatched_audio(mel: torch.Tensor) -> torch.Tensor:
    """(B, T, F, L) → audio that does not belong to the frames: another window's audio when the
    batch has several, else the window's own audio in reverse frame order (each mel window still
    natural speech, but no longer in step with the mouths)."""
    if mel.shape[0] > 1:
        return mel.roll(1, dims=0)
    return mel.flip(1)
