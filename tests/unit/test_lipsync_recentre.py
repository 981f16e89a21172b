"""References moved to the track's usual mouth place (engine.lipsync.data.recentre)."""

from __future__ import annotations

import cv2
import numpy as np

from engine.lipsync.data.recentre import MAX_SHIFT, MouthPlace, anchor, mouth_place, recentred_reference, shift_for
from engine.lipsync.data.windows import WindowDataset
from tests.synthetic_head import SyntheticTalkingHead
from tests.unit.lipsync_helpers import TINY


def test_the_place_follows_how_far_the_mouth_is_open():
    from engine.lipsync.mouth import lip_opening

    head = SyntheticTalkingHead(200, seed=1)
    place = mouth_place(head)
    # the synthetic upper lip rises 15 px per unit of opening, the inner lips part 24 px: the
    # anchor (two corners and the upper lip) rises 5 px per 24 px of opening
    np.testing.assert_allclose(place.per_opening, [0.0, -5 / 24], atol=0.02)
    residuals = np.stack([anchor(head.landmarks(i)) - place.at(lip_opening(head.landmarks(i))) for i in range(200)])
    np.testing.assert_allclose(np.median(residuals, axis=0), [0.0, 0.0], atol=0.05)  # what is left is the drift
    few = mouth_place(head, range(10, 20))  # too few frames to fit a slope: the median anchor
    assert not few.per_opening.any()
    np.testing.assert_allclose(few.base, np.median([anchor(head.landmarks(i)) for i in range(10, 20)], axis=0))


def test_no_landmarks_no_place():
    class Blind:
        num_frames = 5

        def landmarks(self, i):
            return None

    assert mouth_place(Blind()) is None


def test_the_anchor_moves_far_less_than_the_lower_lip_when_the_jaw_opens():
    head = SyntheticTalkingHead(4)
    head.opening = lambda i: 0.0
    closed = head.landmarks(0)
    head.opening = lambda i: 1.0
    opened = head.landmarks(0)
    anchor_move = np.linalg.norm(anchor(opened) - anchor(closed))
    lower_lip_move = np.linalg.norm(opened[3] - closed[3])  # MOUTH_JAW row 3: lower lip middle (17)
    assert anchor_move < lower_lip_move / 2, (anchor_move, lower_lip_move)


def test_a_reference_moves_with_its_landmarks_onto_the_place():
    head = SyntheticTalkingHead(20, seed=2)
    place = MouthPlace(anchor(head.landmarks(5)) + np.array([3.0, -2.0]), np.zeros(2))
    crop, points = recentred_reference(head, 5, place)
    np.testing.assert_allclose(anchor(points), place.base, atol=1e-4)
    # the pixels moved as far as the points, by whole pixels: nothing is interpolated
    np.testing.assert_array_equal(crop[40:200, 40:200], head.crop(5)[42:202, 37:197])
    half_pixel = recentred_reference(head, 5, MouthPlace(anchor(head.landmarks(5)) + [2.4, 0.0], np.zeros(2)))[1]
    np.testing.assert_allclose(anchor(half_pixel) - anchor(head.landmarks(5)), [2.0, 0.0], atol=1e-4)


def test_a_smaller_crop_moves_by_the_same_share_of_its_size():
    head = SyntheticTalkingHead(20, seed=2)

    class Half:  # a track gives its cached frames at the model's resolution
        def crop(self, i):
            return cv2.resize(head.crop(i), (128, 128), interpolation=cv2.INTER_AREA)

        def landmarks(self, i):
            return head.landmarks(i)

    place = MouthPlace(anchor(head.landmarks(5)) + np.array([6.0, -4.0]), np.zeros(2))
    crop, points = recentred_reference(Half(), 5, place)
    assert crop.shape == (128, 128, 3)
    np.testing.assert_allclose(anchor(points), place.base, atol=1e-4)  # landmarks stay in template px
    np.testing.assert_array_equal(crop[20:100, 20:100], Half().crop(5)[22:102, 17:97])


def test_shifts_are_bounded_and_unknown_mouths_stay_put():
    points = np.zeros((13, 2), np.float32)
    far = MouthPlace(np.array([30.0, 40.0]), np.zeros(2))
    assert np.linalg.norm(shift_for(points, far)) == MAX_SHIFT
    assert not shift_for(None, far).any()
    assert not shift_for(points, None).any()


def test_training_references_sit_at_the_tracks_mouth_place():
    head = SyntheticTalkingHead(40, seed=3, num_references=TINY.num_references)
    ds = WindowDataset(head, TINY)
    item = ds[0]
    refs = [int(i) for i in item["reference_frames"]]
    moved = item["reference_landmarks"].numpy() * 256  # (N, 13, 2) template px
    for j, i in enumerate(refs):
        expected = head.landmarks(i) + np.round(shift_for(head.landmarks(i), ds.mouth_place))  # whole pixels
        np.testing.assert_allclose(moved[j], expected, atol=1e-3)
    assert any(np.abs(shift_for(head.landmarks(i), ds.mouth_place)).max() > 0.5 for i in refs)
