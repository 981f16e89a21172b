"""Track linking, gaps, cuts and smoothing, on synthetic observations (no models)."""

import dataclasses

import numpy as np
import pytest

from engine.faces.landmarks import FaceObservation
from engine.faces import tracks as tracks_module
from engine.faces.speaking import mouth_opening, opening_of
from engine.faces.tracking import finish_track
from engine.faces.tracks import MAX_GAP, TrackBuilder, densify, smooth, thumbnail, is_cut
from engine.faces.template import ALIGN_INDICES, load_template


def face(dx: float, dy: float = 0.0, scale: float = 1.0) -> FaceObservation:
    return FaceObservation((load_template().points * scale + [dx, dy]).astype(np.float32), 0.9)


def test_two_faces_make_two_tracks_and_a_short_gap_is_filled(tmp_path):
    b = TrackBuilder(tmp_path)
    for i in range(30):
        faces = [face(0 + i), face(600 - i)]
        if 10 <= i < 10 + MAX_GAP:
            faces = faces[1:]  # the left face is missed for a few frames
        b.add(i, faces)
    tracks = b.finish()
    assert len(tracks) == 2
    dense = [densify(t, tmp_path / f"dense{i}.npy") for i, t in enumerate(tracks)]
    left = min(dense, key=lambda d: d.read(0, 1)[0, :, 0].mean())
    assert left.start_frame == 0 and left.end_frame == 30
    assert left.interpolated.sum() == MAX_GAP
    # interpolated positions lie on the line of motion
    np.testing.assert_allclose(left.read(11, 12)[0, 0, 0], load_template().points[0, 0] + 11, atol=1e-3)
    assert not list(tmp_path.glob("raw-*"))  # the spools are gone once the tracks are dense


def test_long_gap_and_jump_split_tracks(tmp_path):
    b = TrackBuilder(tmp_path / 'a')
    for i in range(10):
        b.add(i, [face(0)])
    for i in range(10 + MAX_GAP + 2, 30):
        b.add(i, [face(0)])
    assert len(b.finish()) == 2
    b = TrackBuilder(tmp_path / 'b')
    for i in range(20):
        b.add(i, [face(0 if i < 10 else 400)])  # teleports: a different face
    assert len(b.finish()) == 2


def test_cut_closes_tracks(tmp_path):
    b = TrackBuilder(tmp_path)
    dark, bright = np.zeros((64, 64, 3), np.uint8), np.full((64, 64, 3), 200, np.uint8)
    for i in range(20):
        b.cut_before(i, dark if i < 10 else bright)
        b.add(i, [face(0)])
    assert b.cuts == [10] and [len(t.frames) for t in b.finish()] == [10, 10]
    assert not is_cut(thumbnail(dark), thumbnail(dark + 5))


def test_short_tracks_are_dropped_and_smoothing_reduces_jitter(tmp_path):
    b = TrackBuilder(tmp_path)
    for i in range(3):
        b.add(i, [face(0)])
    assert b.finish() == []
    assert not list(tmp_path.iterdir())  # a dropped track leaves no spool behind
    rng = np.random.default_rng(0)
    x = np.zeros((200, 478, 2), np.float32) + rng.normal(0, 1, (200, 478, 2)).astype(np.float32)
    y = smooth(x, 1.5)
    assert np.abs(np.diff(y, axis=0)).mean() < 0.3 * np.abs(np.diff(x, axis=0)).mean()


@pytest.mark.parametrize("block_rows", [7, 64, 4096])
def test_tracks_stream_through_blocks_with_the_result_of_one_pass(tmp_path, monkeypatch, block_rows):
    """Gap filling and smoothing in blocks (any size) equal doing them on the whole track at once."""
    monkeypatch.setattr(tracks_module, "BLOCK_ROWS", block_rows)
    rng = np.random.default_rng(1)
    n = 150
    observed = [i for i in range(n) if i % 37 not in (5, 6)]  # two-frame gaps, some across block edges
    moves = rng.normal(0, 2.0, (n, 2)).cumsum(0)
    faces = {i: face(float(moves[i, 0]) + 300, float(moves[i, 1]) + 300) for i in observed}
    b = TrackBuilder(tmp_path / "spool")
    for i in observed:
        b.add(i, [faces[i]])
    (raw,) = b.finish()
    dense = densify(raw, tmp_path / "dense.npy")
    data = finish_track("face-x", dense, np.arange(n) / 25.0, 25.0, tmp_path / "face-x")
    # the same computed on the whole track in memory
    frames = np.asarray(observed)
    stack = np.stack([faces[i].landmarks for i in observed]).reshape(len(observed), -1)
    whole = np.stack([np.interp(np.arange(n), frames, stack[:, j]) for j in range(stack.shape[1])], 1)
    whole = whole.reshape(n, 478, 2).astype(np.float32)
    np.testing.assert_array_equal(dense.read(0, n), whole)
    expected = smooth(whole, tracks_module.SMOOTH_SIGMA_S * 25.0)
    align = list(ALIGN_INDICES)
    expected[:, align] = smooth(whole[:, align], tracks_module.ALIGN_SIGMA_S * 25.0)
    np.testing.assert_array_equal(np.asarray(data.landmarks), expected)
    assert data.interpolated.sum() == n - len(observed) and len(data) == n
    # the tracker stores the lip gap, so choosing the speaking face maps no landmarks
    np.testing.assert_array_equal(np.asarray(data.opening), opening_of(expected))
    without = dataclasses.replace(data, opening=None)  # a track written before the gap was stored
    np.testing.assert_allclose(mouth_opening(without), mouth_opening(data), rtol=1e-6, atol=1e-9)
    assert np.asarray(data.transforms).shape == (n, 2, 3) and np.isfinite(data.transforms).all()

