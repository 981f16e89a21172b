"""Training windows: log-mel features, and the four information-leak rules of paper §3.1.2."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.faces.masks import mouth_rect_mask, rect_pixels
from engine.faces.template import CROP_SIZE, MOUTH_RECT, PAPER_MOUTH_RECT
from engine.lipsync.config import language_id
from engine.lipsync.data.windows import HIDDEN, LeakError, WindowDataset
from engine.lipsync.masks import landmarks_inside
from engine.lipsync.mel import HOP, WIN, array_span, log_mel, mel_windows, window_bounds
from engine.media.audio import SAMPLE_RATE
from tests.synthetic_head import SyntheticTalkingHead
from tests.unit.lipsync_helpers import TINY, tiny_dataset


def test_mel_window_is_centred_on_the_frame_time():
    start, length = window_bounds(1.0, 24)
    assert length == 23 * HOP + WIN
    centres = [start + j * HOP + WIN / 2 for j in range(24)]
    assert np.mean(centres) == pytest.approx(SAMPLE_RATE * 1.0, abs=1)


def test_mel_features_shape_range_and_silence_padding():
    tone = np.sin(2 * np.pi * 440 * np.arange(SAMPLE_RATE) / SAMPLE_RATE).astype(np.float32) * 0.5
    mel = mel_windows(array_span(tone), np.array([0.0, 0.5]), 80, 24)
    assert mel.shape == (2, 80, 24)
    silent = float(mel.min())
    # Frame at t=0: the first half of its window lies before the recording and is silence.
    assert torch.all(mel[0, :, :10] == silent)
    assert float(mel[1].max()) > silent + 1.0  # the tone is loud in the middle
    # The 440 Hz tone peaks in a low mel bin, the same for every frame in the middle.
    assert len(set(mel[1].argmax(0).tolist())) == 1


def test_log_mel_is_deterministic():
    x = torch.randn(3, 23 * HOP + WIN)
    assert torch.equal(log_mel(x, 80, 24), log_mel(x, 80, 24))


def test_window_tensors_and_languages():
    ds = tiny_dataset()
    item = ds[3]
    r, t, n = TINY.resolution, TINY.window, TINY.num_references
    assert item["inputs"].shape == item["targets"].shape == (t, 3, r, r)
    assert item["references"].shape == (n, 3, r, r)
    assert item["mel"].shape == (t, 80, 24)
    assert item["loss_mask"].shape == (t, 1, r, r)
    assert item["landmarks"].shape == (t, 13, 2) and bool(item["landmarks_valid"].all())
    assert item["frames"].tolist() == list(range(3, 3 + t))
    assert int(item["language"]) == language_id("en") > 0 and language_id("xx") == 0
    assert float(item["landmarks"].min()) > 0 and float(item["landmarks"].max()) < 1


def test_rule1_mouth_is_hidden_in_inputs():
    item = tiny_dataset()[4]
    mouth = torch.from_numpy(mouth_rect_mask(TINY.resolution, MOUTH_RECT))
    assert torch.all(item["inputs"][..., mouth] == HIDDEN)
    assert torch.equal(item["inputs"][..., ~mouth], item["targets"][..., ~mouth])


def test_rule2_mask_covers_the_mouth_with_margin():
    # The rectangle in pixels, rounded outwards: never smaller than the fractions; it reaches
    # the crop's bottom edge (the paper's stops at 0.95, above the chin of a long face).
    x1, y1, x2, y2 = rect_pixels(CROP_SIZE, MOUTH_RECT)
    assert (x1, y1, x2, y2) == (20, 71, 236, CROP_SIZE)
    src = SyntheticTalkingHead(30)
    assert all(landmarks_inside(src.landmarks(i) / CROP_SIZE, MOUTH_RECT, 0.02) for i in range(30))

    class DriftingMouth(SyntheticTalkingHead):
        def landmarks(self, i):  # frame 12's mouth pokes out below the mask: visible lips
            lm = super().landmarks(i)
            return lm + [0, 80] if i == 12 else lm

    ds = WindowDataset(DriftingMouth(30, num_references=TINY.num_references), TINY)
    assert ds.unsafe_frames == {12}
    assert ds.rejected_windows == TINY.window
    assert all(12 not in range(s, s + TINY.window) for s in ds.starts)


def test_rule2_needs_no_margin_at_the_crops_border_but_the_points_inside_the_crop():
    lips = np.array([[0.4, 0.6], [0.6, 0.6], [0.5, 0.65]])
    chin = np.array([[0.5, 0.97]])  # lecture_en_25s's chin: below the paper's 0.95
    assert landmarks_inside(np.vstack([lips, chin]), MOUTH_RECT, 0.02)
    assert not landmarks_inside(np.vstack([lips, chin]), PAPER_MOUTH_RECT, 0.02)
    assert not landmarks_inside(np.vstack([lips, [[0.5, 1.01]]]), MOUTH_RECT, 0.02)  # out of the crop
    assert not landmarks_inside(np.vstack([lips, [[0.91, 0.8]]]), MOUTH_RECT, 0.02)  # an inner edge keeps its margin
    assert not landmarks_inside(np.vstack([lips, [[0.5, 0.29]]]), MOUTH_RECT, 0.02)
    assert landmarks_inside(np.array([[0.01, 0.5], [0.99, 0.99]]), (0.0, 0.0, 1.0, 1.0), 0.02)


def test_rule3_alignment_is_the_crop_pipelines_duty():
    """Crops aligned from eye and nose landmarks only is a property of the WindowSource: the
    protocol documents it and the dataset cannot check it; the fixed-box clip source is trivially
    independent of the mouth (the box never moves)."""
    from engine.lipsync.data.windows import WindowSource

    assert "eyes and nose only" in WindowSource.crop.__doc__


def test_rule4_references_never_include_the_window_and_show_only_the_mouth():
    ds = tiny_dataset()
    mouth = torch.from_numpy(mouth_rect_mask(TINY.resolution, MOUTH_RECT))
    for k in range(len(ds)):
        item = ds[k]
        assert not set(item["reference_frames"].tolist()) & set(item["frames"].tolist())
    assert torch.all(item["references"][..., ~mouth] == HIDDEN)
    assert float(item["references"][..., mouth].std()) > 0.05  # real mouth pixels are there

    class Leaky(SyntheticTalkingHead):
        def reference_indices(self, window):
            return [window.start] + list(super().reference_indices(window))[1:]

    with pytest.raises(LeakError):
        WindowDataset(Leaky(40, num_references=TINY.num_references), TINY)[0]

    class TooFew(SyntheticTalkingHead):
        def reference_indices(self, window):
            return list(super().reference_indices(window))[:-1]

    with pytest.raises(LeakError):
        WindowDataset(TooFew(40, num_references=TINY.num_references), TINY)[0]


def test_frame_range_limits_windows():
    ds = WindowDataset(SyntheticTalkingHead(40, num_references=TINY.num_references), TINY, frames=range(0, 32))
    assert len(ds) == 32 - TINY.window + 1
    assert max(ds.starts) + TINY.window <= 32
    with pytest.raises(ValueError):
        WindowDataset(SyntheticTalkingHead(40), TINY, frames=range(0, 41))


def test_image_cache_gives_the_same_tensors():
    plain, cached = tiny_dataset(), WindowDataset(SyntheticTalkingHead(40, num_references=TINY.num_references),
                                                  TINY, cache_images=True)
    a, b, b2 = plain[2], cached[2], cached[2]
    assert torch.allclose(a["targets"], b["targets"], atol=1 / 255 + 1e-6)
    assert torch.equal(b["targets"], b2["targets"])
