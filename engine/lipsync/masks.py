"""The mouth rectangle on the lip-sync side: as a tensor for the model, and whether a face's
mouth landmarks lie well inside it (leak rule 2).

The rectangle's pixels are defined once, by :func:`engine.faces.masks.mouth_rect_mask`: the
data pipeline masks with it before anything reaches the model, the model masks again (so that
no caller can leak mouth pixels by passing raw frames), and the debug crops show the same one.
"""

from __future__ import annotations

import numpy as np
import torch

from engine.faces.masks import mouth_rect_mask


def mouth_mask_tensor(size: int, rect: tuple[float, float, float, float]) -> torch.Tensor:
    """(1, 1, size, size) bool tensor, True inside the mouth rectangle."""
    return torch.from_numpy(mouth_rect_mask(size, rect))[None, None]


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
