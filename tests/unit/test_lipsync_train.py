"""The trainer: GAN steps, progress events, checkpoints (weights_only), resume, cancel."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from engine.errors import JobCancelled
from engine.jobs.events import CancelToken, Progress, StageReporter
from engine.lipsync.config import PRESETS
from engine.lipsync.training.checkpoint import CheckpointError, load_checkpoint, load_generator
from engine.lipsync.training.trainer import Trainer, TrainSettings
from tests.unit.lipsync_helpers import TINY, tiny_dataset

SETTINGS = TrainSettings(steps=3, threads=1, checkpoint_every=2)


def _reporter(events: list[Progress], cancel: CancelToken | None = None) -> StageReporter:
    return StageReporter("train", events.append, cancel or CancelToken())


def test_gan_training_reports_progress_and_writes_a_self_describing_checkpoint(tmp_path):
    ckpt = tmp_path / "m.ckpt"
    events: list[Progress] = []
    result = Trainer(TINY, tiny_dataset(24), SETTINGS, ckpt).run(_reporter(events))
    assert result.step == 3 and result.stopped == "done"
    assert {"rec", "msssim", "l1", "land", "d_full", "d_av", "g_adv", "g_grad", "d_grad"} <= set(result.losses)
    assert [e.done for e in events] == [0, 1, 2, 3] and events[-1].total == 3
    assert "step/s" in events[-1].message and events[-1].eta == 0.0
    doc = torch.load(ckpt, weights_only=True)  # plain data only: loads without unpickling classes
    assert doc["format"] == "avdub-lipsync" and doc["config"]["name"] == "tiny"
    assert doc["meta"]["step"] == 3 and set(doc["state"]) == {"generator", "disc_full", "disc_av", "opt_g", "opt_d"}
    model = load_generator(ckpt)
    assert model.config == TINY and not model.training


def test_resume_continues_from_the_checkpoint(tmp_path):
    ckpt = tmp_path / "m.ckpt"
    ds = tiny_dataset(24)
    Trainer(TINY, ds, dataclasses.replace(SETTINGS, use_gan=False), ckpt).run(_reporter([]))
    first = load_checkpoint(ckpt)
    events: list[Progress] = []
    trainer = Trainer(TINY, ds, dataclasses.replace(SETTINGS, steps=5, use_gan=False), ckpt)
    assert trainer.step == 3
    for name, tensor in first.state["generator"].items():
        assert torch.equal(trainer.generator.state_dict()[name], tensor)
    result = trainer.run(_reporter(events))
    assert result.step == 5 and events[-1].total == 2
    assert load_checkpoint(ckpt).step == 5
    # Without resume, the same path starts over.
    assert Trainer(TINY, ds, dataclasses.replace(SETTINGS, resume=False), ckpt).step == 0


def test_cancel_saves_and_raises(tmp_path):
    ckpt = tmp_path / "m.ckpt"
    cancel = CancelToken()
    events: list[Progress] = []

    def sink(e: Progress) -> None:
        events.append(e)
        if e.done == 2:
            cancel.cancel()

    trainer = Trainer(TINY, tiny_dataset(24), dataclasses.replace(SETTINGS, steps=50, use_gan=False), ckpt)
    with pytest.raises(JobCancelled):
        trainer.run(StageReporter("train", sink, cancel))
    # Cancelled at the report after step 3 (the step in flight finishes): saved, resumable.
    assert load_checkpoint(ckpt).step == 3


def test_time_budget_stops_and_saves(tmp_path):
    ckpt = tmp_path / "m.ckpt"
    settings = dataclasses.replace(SETTINGS, steps=10_000, max_seconds=0.0, use_gan=False)
    result = Trainer(TINY, tiny_dataset(24), settings, ckpt).run(_reporter([]))
    assert result.stopped == "time" and result.step == 1 and load_checkpoint(ckpt).step == 1


def test_incompatible_checkpoints_are_refused(tmp_path):
    ckpt = tmp_path / "m.ckpt"
    Trainer(TINY, tiny_dataset(24), dataclasses.replace(SETTINGS, steps=1, use_gan=False), ckpt).run(_reporter([]))
    other = dataclasses.replace(PRESETS["tiny"], embed_dim=16)
    with pytest.raises(CheckpointError):
        Trainer(other, tiny_dataset(24, config=other), SETTINGS, ckpt)
    with pytest.raises(CheckpointError):
        Trainer(other, tiny_dataset(24, config=other), SETTINGS, tmp_path / "new.ckpt", init_from=ckpt)
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "junk.ckpt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "missing.ckpt")


def test_init_from_a_base_checkpoint_starts_at_step_zero(tmp_path):
    base = tmp_path / "base.ckpt"
    Trainer(TINY, tiny_dataset(24), dataclasses.replace(SETTINGS, steps=1, use_gan=False), base).run(_reporter([]))
    trainer = Trainer(TINY, tiny_dataset(24, seed=3), SETTINGS, tmp_path / "ft.ckpt", init_from=base)
    assert trainer.step == 0
    weights = load_checkpoint(base).state["generator"]
    assert all(torch.equal(trainer.generator.state_dict()[k], v) for k, v in weights.items())


def test_prune_models_keeps_the_one_in_use_and_the_newest_other(tmp_path):
    import os

    from engine.stages.train import CHECKPOINT, prune_models

    models = tmp_path / "lipsync-train"
    for age, name in enumerate(["new", "current", "old", "older"]):
        (models / name).mkdir(parents=True)
        (models / name / CHECKPOINT).write_bytes(b"x" * 1000)
        os.utime(models / name / CHECKPOINT, (1e9 - age * 100, 1e9 - age * 100))
    (models / "killed").mkdir()  # a run killed before its first save
    pruned = prune_models(models, models / "current")
    assert sorted(p.name for p in models.iterdir()) == ["current", "new"]
    assert (pruned.entries, pruned.bytes) == (3, 2000)
    assert prune_models(tmp_path / "absent", models / "current").entries == 0
