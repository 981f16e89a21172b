"""References moved so that their mouths sit where this presenter's mouth usually sits.

The model copies the chosen reference's mouth pixels where they lie in the reference's own
crop (the reference pixel skip), and chooses the reference by the *shape* of its mouth. Crops
are aligned by the eyes and nose only, so a reference taken while the head was tilted a
little further forward has its mouth a pixel or two lower than usual, and the generated mouth
inherits that (how much it costs, measured in landmark space: docs/lipsync.md).

So each reference crop and its landmarks are translated, by whole pixels, so that its *mouth
anchor* — the two mouth corners and the upper lip's middle, which the jaw's opening moves
little — lies where the track's frames with as wide a mouth usually have it
(:class:`MouthPlace`). Training and inference do the same, through :func:`mouth_place` and
:func:`recentred_reference`. Only the references move (rule 4 holds: they still carry nothing
but their own mouths).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from engine.faces.template import CROP_SIZE, MOUTH_JAW
from engine.lipsync.mouth import lip_opening

# Mesh points that place the mouth: the outer corners (61, 291) and the upper lip's outer
# middle (0). The lower lip and chin move with the jaw and are left out.
ANCHOR_POINTS = (61, 291, 0)
ANCHOR_ROWS = tuple(MOUTH_JAW.index(i) for i in ANCHOR_POINTS)  # their rows of the MOUTH_JAW landmarks
MAX_SHIFT = 8.0  # template px: a reference further off than this has a bad mesh; it moves this far at most
PLACE_SAMPLES = 2000  # frames (evenly spread) whose anchors give the track's usual place
MIN_PLACE_FRAMES = 20  # below this the place does not follow the opening (the median anchor alone)


def anchor(points: np.ndarray) -> np.ndarray:
    """(13, 2) MOUTH_JAW landmarks in template px → (2,) the mouth's anchor."""
    return np.asarray(points, np.float64)[list(ANCHOR_ROWS)].mean(0)


@dataclass(frozen=True)
class MouthPlace:
    """Where a track's mouth anchor usually lies, given how far the mouth is open: on some
    presenters an opening mouth lifts the upper lip, so a closed reference compared with the
    median of all frames would be moved up, and a wide one down, by several pixels."""

    base: np.ndarray  # (2,) template px: the anchor of a closed mouth (opening 0)
    per_opening: np.ndarray  # (2,) px the anchor moves per px of inner-lip opening

    def at(self, opening: float) -> np.ndarray:
        return self.base + self.per_opening * opening


def mouth_place(source, frames: Sequence[int] | None = None) -> MouthPlace | None:
    """The track's :class:`MouthPlace` over ``frames`` of ``source`` (default: all) with known
    landmarks, from at most PLACE_SAMPLES of them (:func:`fit_place`); None when no frame has
    landmarks."""
    frames = range(source.num_frames) if frames is None else frames
    step = max(1, len(frames) // PLACE_SAMPLES)
    known = [np.asarray(lm, np.float64) for i in frames[::step] if (lm := source.landmarks(i)) is not None]
    if not known:
        return None
    return fit_place(np.stack([anchor(lm) for lm in known]), np.array([lip_opening(lm) for lm in known]))


def fit_place(anchors: np.ndarray, openings: np.ndarray) -> MouthPlace:
    """(n, 2) anchors and (n,) inner-lip openings of a track's frames → its :class:`MouthPlace`:
    the anchor's least-squares line against the opening, its offset set by the median residual
    (so that a few bad meshes do not move it)."""
    slope = np.zeros(2)
    if len(anchors) >= MIN_PLACE_FRAMES and openings.std() > 1e-6:
        centred = openings - openings.mean()
        slope = centred @ (anchors - anchors.mean(0)) / (centred @ centred)  # (2,)
    return MouthPlace(np.median(anchors - openings[:, None] * slope, axis=0), slope)


def shift_for(points: np.ndarray | None, place: MouthPlace | None) -> np.ndarray:
    """(2,) px that move a frame's mouth anchor onto where ``place`` puts a mouth opened as far,
    at most MAX_SHIFT long; zero when either is unknown."""
    if points is None or place is None:
        return np.zeros(2)
    points = np.asarray(points, np.float64)
    shift = place.at(lip_opening(points)) - anchor(points)
    length = float(np.linalg.norm(shift))
    return shift if length <= MAX_SHIFT else shift * (MAX_SHIFT / length)


def recentred_reference(source, i: int, place: MouthPlace | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Frame ``i`` of ``source`` as a reference: its (S, S, 3) uint8 crop (S as the source gives
    it: 256, or the model's resolution for a track's cached frames) and its (13, 2) landmarks
    (template px; None when unknown), both moved by :func:`shift_for`."""
    crop, points = source.crop(i), source.landmarks(i)
    h, w = crop.shape[:2]
    scale = w / CROP_SIZE  # the shift is in template px
    # Whole pixels of the crop: a sub-pixel move interpolates, and interpolation blurs the very
    # mouth pixels the model copies.
    dx, dy = np.round(shift_for(points, place) * scale)
    if dx == 0 and dy == 0:
        return crop, points
    matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float32)
    moved = cv2.warpAffine(crop, matrix, (w, h), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    return moved, np.asarray(points, np.float32) + np.array([dx, dy], np.float32) / scale
