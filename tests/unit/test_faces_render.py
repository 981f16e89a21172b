"""Blend-back compositing and the watermark on synthetic frames (no models)."""

import numpy as np

from engine.faces.align import apply, crop, footprint
from engine.faces.render import BlendMode, Watermark, composite
from engine.faces.template import load_template


def setup_frame():
    yy, xx = np.mgrid[0:360, 0:480]
    frame = np.stack([100 + 50 * np.sin(xx / 9.0), 120 + 40 * np.cos(yy / 7.0), 90 + 30 * np.sin((xx - yy) / 5.0)], -1)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    m = np.array([[0.8, 0.1, -60.0], [-0.1, 0.8, -40.0]])  # frame → crop, a downsampling similarity
    return frame, m, load_template().points


def test_detail_mode_is_bit_identical_when_nothing_changes():
    frame, m, lm = setup_frame()
    out = frame.copy()
    original = crop(frame, m)
    composite(out, original.copy(), original, m, lm, BlendMode.DETAIL)
    assert np.array_equal(out, frame)


def test_replace_mode_changes_only_the_face_region():
    frame, m, lm = setup_frame()
    out = frame.copy()
    original = crop(frame, m)
    green = np.zeros_like(original)
    green[..., 1] = 255
    composite(out, green, original, m, lm, BlendMode.REPLACE)
    x0, y0, x1, y1 = footprint(m, (480, 360))
    outside = np.ones(frame.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(out[outside], frame[outside])
    # the mouth centre, mapped back into the frame, is now green
    from engine.faces.align import invert
    mx, my = np.round(apply(invert(m), lm[13])).astype(int)
    assert out[my, mx, 1] > 240 and out[my, mx, 0] < 15


def test_detail_mode_applies_a_change():
    frame, m, lm = setup_frame()
    out = frame.copy()
    original = crop(frame, m)
    brighter = np.clip(original.astype(int) + 40, 0, 255).astype(np.uint8)
    composite(out, brighter, original, m, lm, BlendMode.DETAIL)
    from engine.faces.align import invert
    mx, my = np.round(apply(invert(m), lm[13])).astype(int)
    assert int(out[my, mx].astype(int).sum() - frame[my, mx].astype(int).sum()) > 60


def test_watermark_stamps_bottom_right_only():
    frame = np.zeros((720, 1280, 3), np.uint8)
    Watermark("AI-dubbed", 1280, 720).stamp(frame)
    ys, xs = np.nonzero(frame.sum(-1))
    assert len(ys) > 100 and ys.min() > 600 and xs.min() > 1000
