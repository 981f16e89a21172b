"""Track linking, gaps, cuts and smoothing, on synthetic observations (no models)."""

import numpy as np

from engine.faces.landmarks import FaceObservation
from engine.faces.tracks import MAX_GAP, TrackBuilder, densify, smooth, thumbnail, is_cut
from engine.faces.template import load_template


def face(dx: float, dy: float = 0.0, scale: float = 1.0) -> FaceObservation:
    return FaceObservation((load_template().points * scale + [dx, dy]).astype(np.float32), 0.9)


def test_two_faces_make_two_tracks_and_a_short_gap_is_filled():
    b = TrackBuilder()
    for i in range(30):
        faces = [face(0 + i), face(600 - i)]
        if 10 <= i < 10 + MAX_GAP:
            faces = faces[1:]  # the left face is missed for a few frames
        b.add(i, faces)
    tracks = b.finish()
    assert len(tracks) == 2
    dense = [densify(t) for t in tracks]
    left = min(dense, key=lambda d: d.landmarks[0, :, 0].mean())
    assert left.start_frame == 0 and left.end_frame == 30
    assert left.interpolated.sum() == MAX_GAP
    # interpolated positions lie on the line of motion
    np.testing.assert_allclose(left.landmarks[11, 0, 0], load_template().points[0, 0] + 11, atol=1e-3)


def test_long_gap_and_jump_split_tracks():
    b = TrackBuilder()
    for i in range(10):
        b.add(i, [face(0)])
    for i in range(10 + MAX_GAP + 2, 30):
        b.add(i, [face(0)])
    assert len(b.finish()) == 2
    b = TrackBuilder()
    for i in range(20):
        b.add(i, [face(0 if i < 10 else 400)])  # teleports: a different face
    assert len(b.finish()) == 2


def test_cut_closes_tracks():
    b = TrackBuilder()
    dark, bright = np.zeros((64, 64, 3), np.uint8), np.full((64, 64, 3), 200, np.uint8)
    for i in range(20):
        b.cut_before(i, dark if i < 10 else bright)
        b.add(i, [face(0)])
    assert b.cuts == [10] and [len(t.frames) for t in b.finish()] == [10, 10]
    assert not is_cut(thumbnail(dark), thumbnail(dark + 5))


def test_short_tracks_are_dropped_and_smoothing_reduces_jitter():
    b = TrackBuilder()
    for i in range(3):
        b.add(i, [face(0)])
    assert b.finish() == []
    rng = np.random.default_rng(0)
    x = np.zeros((200, 478, 2), np.float32) + rng.normal(0, 1, (200, 478, 2)).astype(np.float32)
    y = smooth(x, 1.5)
    assert np.abs(np.diff(y, axis=0)).mean() < 0.3 * np.abs(np.diff(x, axis=0)).mean()
