"""The closed-form audio → shape prior, single-reference selection, and the harness's crop alignment."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from engine.faces.align import apply
from engine.faces.masks import rect_pixels
from engine.faces.template import CROP_SIZE, MOUTH_RECT
from engine.lipsync.data.windows import WindowDataset
from engine.lipsync.eval.clip_preparation import stabilising_transforms
from engine.lipsync.mel import mel_windows, silence_share
from engine.lipsync.model.attention import SHAPE_UNIT, centred
from engine.lipsync.model.generator import LipSyncModel
from engine.lipsync.mouth import lip_opening
from engine.lipsync.training.shape_prior import fit_shape_prior
from engine.lipsync.training.trainer import Trainer, TrainSettings
from tests.synthetic_head import SyntheticTalkingHead
from tests.unit.lipsync_helpers import TINY, batch_of, lip_meshes

SHAPED = dataclasses.replace(TINY, attention="shape", attention_weight=1.0, attention_teacher_steps=20,
                             attention_prior=True, reference_pixels=True, attention_selection="top1")


def _dataset(frames: int = 160, seed: int = 1) -> WindowDataset:
    return WindowDataset(SyntheticTalkingHead(frames, seed=seed, num_references=SHAPED.num_references), SHAPED)


def test_prior_predicts_the_mouth_opening_from_the_audio_on_held_out_frames():
    """The synthetic head opens its mouth with the audio's envelope: the ridge map, fitted on
    the first four fifths of the frames, predicts the opening of the last fifth."""
    ds = _dataset()
    prior = fit_shape_prior(ds)
    assert prior is not None
    assert prior.held_out_opening_corr > 0.8, prior.describe()
    assert prior.weight.shape == (2 * SHAPED.num_landmarks, SHAPED.mel_bins * SHAPED.mel_frames)
    # Too few frames to fit: no prior (the query then starts at the references' mean shape).
    assert fit_shape_prior(ds, max_frames=20) is None


def test_digital_silence_gets_the_closed_mouth_not_an_extrapolation():
    ds = _dataset()
    prior = fit_shape_prior(ds)
    att = LipSyncModel(SHAPED).attention
    att.set_prior(prior.weight, prior.bias, prior.silence)
    b = batch_of(ds, 3)
    refs = centred(b["reference_landmarks"] * (CROP_SIZE / SHAPE_UNIT))
    silent = mel_windows(lambda start, n: np.zeros(n, np.float32), np.zeros(SHAPED.window),
                         SHAPED.mel_bins, SHAPED.mel_frames)[None]  # (1, T, F, L)
    assert float(silence_share(silent).min()) == 1.0 and float(silence_share(b["mel"]).max()) < 1.0
    quiet = att(torch.zeros(1, SHAPED.window, att.query[0].in_features), refs, b["reference_landmarks_valid"], silent)
    opening = lambda q: (q[..., 4, :] - q[..., 5, :]).norm(dim=-1)  # noqa: E731
    openings = [lip_opening(ds.source.landmarks(i)) / SHAPE_UNIT for i in range(ds.source.num_frames)]
    assert float(opening(quiet.query_shapes).max()) <= np.quantile(openings, 0.3)


def test_a_fresh_run_installs_the_prior_and_records_how_it_fitted(tmp_path):
    ds = _dataset(80)
    trainer = Trainer(SHAPED, ds, TrainSettings(steps=2, use_gan=False, threads=1, resume=False,
                                                checkpoint_every=10**6), tmp_path / "p.ckpt")
    assert float(trainer.generator.attention.prior_weight.abs().sum()) > 0
    assert trainer.shape_prior is not None and trainer.shape_prior["frames"] >= 40
    from engine.jobs.events import CancelToken, StageReporter
    trainer.run(StageReporter("train", lambda p: None, CancelToken()))
    from engine.lipsync.training.checkpoint import load_checkpoint, load_generator
    assert load_checkpoint(tmp_path / "p.ckpt").meta["shape_prior"] == trainer.shape_prior
    reloaded = load_generator(tmp_path / "p.ckpt")  # the prior travels in the state dict
    assert torch.equal(reloaded.attention.prior_weight, trainer.generator.attention.prior_weight)
    # A resumed run keeps the fitted prior instead of refitting it.
    again = Trainer(SHAPED, ds, TrainSettings(steps=3, use_gan=False, threads=1, checkpoint_every=10**6),
                    tmp_path / "p.ckpt")
    assert again.step == 2 and again.shape_prior == trainer.shape_prior


def test_top1_selection_pastes_exactly_one_real_reference_mouth():
    """With the blend weight forced to 1, the mouth rectangle of every output frame equals one
    reference's pixels, never a mix; gradients still reach the attention's query."""
    torch.manual_seed(0)
    ds = _dataset(60)
    b = batch_of(ds, 0)
    model = LipSyncModel(SHAPED)
    with torch.no_grad():
        model.decoder.head[-1].weight[3].zero_()
        model.decoder.head[-1].bias[3] = 50.0  # sigmoid → 1: the reference mouth only
        model.attention.query[-1].weight.normal_(0, 0.5)  # some audio-driven, non-uniform weights
    x1, y1, x2, y2 = rect_pixels(SHAPED.resolution, MOUTH_RECT)
    model.eval()
    with torch.no_grad():
        out = model(b["inputs"], b["mel"], b["language"], b["references"],
                    reference_landmarks=b["reference_landmarks"],
                    reference_landmarks_valid=b["reference_landmarks_valid"])
    refs = b["references"][0, :, :, y1:y2, x1:x2]  # (N, 3, h, w)
    for t in range(SHAPED.window):
        mouth = out.images[0, t, :, y1:y2, x1:x2]
        errors = (refs - mouth).abs().flatten(1).max(1).values  # (N,)
        assert float(errors.min()) < 1e-5, errors
        assert int(errors.argmin()) == int(out.attention[0, t].argmax())
    model.train()
    out = model(b["inputs"], b["mel"], b["language"], b["references"],
                reference_landmarks=b["reference_landmarks"],
                reference_landmarks_valid=b["reference_landmarks_valid"])
    out.images.mean().backward()
    assert float(model.attention.query[-1].weight.grad.abs().sum()) > 0


def test_stabilising_transforms_hold_moving_points_still():
    rng = np.random.default_rng(0)
    base = rng.uniform(80, 180, size=(5, 2))  # eye/nose points
    frames = []
    for k in range(40):
        a = 0.05 * np.sin(k / 5)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        frames.append((base - 128) @ rot.T * (1 + 0.03 * np.cos(k / 7)) + 128 + [8 * np.sin(k / 3), 5 * np.cos(k / 4)])
    points = np.stack(frames)
    points[7] = np.nan  # a frame where the face was not found
    transforms = stabilising_transforms(points, smooth=1)
    assert transforms.shape == (40, 2, 3)
    held = np.stack([apply(m, p) for m, p in zip(transforms, points)])
    spread = np.nanmax(np.abs(held - np.nanmedian(held, axis=0)))
    moved = np.nanmax(np.abs(points - np.nanmedian(points, axis=0)))
    assert moved > 8 and spread < 0.5, (moved, spread)
    assert np.isfinite(transforms[7]).all()  # interpolated from its neighbours


def test_linear_audio_ceiling_finds_lips_the_audio_determines_and_no_more():
    from engine.lipsync.eval.audio_ceiling import linear_audio_ceiling

    rng = np.random.default_rng(0)
    feats = rng.normal(size=(400, 12))
    mapping = rng.normal(0, 0.8, size=(12, 80))
    mesh = lip_meshes(feats, mapping, rng)
    mesh[5] = np.nan  # frames without a face are skipped
    told = linear_audio_ceiling(feats[:300], mesh[:300], feats[300:], mesh[300:])
    assert told["lmd"] < 0.05 and told["opening_corr"] > 0.99, told
    deaf = linear_audio_ceiling(rng.normal(size=(300, 12)), mesh[:300], rng.normal(size=(100, 12)), mesh[300:])
    assert deaf["lmd"] > 1.0 and abs(deaf["opening_corr"]) < 0.3, deaf


def test_one_reference_is_a_mouth_at_rest():
    from engine.lipsync.data.windows import with_rest_reference

    head = SyntheticTalkingHead(4)

    def shape(opening: float, width: float = 0.0) -> np.ndarray:
        head.opening = lambda i: opening  # the landmark drawing reads the opening through this
        pts = head.landmarks(0).astype(np.float64)
        pts[:2, 0] += [-width, width]  # mouth corners further apart
        return pts

    rng = np.random.default_rng(0)
    shapes = {i: shape(0.5 + 0.5 * rng.random()) for i in range(100)}  # a presenter who talks with an open mouth
    shapes.update({40: shape(0.0), 41: shape(0.02), 42: shape(0.01), 43: shape(0.0, width=6.0), 44: shape(0.03)})
    clusters = [list(range(k, 100, 10)) for k in range(10)]  # no first choice is closed
    chosen = with_rest_reference(clusters, shapes)
    assert len(chosen) == 10 and sum(c != d for c, d in zip(clusters, chosen)) == 1
    assert any(lip_opening(shapes[c[0]]) < lip_opening(shapes[44]) + 1e-6 for c in chosen)
    replaced = next(c for c, d in zip(chosen, clusters) if c != d)
    assert set(replaced[:5]) == {40, 41, 42, 43, 44}
    assert replaced[4] == 43  # the resting frame with unusually wide corners is the last resort
    assert with_rest_reference(chosen, shapes) == chosen  # already has one: unchanged
    assert with_rest_reference(clusters, {}) == clusters  # no landmarks: nothing to go by


def test_blend_floor_shows_the_chosen_reference_mouth_at_inference():
    """A model whose blend weight says "decoded only" still shows the chosen reference inside the
    mouth rectangle at the floor's share, and leaves everything outside it decoded."""
    from engine.lipsync.infer import _full_size

    torch.manual_seed(0)
    b = batch_of(_dataset(60), 0)
    floored = dataclasses.replace(SHAPED, reference_blend_floor=0.9)
    model = LipSyncModel(floored)
    with torch.no_grad():
        model.decoder.head[-1].weight[3].zero_()
        model.decoder.head[-1].bias[3] = -50.0  # sigmoid → 0: the decoded image only
        model.eval()
        out = model(b["inputs"], b["mel"], b["language"], b["references"],
                    reference_landmarks=b["reference_landmarks"],
                    reference_landmarks_valid=b["reference_landmarks_valid"])
    references = torch.rand(SHAPED.num_references, 3, CROP_SIZE, CROP_SIZE)  # the references' 256 px crops
    chosen = references[out.mixing[0].argmax(-1)]  # (T, 3, 256, 256)
    decoded = torch.nn.functional.interpolate(out.decoded[0].float(), size=(CROP_SIZE, CROP_SIZE), mode="bicubic",
                                              align_corners=False)
    with torch.no_grad():
        floor, plain = _full_size(out, references, floored), _full_size(out, references, SHAPED)
    x1, y1, x2, y2 = rect_pixels(CROP_SIZE, MOUTH_RECT)
    inside = (slice(None), slice(None), slice(y1 + 2, y2 - 2), slice(x1 + 2, x2 - 2))
    torch.testing.assert_close(floor[inside], (0.9 * chosen + 0.1 * decoded)[inside], atol=1e-4, rtol=0)
    torch.testing.assert_close(plain[inside], decoded[inside], atol=1e-4, rtol=0)
    torch.testing.assert_close(floor[:, :, :max(y1 - 2, 1)], decoded[:, :, :max(y1 - 2, 1)], atol=1e-4, rtol=0)


