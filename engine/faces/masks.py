"""Masks in crop space: the model's mouth rectangle, its inverse for references, and the
feathered convex face polygon (paper §3.1.2, §3.2 fig. 6, §5 rendering).

All masks are (256, 256) float32 in [0, 1] over the aligned crop. The polygon is the convex
hull of: both ears, the point half-way up the nose, the nose tip, and the chin's left, centre
and right shifted down (so a mouth opening wider than the original stays inside). The
*loss* mask grows the polygon slightly (the generated face is composited with the original
before the loss, so its edges are learnt too); the *render* mask shrinks it slightly and
pulls its ear points in, so only the interior of the face around the mouth and jaw is
replaced (not the cheeks beside the ears); both are Gaussian-feathered.
"""

from __future__ import annotations

import enum
import functools

import cv2
import numpy as np

from engine.faces.template import CHIN, CROP_SIZE, EARS, MOUTH_CORNERS, MOUTH_RECT, NOSE_TIP, NOSE_TOP

CHIN_DROP = 0.12  # chin points move down by this fraction of the nose-tip → chin distance
LOSS_GROW = 1.06  # polygon scale about its centroid for the training-loss mask
RENDER_SHRINK = 0.94  # … and for the render mask
# The render polygon's ear points move this fraction of the way to the nose tip. The cheeks
# beside the ears are hidden from the model's input (they lie inside the mouth rectangle) and
# are drawn from the chosen reference, whose head may be turned differently: pasted, its hair
# or cheek edge showed as a dark smudge on the dubbed cheek (60 s dub of lecture_en_25s).
# The original's own cheeks stay instead. So that a dubbed mouth wider than the original's
# still lies inside, the hull also takes the mouth corners moved out by RENDER_CORNER_SPREAD
# of the half width (on the template: 12 px beyond a corner still weighs 0.96, the cheek
# 30 % of the way from an ear to the nose 0.01 instead of 0.8).
RENDER_EAR_PULL = 0.35
RENDER_CORNER_SPREAD = 0.7
# The render mask falls to 0 over this fraction of the crop side (10 px at 256) at the crop's
# edges: a long chin reaches the bottom edge, and a mask cut there pasted a hard seam under it.
RENDER_EDGE_FADE = 0.04
FEATHER_SIGMA = 0.02  # Gaussian σ of the feathering, as a fraction of the crop side (5 px at 256)


class MaskKind(enum.Enum):
    LOSS = "loss"
    RENDER = "render"


def rect_pixels(size: int, rect: tuple[float, float, float, float] = MOUTH_RECT) -> tuple[int, int, int, int]:
    """The rectangle (x1, y1, x2, y2) in fractions as pixel bounds [x1, x2) × [y1, y2) of a size² crop.

    Bounds are rounded outwards so that the masked area is never smaller than the fractions say.
    """
    x1, y1, x2, y2 = rect
    return (int(np.floor(x1 * size)), int(np.floor(y1 * size)),
            int(np.ceil(x2 * size)), int(np.ceil(y2 * size)))


def mouth_rect_mask(size: int = CROP_SIZE, rect: tuple[float, float, float, float] = MOUTH_RECT) -> np.ndarray:
    """(size, size) bool, True inside the mouth rectangle: the pixels hidden from the lip-sync
    model's input frames and the only ones its references keep. The one definition the model,
    its training data and the debug crops (``avdub crops``) share."""
    x1, y1, x2, y2 = rect_pixels(size, rect)
    mask = np.zeros((size, size), dtype=bool)
    mask[y1:y2, x1:x2] = True
    return mask


def masked_input(crop: np.ndarray) -> np.ndarray:
    """The model's input frame: the crop with the mouth rectangle blacked out."""
    return np.where(mouth_rect_mask(crop.shape[0])[..., None], 0, crop).astype(crop.dtype)


def masked_reference(crop: np.ndarray) -> np.ndarray:
    """A reference frame: only the mouth rectangle kept (no pose context: no information leak)."""
    return np.where(mouth_rect_mask(crop.shape[0])[..., None], crop, 0).astype(crop.dtype)


def polygon_points(template_landmarks: np.ndarray, scale: float, ear_pull: float = 0.0,
                   corner_spread: float | None = None) -> np.ndarray:
    """Convex hull (K, 2) of the mask points of one face, in crop pixels, scaled about its centroid;
    ``ear_pull`` moves the ear points that fraction of the way to the nose tip, and with
    ``corner_spread`` the mouth corners, moved out by that fraction of the half width, join the hull."""
    lm = np.asarray(template_landmarks, np.float64)
    assert lm.shape == (478, 2), lm.shape
    sides = lm[list(EARS)] + ear_pull * (lm[NOSE_TIP] - lm[list(EARS)])  # the polygon's widest points
    if corner_spread is not None:
        corners = lm[list(MOUTH_CORNERS)]
        mouth_centre = corners.mean(0)
        sides = np.vstack([sides, mouth_centre + (1 + corner_spread) * (corners - mouth_centre)])
    mid_nose = (lm[NOSE_TOP] + lm[NOSE_TIP]) / 2
    drop = CHIN_DROP * np.linalg.norm(lm[CHIN[1]] - lm[NOSE_TIP])
    # "down" in the face's own frame: from the nose top towards the chin
    down = lm[CHIN[1]] - lm[NOSE_TOP]
    down /= max(np.linalg.norm(down), 1e-6)
    chin = lm[list(CHIN)] + drop * down
    pts = np.vstack([sides, mid_nose, lm[NOSE_TIP], chin])
    hull = cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    centre = hull.mean(0)
    return centre + (hull - centre) * scale


def polygon_shape(kind: MaskKind) -> tuple[float, float, float | None]:
    """(scale, ear pull, corner spread) of the polygon of ``kind``."""
    return (LOSS_GROW, 0.0, None) if kind is MaskKind.LOSS else (RENDER_SHRINK, RENDER_EAR_PULL, RENDER_CORNER_SPREAD)


def face_mask(template_landmarks: np.ndarray, kind: MaskKind = MaskKind.RENDER, size: int = CROP_SIZE,
              feather: float = FEATHER_SIGMA) -> np.ndarray:
    """(size, size) float32 feathered polygon mask from landmarks given in crop pixels."""
    poly = polygon_points(template_landmarks, *polygon_shape(kind)) * (size / CROP_SIZE)
    m = np.zeros((size, size), np.uint8)
    # sub-pixel accurate fill (4 fractional bits)
    cv2.fillConvexPoly(m, np.round(poly * 16).astype(np.int32), 255, lineType=cv2.LINE_AA, shift=4)
    out = m.astype(np.float32) / 255.0
    sigma = feather * size
    if sigma > 0:
        out = np.clip(cv2.GaussianBlur(out, (0, 0), sigma), 0.0, 1.0)
    if kind is MaskKind.RENDER:
        out *= edge_fade(size, RENDER_EDGE_FADE * size)
    return out


@functools.lru_cache(maxsize=4)
def edge_fade(size: int, width: float) -> np.ndarray:
    """(size, size) float32, read-only (the render asks for it every frame): 0 on the border
    pixels, rising linearly to 1 ``width`` pixels inside."""
    distance = np.minimum(np.arange(size), np.arange(size)[::-1]).astype(np.float32)  # (size,)
    ramp = np.clip(distance / max(width, 1e-6), 0.0, 1.0)
    fade = np.minimum.outer(ramp, ramp)
    fade.flags.writeable = False
    return fade
