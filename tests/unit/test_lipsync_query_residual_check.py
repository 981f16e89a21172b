"""The held-out check of the learned part of the shape query (engine.lipsync.training.query_residual_check)."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import ConcatDataset

from engine.lipsync.model.generator import LipSyncModel
from engine.lipsync.training.query_residual_check import HELD_SHARE, split_for_query_check
from engine.lipsync.training.shape_prior import fit_shape_prior
from engine.lipsync.training.trainer import Trainer, TrainSettings
from tests.unit.lipsync_helpers import tiny_dataset
from tests.unit.test_lipsync_prior import SHAPED, _dataset


def _frames(ds) -> set[int]:
    return {f for s in ds.starts for f in range(s, s + ds.config.window)}


def test_the_latest_windows_are_held_out_of_training():
    ds = _dataset(240)
    train, check = split_for_query_check(ds)
    assert check is not None and check.frames >= 30
    held = set(range(sorted(ds.starts)[-int(len(ds.starts) * HELD_SHARE)], ds.source.num_frames))
    assert not (_frames(train) & held), "a training window touches a held-out frame"
    assert len(train) < len(ds) and ds.starts == sorted(ds.starts)  # the caller's dataset is untouched
    # several tracks: each keeps its own latest windows back
    both, check2 = split_for_query_check(ConcatDataset([_dataset(240), _dataset(240, seed=2)]))
    assert isinstance(both, ConcatDataset) and check2.frames > check.frames
    # too little to judge, or not window datasets: unchanged, no check
    small = _dataset(60)
    assert split_for_query_check(small) == (small, None)
    plain = torch.utils.data.TensorDataset(torch.zeros(3))
    assert split_for_query_check(plain) == (plain, None)


def test_a_harmful_learned_query_is_switched_off_and_a_harmless_one_kept():
    ds = _dataset(240)
    train, check = split_for_query_check(ds)
    prior = fit_shape_prior(train)
    model = LipSyncModel(SHAPED)
    model.attention.set_prior(prior.weight, prior.bias, prior.silence, prior.mean)
    # zero-initialised learned part: both ways choose the same references; it is kept
    result = check.choose(model)
    assert result["residual_gain"] == 1.0 and result["corr_learned"] == result["corr_prior_only"] > 0.5
    # a learned part that throws the query about: the prior alone is better, so it is switched off
    torch.manual_seed(0)
    for layer in (model.attention.query[0], model.attention.query[2]):
        torch.nn.init.normal_(layer.weight, std=3.0)
    result = check.choose(model)
    assert result["residual_gain"] == 0.0 and result["corr_prior_only"] > result["corr_learned"]
    assert model.training  # the check leaves the mode as it found it


def test_the_trainer_records_the_choice_in_the_checkpoint(tmp_path):
    from engine.jobs.events import CancelToken, StageReporter
    from engine.lipsync.training.checkpoint import load_checkpoint, load_generator

    trainer = Trainer(SHAPED, _dataset(240), TrainSettings(steps=2, use_gan=False, threads=1, checkpoint_every=10**6),
                      tmp_path / "q.ckpt")
    assert trainer.query_check is not None and trainer.shape_prior is not None
    trainer.run(StageReporter("train", lambda p: None, CancelToken()))
    meta = load_checkpoint(tmp_path / "q.ckpt").meta
    assert set(meta["query_check"]) == {"frames", "corr_learned", "corr_prior_only", "residual_gain"}
    assert float(load_generator(tmp_path / "q.ckpt").attention.residual_gain) == meta["query_check"]["residual_gain"]
    # the paper's dot-product attention has no learned shape query to judge
    plain = Trainer(tiny_dataset().config, tiny_dataset(), TrainSettings(steps=1, threads=1), tmp_path / "d.ckpt")
    assert plain.query_check is None


def test_the_harness_can_override_the_inference_gains_of_one_checkpoint(tmp_path):
    import pytest

    from engine.errors import AvdubError
    from engine.lipsync.eval.harness import EvalSettings, _override_query

    def settings(**gains) -> EvalSettings:
        return EvalSettings(video=tmp_path / "clip.mp4", out=tmp_path, **gains)

    model = LipSyncModel(SHAPED)
    assert _override_query(model, settings()) == {"residual_gain": 1.0, "prior_gain": 1.0}
    with pytest.raises(AvdubError, match="before the prior's inference gain"):  # no mean to scale around
        _override_query(model, settings(prior_gain=2.0))
    prior = fit_shape_prior(_dataset(240))
    model.attention.set_prior(prior.weight, prior.bias, prior.silence, prior.mean, 2.0)
    assert _override_query(model, settings(prior_gain=1.0, residual_gain=0.0)) == {
        "residual_gain": 0.0, "prior_gain": 1.0}
    dot = LipSyncModel(tiny_dataset().config)  # the paper's attention: nothing to override
    assert _override_query(dot, settings()) is None
    with pytest.raises(AvdubError, match="shape attention"):
        _override_query(dot, settings(residual_gain=0.0))


def test_held_out_frames_in_runs_with_gaps_are_each_judged_once():
    ds = _dataset(240)
    t = ds.config.window
    # a sampled lecture track: runs of starts with gaps (here three runs of 12 starts)
    runs = [range(a, a + 12) for a in (20, 100, 180)]
    ds.starts = [s for r in runs for s in r]
    _, check = split_for_query_check(ds, share=2 / 3)  # the latest two runs: 2 × 20 frames
    real = np.concatenate([w.openings for w in check.windows])
    # per run: a window every t starts and one at its last start, not one per start
    assert len(check.windows) == 2 * (len(range(0, 12, t)) + (11 % t != 0))
    assert np.isfinite(real).sum() == check.frames == 2 * (12 + t - 1)
