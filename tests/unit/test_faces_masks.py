"""Mouth rectangle, inverse reference mask and the feathered face polygon (no models)."""

import math

import numpy as np

from engine.faces.masks import MOUTH_RECT, MaskKind, face_mask, masked_input, masked_reference, mouth_rect_mask
from engine.faces.template import CROP_SIZE, load_template


def test_mouth_rectangle_covers_the_fractions_rounded_outwards():
    m = mouth_rect_mask()
    assert m.dtype == bool and m.shape == (CROP_SIZE, CROP_SIZE)
    ys, xs = np.nonzero(m)
    x1, y1, x2, y2 = MOUTH_RECT
    expected = (math.floor(x1 * CROP_SIZE), math.floor(y1 * CROP_SIZE), math.ceil(x2 * CROP_SIZE), math.ceil(y2 * CROP_SIZE))
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == expected
    assert m.sum() == (expected[2] - expected[0]) * (expected[3] - expected[1])  # a full rectangle


def test_input_and_reference_masks_are_complements():
    crop = np.full((CROP_SIZE, CROP_SIZE, 3), 200, np.uint8)
    a, b = masked_input(crop).astype(int), masked_reference(crop).astype(int)
    assert np.array_equal(a + b, crop.astype(int))
    assert a[int(0.6 * CROP_SIZE), CROP_SIZE // 2].sum() == 0  # mouth hidden from the input
    assert b[10, 10].sum() == 0  # context hidden from references


def test_polygon_mask_covers_mouth_and_chin_not_eyes_and_loss_is_larger_than_render():
    lm = load_template().points
    render, loss = face_mask(lm, MaskKind.RENDER), face_mask(lm, MaskKind.LOSS)
    assert render.dtype == np.float32 and 0 <= render.min() and render.max() <= 1
    for idx in (13, 14, 61, 291):  # lips
        x, y = np.round(lm[idx]).astype(int)
        assert render[y, x] > 0.99 and loss[y, x] > 0.99
    x, y = np.round((lm[33] + lm[133]) / 2).astype(int)  # an eye
    assert render[y, x] < 0.05
    assert loss.sum() > render.sum() * 1.05
    chin = np.round(lm[152]).astype(int)
    assert loss[chin[1] + 3, chin[0]] > 0.5  # chin points are shifted down


def test_mask_is_feathered_not_binary():
    m = face_mask(load_template().points)
    partial = ((m > 0.05) & (m < 0.95)).sum()
    assert partial > 500


def test_render_mask_keeps_the_cheeks_beside_the_ears_and_a_wider_mouth():
    """The cheeks by the ears come from another frame's pose: the render keeps the original's."""
    lm = load_template().points
    render, loss = face_mask(lm, MaskKind.RENDER), face_mask(lm, MaskKind.LOSS)

    def weight(mask, point):
        x, y = np.round(point).astype(int)
        return float(mask[y, x])

    for ear in (234, 454):
        cheek = lm[ear] * 0.7 + lm[1] * 0.3  # 30 % of the way from the ear to the nose tip
        assert weight(render, cheek) < 0.05 and weight(loss, cheek) > 0.95
    for corner, out in ((61, -12), (291, 12)):  # a dubbed mouth 12 px wider than the original's
        assert weight(render, lm[corner] + [out, 0]) > 0.9


def test_render_mask_fades_to_nothing_at_the_crop_edges():
    """A chin at the crop's bottom edge must not leave a seam where the pasted crop ends."""
    lm = load_template().points.copy()
    lm[:, 1] += 40  # the face low in the crop: the polygon crosses the bottom edge
    render = face_mask(lm, MaskKind.RENDER)
    assert render[-1].max() == 0 and render[:, 0].max() == 0 and render[:, -1].max() == 0
    assert render[-12:].max() > 0.9  # … reached within a few pixels
    assert face_mask(lm, MaskKind.LOSS)[-1].max() > 0.9  # the loss mask is not faded
