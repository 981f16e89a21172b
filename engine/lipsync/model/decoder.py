"""U-Net image decoder: the transpose of the image encoder (paper table 7).

Starting from the temporally aggregated embedding at 1×1, level k (deepest first) concatenates
its input with the input-encoder skip k, the attended reference skip k and the audio features
of level k broadcast ("upsampled") to the level's resolution, runs a residual block, and
upsamples ×2 (bilinear) — except at level 0, which ends in a 3×3 convolution to RGB in [0, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.lipsync.config import LipSyncConfig
from engine.lipsync.model.blocks import ResBlock2d, group_norm


class Decoder(nn.Module):
    def __init__(self, config: LipSyncConfig):
        super().__init__()
        self.config = config
        ch, audio_ch = config.channels, config.audio_skip_channels
        blocks = []
        prev = config.embed_dim
        for k in reversed(range(config.levels)):
            out = ch[k - 1] if k > 0 else ch[0]
            blocks.append(ResBlock2d(prev + 2 * ch[k] + audio_ch[k], out, stride=1, groups=config.groups))
            prev = out
        self.blocks = nn.ModuleList(blocks)  # deepest level first
        self.out_channels = 4 if config.reference_pixels else 3  # RGB (+ the reference blend weight)
        self.head = nn.Sequential(group_norm(ch[0], config.groups), nn.ReLU(),
                                  nn.Conv2d(ch[0], self.out_channels, 3, padding=1))
        if config.reference_pixels:
            nn.init.constant_(self.head[-1].bias[3], 2.0)  # sigmoid(2) ≈ 0.88: start from the reference mouth

    def forward(self, z: torch.Tensor, input_skips: list[torch.Tensor], ref_skips: list[torch.Tensor],
                audio_feats: list[torch.Tensor]) -> torch.Tensor:
        """z (M, D), skips per level k (M, C_k, R/2^k, R/2^k), audio (M, A_k) → (M, 3 or 4, R, R) in [0, 1]
        (the 4th channel, with ``reference_pixels``, is the blend weight of the reference mouth)."""
        cfg = self.config
        m = z.shape[0]
        assert z.shape == (m, cfg.embed_dim)
        assert len(input_skips) == len(ref_skips) == len(audio_feats) == cfg.levels
        x = z[:, :, None, None]
        for i, k in enumerate(reversed(range(cfg.levels))):
            size = input_skips[k].shape[-1]
            assert x.shape[-1] == size and ref_skips[k].shape == input_skips[k].shape
            audio = audio_feats[k][:, :, None, None].expand(-1, -1, size, size)
            x = self.blocks[i](torch.cat([x, input_skips[k], ref_skips[k], audio], dim=1))
            if k > 0:
                x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        out = torch.sigmoid(self.head(x))
        assert out.shape == (m, self.out_channels, cfg.resolution, cfg.resolution)
        return out
