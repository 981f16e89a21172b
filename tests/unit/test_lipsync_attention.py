"""Shape-keyed reference attention, its training targets, and the silence augmentation."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from engine.faces.template import CROP_SIZE
from engine.lipsync.config import PRESETS
from engine.lipsync.data.windows import WindowDataset
from engine.lipsync.mel import mel_windows
from engine.lipsync.model.attention import SHAPE_UNIT, ShapeAttention, centred
from engine.lipsync.model.generator import LipSyncModel
from engine.lipsync.mouth import lip_opening
from engine.lipsync.training.losses import attention_loss, attention_targets, shape_loss
from engine.lipsync.training.trainer import Trainer, TrainSettings
from tests.synthetic_head import SyntheticTalkingHead
from tests.unit.lipsync_helpers import TINY, batch_of

SHAPED = dataclasses.replace(TINY, attention="shape", attention_weight=1.0, attention_teacher_steps=20)


def _shapes(openings: list[float]) -> torch.Tensor:
    """(len, 13, 2) crop-fraction landmarks of the synthetic head at the given openings."""
    head = SyntheticTalkingHead(4)
    out = []
    for o in openings:
        head.opening = lambda i, o=o: o  # the landmark drawing reads the opening through this
        out.append(head.landmarks(0) / CROP_SIZE)
    return torch.tensor(np.stack(out), dtype=torch.float32)


def test_shape_attention_picks_the_reference_whose_mouth_matches_the_query():
    refs = _shapes([0.0, 0.3, 0.6, 1.0])[None]  # (1, 4, 13, 2)
    att = ShapeAttention(audio_dim=8, num_landmarks=13, temperature=0.5)
    # A query head that always answers "the mouth of reference 2".
    keys = centred(refs * (CROP_SIZE / SHAPE_UNIT))
    target = (keys[0, 2] - keys[0].mean(0)).flatten()  # the query is the keys' mean plus the head's output
    torch.nn.init.zeros_(att.query[2].weight)
    with torch.no_grad():
        att.query[2].bias.copy_(target)
    valid = torch.tensor([[True, True, True, True]])
    w = att(torch.randn(1, 3, 8), keys, valid).weights  # (1, 3, 4)
    assert torch.allclose(w.sum(-1), torch.ones(1, 3))
    assert (w.argmax(-1) == 2).all() and float(w[..., 2].detach().min()) > 0.9
    # An unknown reference never gets weight, even when it would match.
    w = att(torch.randn(1, 3, 8), keys, torch.tensor([[True, True, False, True]])).weights.detach()
    assert float(w[..., 2].max()) == 0.0 and torch.allclose(w.sum(-1), torch.ones(1, 3))


def test_attention_targets_and_losses():
    refs = _shapes([0.0, 0.5, 1.0])[None]
    frames = _shapes([0.1, 0.9])[None]  # (1, 2, 13, 2)
    t = attention_targets(frames, refs, torch.ones(1, 3, dtype=torch.bool), temperature=1.0 / CROP_SIZE)
    assert torch.allclose(t.sum(-1), torch.ones(1, 2))
    assert t[0, 0].argmax() == 0 and t[0, 1].argmax() == 2
    valid = torch.ones(1, 2, dtype=torch.bool)
    assert float(attention_loss(t, t, valid)) < float(attention_loss(torch.full_like(t, 1 / 3), t, valid))
    # Shape loss: zero for the exact centred shape in key units, positive otherwise, ignores invalid.
    exact = centred(frames * (CROP_SIZE / SHAPE_UNIT))
    assert float(shape_loss(exact, frames, valid)) < 1e-10
    assert float(shape_loss(exact + 0.1, frames, valid)) > 0
    assert float(shape_loss(exact + 5, frames, torch.zeros(1, 2, dtype=torch.bool))) == 0.0


def test_shape_model_needs_reference_landmarks():
    model = LipSyncModel(SHAPED)
    ds = WindowDataset(SyntheticTalkingHead(30, num_references=SHAPED.num_references), SHAPED)
    b = batch_of(ds, 0)
    try:
        model(b["inputs"], b["mel"], b["language"], b["references"])
    except ValueError as e:
        assert "landmarks" in str(e)
    else:
        raise AssertionError("a shape-attention model ran without the references' landmarks")
    out = model(b["inputs"], b["mel"], b["language"], b["references"], reference_landmarks=b["reference_landmarks"])
    assert out.query_shapes.shape == (1, SHAPED.window, 13, 2)


def test_silence_augmentation_silences_only_nearly_closed_frames():
    cfg = dataclasses.replace(SHAPED, silence_probability=1.0, silence_quantile=0.3)
    head = SyntheticTalkingHead(60, num_references=cfg.num_references)
    ds = WindowDataset(head, cfg)
    openings = np.array([lip_opening(head.landmarks(i)) for i in range(60)])
    assert ds.closed_frames == {i for i in range(60) if openings[i] <= np.quantile(openings, 0.3)}
    silent = mel_windows(lambda s, n: np.zeros(n, np.float32), np.zeros(1), cfg.mel_bins, cfg.mel_frames)[0]
    k = next(k for k, s in enumerate(ds.starts) if any(i in ds.closed_frames for i in range(s, s + cfg.window)))
    item = ds[k]
    frames = item["frames"].tolist()
    assert item["silenced"].tolist() == [i in ds.closed_frames for i in frames]
    for j, i in enumerate(frames):
        if i in ds.closed_frames:
            assert torch.equal(item["mel"][j], silent)
        else:
            assert not torch.equal(item["mel"][j], silent)
    # Without augmentation (inference datasets) nothing is silenced.
    assert WindowDataset(head, cfg, augment=False).closed_frames == set()


def test_supervised_attention_learns_to_follow_the_audio(tmp_path):
    """On the synthetic head (mouth opening = audio envelope) a short run makes the attention
    pick references by what the audio says: its cross-entropy to the targets falls well below
    that of uniform weights."""
    torch.manual_seed(0)
    ds = WindowDataset(SyntheticTalkingHead(80, seed=1, num_references=SHAPED.num_references), SHAPED)
    trainer = Trainer(SHAPED, ds, TrainSettings(steps=150, use_gan=False, threads=1, resume=False, batch_size=4,
                                                checkpoint_every=10**6), tmp_path / "x.ckpt")
    from engine.jobs.events import CancelToken, StageReporter
    seen = []
    trainer.run(StageReporter("train", lambda p: None, CancelToken()), on_step=lambda s: seen.append(s.losses))
    uniform = float(np.log(SHAPED.num_references))
    late = np.mean([s["att"] for s in seen[-20:]])
    assert late < 0.7 * uniform, (late, uniform)
    assert np.mean([s["att_max"] for s in seen[-20:]]) > 1.5 / SHAPED.num_references
