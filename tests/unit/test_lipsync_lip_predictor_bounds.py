"""The landmark-space bounds of the harness's lmd target (engine.lipsync.eval.lip_predictor_bounds)."""

from __future__ import annotations

import numpy as np

from engine.faces.masks import rect_pixels
from engine.faces.template import CROP_SIZE, MOUTH_RECT
from engine.lipsync.eval.lip_predictor_bounds import VISIBLE_SIZE, lip_bounds, visible_pixels
from engine.lipsync.mouth import LIP_INDICES
from tests.unit.lipsync_helpers import lip_meshes


def _clip(rng: np.random.Generator, frames: int = 400, hidden: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(features (F, 12), meshes (F, 478, 2)): the lips follow the features, plus ``hidden``
    further causes the features do not show."""
    causes = rng.normal(size=(frames, 12 + hidden))
    mapping = rng.normal(0, 0.8, size=(12 + hidden, 80))
    return causes[:, :12], lip_meshes(causes, mapping, rng)


def test_predictors_reach_lips_the_audio_determines():
    feats, mesh = _clip(np.random.default_rng(0))
    b = lip_bounds(feats[:300], mesh[:300], feats[300:], mesh[300:])
    assert b["ridge_audio"] < 0.05, b  # the lips are linear in the features
    assert b["mlp_audio"] < 0.5 * b["mean_shape"], b
    assert b["knn_audio"] < b["mean_shape"], b
    assert b["ridge_audio_visible"] is None  # no pixels given
    assert b["oracle_pc2"] < b["oracle_pc1"] < b["mean_shape"], b
    assert b["oracle_nearest_train"] < b["mean_shape"], b


def test_what_the_audio_does_not_show_bounds_every_audio_predictor():
    feats, mesh = _clip(np.random.default_rng(1), hidden=12)  # half the lips' causes are not heard
    b = lip_bounds(feats[:300], mesh[:300], feats[300:], mesh[300:], mlp=False)
    assert b["mlp_audio"] is None
    # half the variance explained: about 0.7 of the mean shape's distance, and no better
    assert 0.55 * b["mean_shape"] < b["ridge_audio"] < 0.85 * b["mean_shape"], b
    assert b["knn_audio"] > b["ridge_audio"], b


def test_visible_pixels_help_only_when_they_carry_the_lips():
    rng = np.random.default_rng(2)
    feats, mesh = _clip(rng, hidden=12)
    deaf = rng.normal(size=feats.shape)
    told = lip_bounds(deaf[:300], mesh[:300], deaf[300:], mesh[300:], feats[:300], feats[300:], mlp=False)
    assert told["ridge_audio_visible"] < 0.8 * told["ridge_audio"], told
    noise = rng.normal(size=(400, 30))
    blind = lip_bounds(deaf[:300], mesh[:300], deaf[300:], mesh[300:], noise[:300], noise[300:], mlp=False)
    assert blind["ridge_audio_visible"] > 0.9 * blind["mean_shape"], blind


def test_a_few_references_bound_what_copying_one_of_them_reaches():
    feats, mesh = _clip(np.random.default_rng(5))
    mesh[7] = np.nan  # a reference without a mesh is skipped
    every = lip_bounds(feats[:300], mesh[:300], feats[300:], mesh[300:], mlp=False, references=range(300))
    assert every["oracle_nearest_reference"] == every["oracle_nearest_train"]
    few = lip_bounds(feats[:300], mesh[:300], feats[300:], mesh[300:], mlp=False, references=[3, 7, 50, 120, 200])
    assert few["oracle_nearest_reference"] > every["oracle_nearest_train"], few
    assert few["ridge_nearest_reference"] >= few["oracle_nearest_reference"], few
    assert few["ridge_nearest_reference_recentred"] is not None
    assert lip_bounds(feats[:300], mesh[:300], feats[300:], mesh[300:], mlp=False)["oracle_nearest_reference"] is None


def test_references_off_their_usual_place_are_moved_back():
    feats, mesh = _clip(np.random.default_rng(9))
    refs = [10, 40, 80, 120, 160, 200, 240, 280]
    tilted = mesh.copy()
    lips = np.array(LIP_INDICES)
    tilted[np.ix_(refs[::2], lips, [1])] += 5.0  # these references' heads were tilted: lips lower
    tilted[np.ix_(refs[1::2], lips, [1])] -= 5.0
    b = lip_bounds(feats[:300], tilted[:300], feats[300:], tilted[300:], mlp=False, references=refs)
    assert b["ridge_nearest_reference_recentred"] < 0.8 * b["ridge_nearest_reference"], b


def test_too_few_meshed_frames_give_no_figures():
    feats, mesh = _clip(np.random.default_rng(3), frames=60)
    mesh[:30] = np.nan
    assert set(lip_bounds(feats[:40], mesh[:40], feats[40:], mesh[40:]).values()) == {None}


def test_visible_pixels_never_see_the_mouth_rectangle():
    rng = np.random.default_rng(4)
    crop = rng.integers(0, 255, size=(CROP_SIZE, CROP_SIZE, 3), dtype=np.uint8)
    x0, y0, x1, y1 = rect_pixels(CROP_SIZE, MOUTH_RECT)
    other = crop.copy()
    other[y0:y1, x0:x1] = 255 - other[y0:y1, x0:x1]  # a different mouth
    a, b = visible_pixels(crop, MOUTH_RECT), visible_pixels(other, MOUTH_RECT)
    assert a.shape == (VISIBLE_SIZE * VISIBLE_SIZE,)
    np.testing.assert_array_equal(a, b)
    other[:y0] = 0  # a different forehead is seen
    assert np.abs(visible_pixels(other, MOUTH_RECT) - a).max() > 10


def test_drift_and_explained_modes():
    from engine.lipsync.eval.lip_predictor_bounds import lip_drift

    feats, mesh = _clip(np.random.default_rng(6))
    told = lip_drift(mesh[:300], mesh[300:], feats[:300], feats[300:])
    assert told["held_mean_shift"] < 0.5 and min(told["ridge_component_r2"]) > 0.95, told
    moved = mesh.copy()
    moved[300:, list(LIP_INDICES), 1] += 3.0  # the held-out lips sit lower
    drifted = lip_drift(moved[:300], moved[300:], feats[:300], feats[300:])
    assert 2.0 < drifted["held_mean_shift"] < 4.0, drifted
    deaf = lip_drift(mesh[:300], mesh[300:], np.random.default_rng(7).normal(size=(300, 12)),
                     np.random.default_rng(8).normal(size=(100, 12)))
    assert max(deaf["ridge_component_r2"]) < 0.3, deaf
