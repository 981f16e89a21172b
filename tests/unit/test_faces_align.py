"""Similarity fitting, exact inverse, crop/warp-back geometry, template sanity (no models)."""

import numpy as np
import pytest

from engine.faces.align import (align_transform, apply, crop, fit_similarity, footprint, invert, rotation_of,
                                scale_of, warp_back)
from engine.faces.template import ALIGN_INDICES, CROP_SIZE, load_template


def similarity(scale: float, angle: float, tx: float, ty: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[scale * c, -scale * s, tx], [scale * s, scale * c, ty]])


def test_fit_recovers_a_known_similarity_exactly():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 500, (17, 2))
    m = similarity(0.37, 0.3, 12.0, -40.0)
    got = fit_similarity(src, apply(m, src))
    np.testing.assert_allclose(got, m, atol=1e-9)


def test_fit_has_no_skew_and_no_reflection_even_for_skewed_targets():
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (20, 2))
    dst = src @ np.array([[1.0, 0.4], [0.0, 0.6]]).T  # an affine with skew
    m = fit_similarity(src, dst)
    a = m[:, :2]
    assert abs(a[0, 0] - a[1, 1]) < 1e-9 and abs(a[0, 1] + a[1, 0]) < 1e-9  # rotation × uniform scale
    mirrored = src * [-1, 1]
    assert np.linalg.det(fit_similarity(src, mirrored)[:, :2]) > 0


def test_inverse_is_exact():
    m = similarity(2.5, -1.1, 300.0, 20.0)
    pts = np.random.default_rng(2).uniform(-50, 50, (30, 2))
    np.testing.assert_allclose(apply(invert(m), apply(m, pts)), pts, atol=1e-9)
    assert scale_of(m) == pytest.approx(2.5)
    assert rotation_of(m) == pytest.approx(-1.1)


def test_template_places_eyes_nose_mouth_chin_where_documented():
    t = load_template().points
    assert t.shape == (478, 2)
    right_eye, left_eye = (t[33] + t[133]) / 2, (t[263] + t[362]) / 2
    assert np.linalg.norm(left_eye - right_eye) == pytest.approx(88, abs=1.5)
    assert right_eye[1] / CROP_SIZE == pytest.approx(0.22, abs=0.01)
    # mouth and chin inside the mouth rectangle [0.08, 0.28, 0.92, 0.95]
    for idx in (13, 14, 61, 291, 152):
        x, y = t[idx] / CROP_SIZE
        assert 0.08 < x < 0.92 and 0.28 < y < 0.95, idx


def test_align_uses_only_eye_and_nose_points():
    """Moving every mouth and jaw landmark must not move the crop (information leak, §3.1.2)."""
    lm = apply(similarity(3.0, 0.2, 100, 50), load_template().points)
    moved = lm.copy()
    others = [i for i in range(478) if i not in ALIGN_INDICES]
    moved[others] += np.random.default_rng(3).normal(0, 20, (len(others), 2))
    np.testing.assert_allclose(align_transform(moved), align_transform(lm), atol=1e-12)


def test_crop_then_warp_back_is_identity_where_resolution_allows():

    # a smooth image, so bicubic resampling is near-exact
    yy, xx = np.mgrid[0:400, 0:500]
    img = np.stack([128 + 60 * np.sin(xx / 23.0), 128 + 60 * np.cos(yy / 17.0), 128 + 40 * np.sin((xx + yy) / 31.0)], -1)
    img = img.astype(np.float32)
    m = similarity(1.6, 0.25, -150.0, -120.0)  # upsampling: the crop holds all the detail
    c = crop(img, m)
    box = footprint(m, (500, 400))
    back = warp_back(c, m, box)
    # pixels whose bicubic taps all fall inside the crop (3 crop pixels from its edge)
    inside = np.zeros((CROP_SIZE, CROP_SIZE), np.float32)
    inside[3:-3, 3:-3] = 1
    inner = warp_back(inside, m, box) > 0.999
    x0, y0, x1, y1 = box
    err = np.abs(back - img[y0:y1, x0:x1])[inner]
    assert inner.sum() > 10000 and err.max() < 1.0, err.max()


def test_footprint_clips_to_the_frame_or_reports_outside():
    m = similarity(1.0, 0.0, 0.0, 0.0)  # crop = frame top-left 256×256
    assert footprint(m, (1000, 1000), pad=0) == (0, 0, 256, 256)
    assert footprint(similarity(1.0, 0.0, 5000.0, 0.0), (100, 100)) is None
