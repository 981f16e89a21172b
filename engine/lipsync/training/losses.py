"""Training losses of the lip-sync model (paper §3.1.5).

* Reconstruction: the generated frame is composited into the target through the (soft) loss
  mask — generated inside the face polygon, original outside — and compared with the target:
  L_rec = 0.86·(1 − MS-SSIM) + 0.14·L1. Compositing (rather than masking the loss) keeps
  MS-SSIM and the discriminators well defined and makes the model care about the seam.
* Landmarks: mean squared error of the 13 regressed jaw/mouth landmarks (crop fractions),
  over frames whose landmarks are known; weight 100.
* Attention (our addition, see ``LipSyncConfig.attention_weight``): cross-entropy between each
  frame's reference weights and a target distribution over the references, softmax of minus
  the distance between the frame's mouth shape and each reference's (centred landmarks).
* GAN: hinge loss (Lim & Ye 2017; BigGAN) for the discriminators, −D(fake) for the generator;
  weight 1e-4.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.faces.template import CROP_SIZE
from engine.lipsync.model.attention import SHAPE_UNIT, centred, shape_distance

from engine.lipsync.training.msssim import ms_ssim


def composite(generated: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(…, 3, H, W) images and (…, 1, H, W) mask in [0, 1] → generated inside, target outside."""
    assert generated.shape == target.shape and mask.shape[:-3] == generated.shape[:-3]
    return mask * generated + (1 - mask) * target


def reconstruction_loss(composited: torch.Tensor, target: torch.Tensor,
                        msssim_weight: float = 0.86) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """(B, T, 3, H, W) composited and target frames → (loss, terms)."""
    assert composited.shape == target.shape and composited.dim() == 5
    flat_c, flat_t = composited.flatten(0, 1).float(), target.flatten(0, 1).float()
    l1 = (flat_c - flat_t).abs().mean()
    msssim = ms_ssim(flat_c, flat_t).mean()
    loss = msssim_weight * (1 - msssim) + (1 - msssim_weight) * l1
    return loss, {"l1": l1.detach(), "msssim": msssim.detach()}


def landmark_loss(predicted: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """predicted/target (B, T, K, 2), valid (B, T) bool → mean squared error over valid frames."""
    assert predicted.shape == target.shape and valid.shape == predicted.shape[:2]
    if not bool(valid.any()):
        return predicted.sum() * 0.0 + 0.0  # keeps the graph (DDP needs every parameter used); +0.0: no "-0"
    err = ((predicted.float() - target.float()) ** 2).sum(-1).mean(-1)  # (B, T)
    return err[valid].mean()


def hinge_discriminator_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))] (eq. 9)."""
    return F.relu(1 - real.float()).mean() + F.relu(1 + fake.float()).mean()


def hinge_generator_loss(fake: torch.Tensor) -> torch.Tensor:
    """−E[D(G(z))]: the generator raises the critic's score of its frames (eq. 10)."""
    return -fake.float().mean()


def attention_targets(frames: torch.Tensor, references: torch.Tensor, reference_valid: torch.Tensor,
                      temperature: float) -> torch.Tensor:
    """Target reference weights (B, T, N): softmax(−distance / temperature) over the valid
    references (landmarks and temperature in the same units)."""
    d = shape_distance(centred(frames.float()), centred(references.float()))
    d = d.masked_fill(~reference_valid[:, None, :], 1e6)  # finite: an all-invalid row stays uniform, not NaN
    return torch.softmax(-d / temperature, dim=-1)


def attention_loss(weights: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Cross-entropy −Σ target·log(weight) of (B, T, N) weights, mean over valid (B, T) frames."""
    assert weights.shape == targets.shape and valid.shape == weights.shape[:2]
    if not bool(valid.any()):
        return weights.sum() * 0.0 + 0.0
    ce = -(targets * torch.log(weights.float().clamp_min(1e-8))).sum(-1)  # (B, T)
    return ce[valid].mean()


def shape_loss(predicted: torch.Tensor, landmarks: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Predicted centred shapes (B, M, K, 2) in key units against landmarks (B, M, K, 2) in crop
    fractions: mean squared point distance over the valid (B, M) entries."""
    assert predicted.shape == landmarks.shape and valid.shape == predicted.shape[:2]
    if not bool(valid.any()):
        return predicted.sum() * 0.0 + 0.0
    target = centred(landmarks.float() * (CROP_SIZE / SHAPE_UNIT))
    err = ((predicted.float() - target) ** 2).sum(-1).mean(-1)  # (B, M)
    return err[valid].mean()
