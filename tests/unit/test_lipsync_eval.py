"""The lip-sync quality harness: measures on known inputs, baselines on a real clip, the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.cli.main import main
from engine.lipsync.data.clip_source import ClipWindowSource
from engine.lipsync.eval import baselines
from engine.lipsync.eval import metrics as M
from engine.lipsync.eval.harness import SHIFTS, _shifted, _silence
from engine.lipsync.mouth import inner_opening
from engine.models.registry import ModelRegistry
from tests.conftest import media_file

SPEECH = "video/speech_en_60s.mp4"
SPEECH_BOX = (51, 68, 168)  # the face of speech_en_60s, template-like (see docs/lipsync-eval.md)


@pytest.fixture(scope="module")
def speech_source() -> ClipWindowSource:
    return ClipWindowSource(media_file(SPEECH), SPEECH_BOX, "en", num_references=3, max_frames=160)


@pytest.fixture(scope="module")
def real_opening(speech_source) -> np.ndarray:
    """Inner-lip opening (px) of 160 real frames of speech_en_60s."""
    try:
        registry = ModelRegistry.from_environment()
        registry.locate("face-landmarker"), registry.locate("yunet")
    except Exception as exc:  # noqa: BLE001 - a missing model skips with its message
        pytest.skip(f"face models not available: {exc}")
    lms = M.MouthLandmarks(registry, speech_source.frames[::20])
    try:
        return inner_opening(lms.measure(speech_source.frames))
    finally:
        lms.close()


def test_blur_lowers_laplacian_variance_and_ssim(speech_source):
    images = speech_source.frames[:4]
    blurred = np.stack([cv2.GaussianBlur(im, (0, 0), 3) for im in images])
    box = (64, 140, 192, 230)
    assert M.laplacian_variance(blurred, box) < 0.3 * M.laplacian_variance(images, box)
    s_same, p_same = M.ssim_psnr(images, images, box)
    s_blur, p_blur = M.ssim_psnr(blurred, images, box)
    assert s_same == pytest.approx(1.0, abs=1e-4) and p_same > 90
    assert s_blur < 0.95 and p_blur < 40


def test_correlation_and_lag_on_synthetic_series():
    rng = np.random.default_rng(0)
    x = np.convolve(rng.normal(size=200), np.ones(5) / 5, "same")
    assert M.correlation(x, x) == pytest.approx(1.0)
    assert M.correlation(x, -x) == pytest.approx(-1.0)
    assert M.correlation(x, np.ones_like(x)) is None  # constant series: undefined, not 0
    for lag in (-5, 0, 3, 5):
        assert M.estimate_lag(x, np.roll(x, lag), 10) == lag


def test_real_opening_series_and_its_shift_are_recovered(real_opening):
    assert np.isnan(real_opening).mean() < 0.05
    s = M.fill_missing(real_opening)
    assert s.std() > 1.0, "a speaking mouth opens and closes by more than a pixel"
    for lag in (-5, 5):
        shifted = np.empty_like(s)  # shifted[t] = s[t − lag], edges held
        shifted[max(0, lag):len(s) + min(0, lag)] = s[max(0, -lag):len(s) - max(0, lag)]
        shifted[:max(0, lag)] = s[0]
        shifted[len(s) + min(0, lag):] = s[-1]
        assert M.estimate_lag(s, shifted, 10) == lag


def test_lip_distance_zero_for_same_and_centred_ignores_translation():
    rng = np.random.default_rng(1)
    lm = rng.uniform(50, 200, size=(6, 478, 2)).astype(np.float32)
    assert M.lip_distance(lm, lm) == 0.0
    moved = lm + np.array([3.0, 4.0], np.float32)
    assert M.lip_distance(moved, lm) == pytest.approx(5.0, abs=1e-4)
    assert M.lip_distance(moved, lm, centred=True) == pytest.approx(0.0, abs=1e-4)


def test_baselines_on_a_real_clip(speech_source, real_opening):
    train, held = range(0, 120), range(130, 160)
    # A frame's own audio is its nearest neighbour among frames that include it.
    same = baselines.nearest_audio_frames(speech_source, range(0, 160), [10, 50, 140], 80, 24)
    assert same == [10, 50, 140]
    donors = baselines.nearest_audio_frames(speech_source, train, held, 80, 24)
    assert len(donors) == len(held) and all(d in train for d in donors)
    picks = baselines.pick_fixed_frames(train, real_opening[:120])
    assert real_opening[picks["closed"]] <= real_opening[picks["median"]]
    assert real_opening[picks["closed"]] == np.nanmin(real_opening[:120])
    pasted = baselines.baseline_frames(speech_source, held, [picks["closed"]] * len(held))
    mask = speech_source.loss_mask(held.start)
    original, donor = speech_source.crop(held.start), speech_source.crop(picks["closed"])
    outside, inside = mask < 1e-3, mask > 0.999
    assert np.array_equal(pasted[0][outside], original[outside])
    assert np.abs(pasted[0][inside].astype(int) - donor[inside]).max() <= 1
    feather = (mask > 0.05) & (mask < 0.95)
    assert feather.sum() > 1000, "the paste mask is feathered, not a hard rectangle"


def test_audio_edits_of_the_drivenness_tests():
    x = np.arange(16000 * 4, dtype=np.float32)
    for k in SHIFTS:
        y = _shifted(x, k, 25.0, 16000)
        n = k * 640
        assert (y[n:] == x[:-n]).all() if n > 0 else (y[:n] == x[-n:]).all()
    silent, spans = _silence(x + 1, 25.0, range(0, 100), 16000)
    assert spans == [(0.5, 1.5)]
    assert (silent[8000:24000] == 0).all() and (silent[:8000] > 0).all() and (silent[24000:] > 0).all()


@pytest.mark.slow
def test_cli_tiny_run_prints_every_section(tmp_path, capsys):
    clip = media_file(SPEECH)
    out = tmp_path / "eval"
    code = main(["eval", "lipsync", str(clip), "--preset", "tiny", "--steps", "2", "--minutes", "0",
                 "--max-frames", "170", "--train-fraction", "0.6", "--held-out", "40",
                 "--box", *map(str, SPEECH_BOX), "--out", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for section in ("model", "retrieval", "closed", "median", "real", "shift_test", "silence_test", "targets"):
        assert section in report, section
    for method in ("model", "retrieval", "closed", "median"):
        for key in ("ssim_face", "psnr_face", "ssim_mouth", "psnr_mouth", "lmd", "vlap", "opening_corr"):
            assert key in report[method], (method, key)
    assert report["steps"] == 2 and report["torch_threads"] == 1
    assert len(report["shift_test"]["estimates"]) == 2
    assert report["silence_test"]["frames_inside"] > 0 and report["silence_test"]["open_speech"] is not None
    assert Path(report["strip"]).is_file() and (out / "speech_en_60s-tiny.ckpt").is_file()
    # The untrained model's mouths are far blurrier than the real ones.
    assert report["model"]["vlap"] < report["real"]["vlap"]


def test_clip_without_audio_or_unreadable_is_a_clear_error(tmp_path, capsys):
    clip = media_file(SPEECH)
    silent = tmp_path / "noaudio.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-t", "1", "-an", "-c:v", "copy", str(silent)],
                   check=True)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video at all" * 100)
    for path, words in ((silent, "no audio stream"), (garbage, "cannot read"),
                        (tmp_path / "missing.mp4", "no such file")):
        code = main(["eval", "lipsync", str(path), "--out", str(tmp_path / "o"), "--json"])
        err = capsys.readouterr().err
        assert code != 0 and words in err and "Traceback" not in err, (path, err)


def test_donor_alignment_follows_the_eye_and_nose_points(speech_source):
    donor = speech_source.crop(20)
    pts = np.array([[80, 90], [170, 90], [125, 120], [125, 150], [100, 95]], np.float32)
    same = baselines.align(donor, pts, pts)
    assert np.abs(same.astype(int) - donor).max() <= 1
    moved = baselines.align(donor, pts, pts + np.array([6, 4], np.float32))
    assert np.abs(moved[54:200, 56:200].astype(int) - donor[50:196, 50:194]).mean() < 1.0
    nan = np.full_like(pts, np.nan)
    assert np.array_equal(baselines.align(donor, nan, pts), donor)  # no points: pasted as it is


def test_clip_source_takes_measured_landmarks():
    from engine.lipsync.data.clip_source import ClipWindowSource

    src = ClipWindowSource(media_file(SPEECH), SPEECH_BOX, "en", num_references=3, max_frames=30)
    assert src.landmarks(0) is None  # none measured: the landmark loss is off
    with pytest.raises(ValueError):
        src.set_landmarks(np.zeros((5, 13, 2)))
    lm = np.full((30, 13, 2), 128.0, np.float32)
    lm[3] = np.nan
    src.set_landmarks(lm)
    assert src.landmarks(3) is None and np.array_equal(src.landmarks(4), lm[4])


def test_evaluating_a_missing_checkpoint_is_a_clear_error(tmp_path, capsys):
    clip = media_file(SPEECH)
    code = main(["eval", "lipsync", str(clip), "--minutes", "0", "--box", *map(str, SPEECH_BOX),
                 "--max-frames", "170", "--train-fraction", "0.6", "--out", str(tmp_path / "none"), "--json"])
    err = capsys.readouterr().err
    assert code != 0 and "no" in err and "checkpoint" in err and "Traceback" not in err, err
