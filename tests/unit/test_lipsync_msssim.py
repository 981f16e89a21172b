"""MS-SSIM and SSIM: known properties of the metric, and usable gradients."""

from __future__ import annotations

import pytest
import torch

from engine.lipsync.training.msssim import ms_ssim, scales_for, ssim


def _image(seed: int = 0, size: int = 128) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    base = torch.nn.functional.interpolate(torch.rand(2, 3, size // 8, size // 8, generator=g), size=size,
                                           mode="bilinear", align_corners=False)
    return base.clamp(0, 1)


def test_identical_images_score_one():
    x = _image()
    assert torch.allclose(ms_ssim(x, x), torch.ones(2), atol=1e-5)
    assert torch.allclose(ssim(x, x), torch.ones(2), atol=1e-6)


def test_more_noise_scores_lower():
    x = _image()
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(x.shape, generator=g)
    scores = [float(ms_ssim(x, (x + s * noise).clamp(0, 1)).mean()) for s in (0.0, 0.02, 0.05, 0.1, 0.3)]
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert all(a > b for a, b in zip(scores, scores[1:])), scores
    assert scores[-1] < 0.9


def test_ssim_matches_the_closed_form_on_flat_images():
    # Flat images have no variance: SSIM reduces to the luminance term (2ab + C1) / (a² + b² + C1).
    a, b, c1 = 0.5, 0.25, 0.01 ** 2
    x, y = torch.full((1, 1, 32, 32), a), torch.full((1, 1, 32, 32), b)
    assert float(ssim(x, y)) == pytest.approx((2 * a * b + c1) / (a * a + b * b + c1), rel=1e-5)


def test_inverted_structure_scores_below_zero():
    x = _image()
    assert float(ssim(x, 1 - x).mean()) < 0
    assert float(ms_ssim(x, 1 - x).mean()) < 0.05  # negative terms clamp to 0


def test_symmetric_and_bounded():
    x, y = _image(0), _image(1)
    assert torch.allclose(ms_ssim(x, y), ms_ssim(y, x), atol=1e-6)
    v = ms_ssim(x, y)
    assert bool(((v >= 0) & (v <= 1)).all())


def test_scales_follow_image_size():
    assert scales_for(256) == 5 and scales_for(176) == 5
    assert scales_for(128) == 4 and scales_for(64) == 3 and scales_for(11) == 1
    with pytest.raises(ValueError):
        ms_ssim(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8))


def test_gradient_is_finite_and_points_toward_the_target():
    target = _image(0, 64)
    x = (target + 0.2 * torch.randn_like(target)).clamp(0, 1).requires_grad_(True)
    loss = 1 - ms_ssim(x, target).mean()
    loss.backward()
    assert torch.isfinite(x.grad).all()
    with torch.no_grad():
        stepped = (x - 0.5 * x.grad / x.grad.abs().max()).clamp(0, 1)
    assert float(1 - ms_ssim(stepped, target).mean()) < loss.item()
