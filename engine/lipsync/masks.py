"""Pixel masks of the aligned crop: the mouth rectangle hidden from inputs and kept in references.

One definition serves the data pipeline (which masks before anything reaches the model) and
the model (which masks again, so that no caller can leak mouth pixels by passing raw frames).
"""

from __future__ import annotations

import numpy as np
import torch


def rect_pixels(size: int, rect: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """The rectangle (x1, y1, x2, y2) in fractions as pixel bounds [x1, x2) × [y1, y2) of a size² crop.

    Bounds are rounded outwards so that the masked area is never smaller than the fractions say.
    """
    x1, y1, x2, y2 = rect
    return (int(np.floor(x1 * size)), int(np.floor(y1 * size)),
            int(np.ceil(x2 * size)), int(np.ceil(y2 * size)))


def mouth_mask(size: int, rect: tuple[float, float, float, float]) -> np.ndarray:
    """(size, size) bool, True inside the mouth rectangle."""
    x1, y1, x2, y2 = rect_pixels(size, rect)
    mask = np.zeros((size, size), dtype=bool)
    mask[y1:y2, x1:x2] = True
    return mask


def mouth_mask_tensor(size: int, rect: tuple[float, float, float, float]) -> torch.Tensor:
    """(1, 1, size, size) bool tensor, True inside the mouth rectangle."""
    return torch.from_numpy(mouth_mask(size, rect))[None, None]


def inner_bounds(rect: tuple[float, float, float, float], margin: float) -> tuple[float, float, float, float]:
    """``rect`` shrunk by ``margin`` on each edge that lies inside the crop; an edge on the crop's
    border stays there (nothing shows beyond it)."""
    x1, y1 = (edge + margin if edge > 0.0 else 0.0 for edge in rect[:2])
    x2, y2 = (edge - margin if edge < 1.0 else 1.0 for edge in rect[2:])
    return x1, y1, x2, y2


def landmarks_inside(landmarks: np.ndarray, rect: tuple[float, float, float, float],
                     margin: float = 0.02) -> bool:
    """Whether (K, 2) landmarks in crop fractions lie inside ``rect`` shrunk by ``margin``.

    The input mask must hide the whole mouth with some context around it (§3.1.2, rule 2): a
    mouth landmark near or outside the rectangle means the crop is misaligned and the input
    frame would show lip pixels. An edge of the rectangle that lies on the crop's border needs
    no margin (nothing shows beyond it): there a point need only be inside the crop.
    """
    x1, y1, x2, y2 = inner_bounds(rect, margin)
    xs, ys = landmarks[:, 0], landmarks[:, 1]
    return bool(np.all((xs >= x1) & (xs <= x2) & (ys >= y1) & (ys <= y2)))
