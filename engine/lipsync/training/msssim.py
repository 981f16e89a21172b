"""SSIM and multi-scale SSIM (Wang et al. 2003), differentiable, in plain torch.

SSIM uses an 11×11 Gaussian window (σ = 1.5) without padding and the constants
C1 = (0.01·L)², C2 = (0.03·L)² for data range L. MS-SSIM multiplies the contrast-structure
terms of the first S − 1 scales and the full SSIM of the coarsest scale, each raised to the
standard weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), halving the image between scales
with 2×2 average pooling. Five scales need images of at least 16·11 = 176 px; smaller images
use as many scales as fit (at least one) with the leading weights renormalised to sum to 1.
Negative contrast-structure values are clamped to 0 before the fractional powers (they would
be NaN otherwise). Computed in float32 even under autocast.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
WINDOW, SIGMA = 11, 1.5
K1, K2 = 0.01, 0.03


def _gaussian(size: int, sigma: float, channels: int, device: torch.device) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def _ssim_terms(x: torch.Tensor, y: torch.Tensor, window: torch.Tensor,
                data_range: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image mean SSIM and mean contrast-structure term, each (B,)."""
    c = x.shape[1]
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu_x, mu_y = F.conv2d(x, window, groups=c), F.conv2d(y, window, groups=c)
    sxx = F.conv2d(x * x, window, groups=c) - mu_x ** 2
    syy = F.conv2d(y * y, window, groups=c) - mu_y ** 2
    sxy = F.conv2d(x * y, window, groups=c) - mu_x * mu_y
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    lum = (2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1)
    return (lum * cs).flatten(1).mean(1), cs.flatten(1).mean(1)


def ssim(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """(B, C, H, W) pair → (B,) SSIM."""
    assert x.shape == y.shape and x.dim() == 4, f"{tuple(x.shape)} vs {tuple(y.shape)}"
    x, y = x.float(), y.float()
    return _ssim_terms(x, y, _gaussian(WINDOW, SIGMA, x.shape[1], x.device), data_range)[0]


def scales_for(size: int, max_scales: int = len(WEIGHTS)) -> int:
    """How many scales an image of ``size`` px supports: the coarsest must still fit the window."""
    scales = 1
    while scales < max_scales and size // 2 ** scales >= WINDOW:
        scales += 1
    return scales


def ms_ssim(x: torch.Tensor, y: torch.Tensor, data_range: float = 1.0) -> torch.Tensor:
    """(B, C, H, W) pair in [0, data_range] → (B,) MS-SSIM in [0, 1]."""
    assert x.shape == y.shape and x.dim() == 4, f"{tuple(x.shape)} vs {tuple(y.shape)}"
    if min(x.shape[-2:]) < WINDOW:
        raise ValueError(f"MS-SSIM needs images of at least {WINDOW} px, got {tuple(x.shape[-2:])}")
    with torch.autocast(device_type=x.device.type, enabled=False):
        x, y = x.float(), y.float()
        n = scales_for(min(x.shape[-2:]))
        weights = torch.tensor(WEIGHTS[:n], device=x.device)
        weights = weights / weights.sum()
        window = _gaussian(WINDOW, SIGMA, x.shape[1], x.device)
        factors = []
        for i in range(n):
            full, cs = _ssim_terms(x, y, window, data_range)
            factors.append((full if i == n - 1 else cs).clamp_min(0.0))
            if i < n - 1:
                x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
        stacked = torch.stack(factors, dim=1)  # (B, n)
        # A small floor keeps the gradient of x**w finite at x = 0.
        return torch.prod((stacked + 1e-8) ** weights, dim=1)
