"""Quality measures of generated mouths against the real frames of the same clip.

All images are 256×256 RGB uint8 crops in template space (what the model pastes), and boxes
are (x1, y1, x2, y2) template pixels. Image measures: SSIM (the Gaussian-window SSIM of
:mod:`engine.lipsync.training.msssim`) and PSNR inside a box; sharpness as the variance of the Laplacian
of the grey box (a blurred mouth has less high-frequency energy, so a lower value). Motion
measures work on landmark series (:class:`MouthLandmarks`): the mean distance of the lip
points, the inner-lip opening (mesh points 13–14, in template pixels), its Pearson correlation
with the real series, and the lag between two opening series from their cross-correlation.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch

from engine.lipsync.mouth import LIP_INDICES
from engine.lipsync.training.msssim import ssim

Box = tuple[int, int, int, int]


def _to_tensor(images: np.ndarray, box: Box) -> torch.Tensor:
    """(F, H, W, 3) uint8 → (F, 3, h, w) float32 in [0, 1] cut to ``box``."""
    x1, y1, x2, y2 = box
    assert images.ndim == 4 and images.shape[-1] == 3, images.shape
    return torch.from_numpy(np.ascontiguousarray(images[:, y1:y2, x1:x2])).permute(0, 3, 1, 2).float() / 255.0


def ssim_psnr(generated: np.ndarray, real: np.ndarray, box: Box) -> tuple[float, float]:
    """Mean SSIM and mean PSNR (dB, peak 1.0) over frames, inside ``box``."""
    assert generated.shape == real.shape, f"{generated.shape} vs {real.shape}"
    g, r = _to_tensor(generated, box), _to_tensor(real, box)
    s = float(ssim(g, r).mean())
    mse = ((g - r) ** 2).flatten(1).mean(1).clamp_min(1e-10)  # (F,)
    return s, float((-10 * torch.log10(mse)).mean())


def laplacian_variance(images: np.ndarray, box: Box) -> float:
    """Mean over frames of the variance of the grey Laplacian inside ``box`` (sharpness)."""
    x1, y1, x2, y2 = box
    values = [cv2.Laplacian(cv2.cvtColor(im[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY), cv2.CV_64F).var() for im in images]
    return float(np.mean(values))


def correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation of two series; None when either is constant (undefined)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape and a.ndim == 1, f"{a.shape} vs {b.shape}"
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return None if den < 1e-12 else float((a * b).sum() / den)


def estimate_lag(reference: np.ndarray, shifted: np.ndarray, max_lag: int) -> int:
    """The lag L in [−max_lag, max_lag] for which ``shifted[t] ≈ reference[t − L]``.

    Chooses the lag with the largest normalised cross-correlation over the overlapping part
    (each series standardised within the overlap, so that the overlap's length does not bias it).
    """
    ref, sh = np.asarray(reference, np.float64), np.asarray(shifted, np.float64)
    assert ref.shape == sh.shape and ref.ndim == 1 and len(ref) > 2 * max_lag + 2, (ref.shape, sh.shape, max_lag)
    best, best_lag = -np.inf, 0
    for lag in range(-max_lag, max_lag + 1):
        a = ref[max(0, -lag):len(ref) - max(0, lag)]
        b = sh[max(0, lag):len(sh) - max(0, -lag)]
        c = correlation(a, b)
        if c is not None and c > best:
            best, best_lag = c, lag
    return best_lag


def lip_distance(generated: np.ndarray, real: np.ndarray, centred: bool = False) -> float:
    """Mean Euclidean distance of the lip points of (F, 478, 2) landmark series, frames with both found.

    ``centred`` removes each frame's lip centroid first: the shape difference alone, without
    where the mouth sits (a pasted donor mouth sits where the donor's head was).
    """
    ok = ~(np.isnan(generated).any((1, 2)) | np.isnan(real).any((1, 2)))
    if not ok.any():
        return float("nan")
    g, r = generated[ok][:, LIP_INDICES], real[ok][:, LIP_INDICES]
    if centred:
        g, r = g - g.mean(1, keepdims=True), r - r.mean(1, keepdims=True)
    return float(np.linalg.norm(g - r, axis=-1).mean())


class MouthLandmarks:
    """MediaPipe face mesh on template crops, fitted in one fixed box (no tracking state).

    Every series (real, generated, baselines) is meshed in the same box, found once on real
    frames, so that the measurements differ only by the pixels and not by detector state.
    """

    def __init__(self, registry, probe_frames: np.ndarray):
        from engine.faces.landmarks import FaceLandmarkDetector

        self._detector = FaceLandmarkDetector(registry, max_faces=1)
        boxes = [b for im in probe_frames for b, _ in self._detector.detect_boxes(im)[:1]]
        if not boxes:
            from engine.errors import MediaError
            raise MediaError("no face found in the clip's frames: cannot measure mouths")
        self.box = tuple(float(v) for v in np.median(np.array(boxes), axis=0))

    def close(self) -> None:
        self._detector.close()

    def measure(self, images: np.ndarray) -> np.ndarray:
        """(F, 256, 256, 3) uint8 → (F, 478, 2) float32 landmarks; NaN rows where no face is meshed."""
        out = np.full((len(images), 478, 2), np.nan, np.float32)
        for k, im in enumerate(images):
            pts = self._detector.mesh(np.ascontiguousarray(im), self.box)
            if pts is not None:
                out[k] = pts
        return out


def fill_missing(series: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN entries of a 1-D series (all-NaN stays NaN)."""
    s = np.asarray(series, np.float64).copy()
    bad = np.isnan(s)
    if bad.all() or not bad.any():
        return s
    idx = np.arange(len(s))
    s[bad] = np.interp(idx[bad], idx[~bad], s[~bad])
    return s
