"""The generator: shapes, presets, and the information-leak guarantees of the model itself."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Subset

from engine.faces.masks import masked_input, masked_reference, mouth_rect_mask
from engine.lipsync.config import PRESETS, LipSyncConfig, preset
from engine.lipsync.model.generator import LipSyncModel
from engine.lipsync.training.trainer import Trainer, TrainSettings
from tests.unit.lipsync_helpers import TINY, batch_of, tiny_dataset


def _run(model: LipSyncModel, b: dict[str, torch.Tensor]):
    with torch.no_grad():
        return model(b["inputs"], b["mel"], b["language"], b["references"])


def test_presets_have_a_1x1_bottleneck_and_valid_shapes():
    for name, cfg in PRESETS.items():
        assert cfg.levels == cfg.resolution.bit_length()  # log2(R) + 1 blocks
        assert preset(name) is cfg
    assert PRESETS["paper"].channels == (16, 32, 64, 128, 256, 256, 512, 512, 512)
    assert PRESETS["paper"].resolution == 256 and PRESETS["paper"].num_references == 10
    with pytest.raises(ValueError):
        LipSyncConfig(resolution=128)  # 9 widths cannot reach 1×1 from 128 px
    with pytest.raises(ValueError):
        preset("huge")


def test_config_round_trips_through_a_plain_dict():
    cfg = PRESETS["cpu"]
    assert LipSyncConfig.from_dict(cfg.to_dict()) == cfg


def test_forward_shapes_and_output_range():
    torch.manual_seed(0)
    model = LipSyncModel(TINY)
    b = batch_of(tiny_dataset(), 0, 3)
    out = _run(model, b)
    r = TINY.resolution
    assert out.images.shape == (2, TINY.window, 3, r, r)
    assert out.landmarks.shape == (2, TINY.window, 13, 2)
    assert out.attention.shape == (2, TINY.window, TINY.num_references)
    assert torch.allclose(out.attention.sum(-1), torch.ones(2, TINY.window))
    assert 0 <= float(out.images.min()) and float(out.images.max()) <= 1


def test_shape_mismatch_is_caught_at_the_boundary():
    model = LipSyncModel(TINY)
    b = batch_of(tiny_dataset(), 0)
    with pytest.raises(AssertionError):
        model(b["inputs"][..., :-1, :-1], b["mel"], b["language"], b["references"])


def test_hidden_mouth_pixels_of_the_input_cannot_change_the_output():
    torch.manual_seed(1)
    model = LipSyncModel(TINY).eval()
    b = batch_of(tiny_dataset(), 2)
    base = _run(model, b)
    mouth = torch.from_numpy(mouth_rect_mask(TINY.resolution, TINY.mouth_rect))
    noisy = dict(b, inputs=torch.where(mouth, torch.rand_like(b["inputs"]), b["inputs"]))
    assert not torch.equal(noisy["inputs"], b["inputs"])
    out = _run(model, noisy)
    assert torch.equal(out.images, base.images)  # exactly identical, not merely close
    assert torch.equal(out.landmarks, base.landmarks)
    # And the pixels a reference must not show (outside the mouth) are ignored too.
    refs = torch.where(mouth, b["references"], torch.rand_like(b["references"]))
    assert torch.equal(_run(model, dict(b, references=refs)).images, base.images)


def test_visible_pixels_and_audio_do_change_the_mouth():
    torch.manual_seed(2)
    model = LipSyncModel(TINY).eval()
    b = batch_of(tiny_dataset(), 2)
    base = _run(model, b)
    mouth = torch.from_numpy(mouth_rect_mask(TINY.resolution, TINY.mouth_rect))
    other_audio = _run(model, dict(b, mel=torch.flip(b["mel"], dims=[1]) + 0.5))
    assert (other_audio.images - base.images)[..., mouth].abs().mean() > 1e-4
    visible = dict(b, inputs=torch.where(mouth, b["inputs"], torch.rand_like(b["inputs"])))
    assert not torch.equal(_run(model, visible).images, base.images)


@pytest.mark.slow
def test_overfits_one_window():
    """The generator can fit one window: the reconstruction loss falls to near zero (< 60 s on CPU)."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cfg = dataclasses.replace(TINY, lr_generator=2e-3)
    ds = Subset(tiny_dataset(config=cfg), [5])
    trainer = Trainer(cfg, ds, TrainSettings(steps=10**6, use_gan=False, resume=False), "/nonexistent/x.ckpt")
    batch = next(iter(DataLoader(ds, batch_size=1)))
    first = trainer.train_step(batch)
    for _ in range(60):
        last = trainer.train_step(batch)
    assert first["rec"] > 0.3
    assert last["rec"] < 0.03 and last["msssim"] > 0.97 and last["l1"] < 0.01


@pytest.mark.parametrize("resolution", [256, 128, 64])
def test_debug_crops_hide_exactly_the_pixels_the_model_hides(resolution):
    """``avdub crops`` writes masked_input / masked_reference (engine.faces.export); the model
    masks its inputs and references itself. Both must hide the same pixels at every size."""
    widths = (8,) * (resolution.bit_length())  # log2(R) + 1 encoder blocks
    config = dataclasses.replace(TINY, resolution=resolution, channels=widths)
    model = LipSyncModel(config).eval()
    rng = np.random.default_rng(resolution)
    crop = rng.integers(1, 256, (resolution, resolution, 3), dtype=np.uint8)  # no pixel is 0 by itself
    frames = torch.from_numpy(crop).permute(2, 0, 1)[None].float() / 255.0  # (1, 3, R, R)
    with torch.no_grad():
        model_hides_input = (model.mask_inputs(frames)[0] == 0).all(0).numpy()  # (R, R): set to 0 = hidden
        model_keeps_reference = (model.mask_references(frames)[0] != 0).any(0).numpy()
    crops_hide_input = (masked_input(crop) == 0).all(-1)
    crops_keep_reference = (masked_reference(crop) != 0).any(-1)
    assert np.array_equal(crops_hide_input, model_hides_input)
    assert np.array_equal(crops_keep_reference, model_keeps_reference)
    assert np.array_equal(crops_hide_input, mouth_rect_mask(resolution, config.mouth_rect))
    assert 0 < crops_hide_input.sum() < resolution * resolution