def test_inference_moves_the_prediction_away_from_its_mean_and_old_checkpoints_keep_theirs():
    ds = _dataset()
    prior = fit_shape_prior(ds)
    att = LipSyncModel(SHAPED).attention
    b = batch_of(ds, 3)
    refs = centred(b["reference_landmarks"] * (CROP_SIZE / SHAPE_UNIT))
    audio = torch.zeros(1, SHAPED.window, att.query[0].in_features)

    def query(gain: float, training: bool) -> torch.Tensor:
        att.set_prior(prior.weight, prior.bias, prior.silence, prior.mean, gain)
        att.train(training)
        return att(audio, refs, b["reference_landmarks_valid"], b["mel"]).query_shapes

    plain, trained_with_gain, inferred = query(1.0, False), query(2.0, True), query(2.0, False)
    assert torch.allclose(plain, trained_with_gain)  # training always sees the fitted map itself
    mean = centred(refs.mean(1, keepdim=True) + prior.mean.unflatten(-1, (-1, 2)))  # the gain's centre
    assert torch.allclose(inferred - mean, 2 * (plain - mean), atol=1e-4)
    # a state dict from before the gain existed loads as gain 1 (its outputs unchanged)
    old = {k: v for k, v in att.state_dict().items() if k not in ("prior_mean", "prior_gain")}
    fresh = LipSyncModel(SHAPED).attention
    fresh.load_state_dict(old)
    assert float(fresh.prior_gain) == 1.0
