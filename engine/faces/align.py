"""Similarity (Procrustes) alignment of a face to the 256×256 template, and its exact inverse.

A transform is a (2, 3) float64 matrix ``M`` mapping frame pixels to crop pixels,
``crop = M @ [x, y, 1]``, restricted to rotation + uniform scale + translation (no skew),
fitted by least squares (Umeyama 1991) from the eye-corner and nose landmarks only
(``template.ALIGN_INDICES``): the paper fits an affine transform and orthogonalises it, the
closed-form similarity fit is the same thing without the intermediate skew. Crops are
resampled bicubically; :func:`invert` is exact (analytic), so warping back lands every crop
pixel where it came from.
"""

from __future__ import annotations

import cv2
import numpy as np

from engine.faces.template import ALIGN_INDICES, CROP_SIZE, load_template


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity mapping (N, 2) ``src`` points onto ``dst``; returns (2, 3)."""
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    assert src.shape == dst.shape and src.ndim == 2 and src.shape[1] == 2 and len(src) >= 2
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s0, d0 = src - mu_s, dst - mu_d
    var_s = (s0 ** 2).sum() / len(src)
    cov = d0.T @ s0 / len(src)  # (2, 2)
    u, sig, vt = np.linalg.svd(cov)
    d = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:  # a reflection is not a face pose
        d[1, 1] = -1
    rot = u @ d @ vt
    scale = float(np.trace(np.diag(sig) @ d) / var_s) if var_s > 0 else 1.0
    m = np.empty((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = mu_d - scale * rot @ mu_s
    return m


def align_transform(landmarks: np.ndarray) -> np.ndarray:
    """Frame → crop transform (2, 3) of one face from its (478, 2) landmarks."""
    return fit_similarity(landmarks[list(ALIGN_INDICES)], load_template().align_points)


def align_transforms(landmarks: np.ndarray) -> np.ndarray:
    """(T, 478, 2) landmarks → (T, 2, 3) transforms."""
    return np.stack([align_transform(l) for l in landmarks]) if len(landmarks) else np.zeros((0, 2, 3))


def invert(m: np.ndarray) -> np.ndarray:
    """Exact inverse of a (2, 3) similarity/affine transform."""
    a = m[:, :2]
    inv = np.linalg.inv(a)
    return np.concatenate([inv, -(inv @ m[:, 2])[:, None]], axis=1)


def apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (..., 2) points through a (2, 3) transform."""
    return points @ m[:, :2].T + m[:, 2]


def scale_of(m: np.ndarray) -> float:
    """Uniform scale of a similarity (crop px per frame px)."""
    return float(np.sqrt(abs(np.linalg.det(m[:, :2]))))


def rotation_of(m: np.ndarray) -> float:
    """In-plane rotation (radians) of a similarity."""
    return float(np.arctan2(m[1, 0], m[0, 0]))


def crop(image: np.ndarray, m: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """The (size, size, C) crop of ``image`` under frame → crop transform ``m`` (bicubic)."""
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def footprint(m: np.ndarray, frame_size: tuple[int, int], size: int = CROP_SIZE, pad: int = 3) -> tuple[int, int, int, int] | None:
    """Integer box (x0, y0, x1, y1) of the frame that the crop covers, clipped to the frame
    (``frame_size`` = (width, height)); None when it lies wholly outside."""
    corners = apply(invert(m), np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float64))
    w, h = frame_size
    x0, y0 = np.floor(corners.min(0)).astype(int) - pad
    x1, y1 = np.ceil(corners.max(0)).astype(int) + pad
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    return None if x1 <= x0 or y1 <= y0 else (int(x0), int(y0), int(x1), int(y1))


def warp_back(crop_image: np.ndarray, m: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Resample a crop (or mask) into the frame region ``box`` with the exact inverse (bicubic).

    Uses the forward matrix with WARP_INVERSE_MAP: each frame pixel looks up its crop position,
    which is the inverse mapping without any numerical inversion of the sampling grid.
    """
    x0, y0, x1, y1 = box
    shift = np.array([[1, 0, x0], [0, 1, y0]], np.float64)  # ROI pixel → frame pixel
    roi_to_crop = m @ np.vstack([shift, [0, 0, 1]])
    return cv2.warpAffine(crop_image, roi_to_crop, (x1 - x0, y1 - y0),
                          flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
