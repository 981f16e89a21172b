"""The viseme window encoder: per-frame visemes (soft and one-hot), loudness, windows."""

from __future__ import annotations

import numpy as np
import pytest

from engine.speech.phonemes.timeline import Phone, PhonemeTimeline, timeline_from_onsets
from engine.speech.phonemes.visemes import VISEME_COUNT, Viseme
from engine.speech.phonemes.window import frame_features, loudness_frames, viseme_frames, viseme_window


def timeline() -> PhonemeTimeline:  # "pa" then a pause, at 25 fps frames of 40 ms
    return PhonemeTimeline("en", (Phone("p", 0.00, 0.05), Phone("a", 0.05, 0.20), Phone("", 0.20, 0.30)), 0.30)


def test_soft_frames_share_each_frame_between_its_visemes() -> None:
    frames = viseme_frames(timeline(), fps=25, n_frames=10)
    assert frames.shape == (10, VISEME_COUNT) and frames.dtype == np.float32
    np.testing.assert_allclose(frames.sum(axis=1), 1.0, rtol=1e-6)
    assert frames[0, Viseme.BILABIAL] == pytest.approx(1.0)
    assert frames[1, Viseme.BILABIAL] == pytest.approx(0.25) and frames[1, Viseme.OPEN_VOWEL] == pytest.approx(0.75)
    assert frames[6:, Viseme.SILENCE].tolist() == [1.0] * 4    # the pause, then past the timeline's end


def test_one_hot_frames_take_the_class_covering_most_of_the_frame() -> None:
    frames = viseme_frames(timeline(), fps=25, n_frames=6, soft=False)
    assert frames.argmax(axis=1).tolist() == [Viseme.BILABIAL, Viseme.OPEN_VOWEL, Viseme.OPEN_VOWEL,
                                              Viseme.OPEN_VOWEL, Viseme.OPEN_VOWEL, Viseme.SILENCE]
    assert set(np.unique(frames).tolist()) == {0.0, 1.0}


def test_frames_start_where_the_clip_starts() -> None:
    shifted = timeline_from_onsets("en", ["m", "a"], [10.0, 10.04], 10.2, 10.2)
    frames = viseme_frames(shifted, fps=25, n_frames=3, start_s=10.0)
    assert frames.argmax(axis=1).tolist() == [Viseme.BILABIAL, Viseme.OPEN_VOWEL, Viseme.OPEN_VOWEL]


def test_a_phone_shorter_than_a_frame_still_shows() -> None:
    quick = PhonemeTimeline("en", (Phone("a", 0.0, 0.03), Phone("p", 0.03, 0.04), Phone("a", 0.04, 0.08)), 0.08)
    frames = viseme_frames(quick, fps=25, n_frames=2)
    assert frames[0, Viseme.BILABIAL] == pytest.approx(0.25)


def test_loudness_maps_dbfs_onto_zero_to_one() -> None:
    sr = 16_000
    audio = np.concatenate([np.zeros(sr // 25), 0.5 * np.sin(np.arange(sr // 25) * 0.3), np.full(sr // 25, 1e-4)])
    loud = loudness_frames(audio, sr, fps=25, n_frames=4)
    assert loud[0] == 0.0 and loud[3] == 0.0                 # silence, and past the audio's end
    assert loud[1] == pytest.approx(1 - 20 * np.log10(0.5 / np.sqrt(2)) / -60, abs=0.01)
    assert loud[2] == 0.0                                    # -80 dBFS is below the -60 dBFS floor


def test_a_window_pads_with_silence_past_the_ends() -> None:
    feats = frame_features(viseme_frames(timeline(), 25, 5), np.linspace(0.1, 0.5, 5, dtype=np.float32))
    assert feats.shape == (5, VISEME_COUNT + 1)
    window = viseme_window(feats, centre=0, radius=2)
    assert window.shape == (5, VISEME_COUNT + 1)
    assert window[:2, Viseme.SILENCE].tolist() == [1.0, 1.0] and window[:2, -1].tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(window[2:], feats[:3])
    np.testing.assert_array_equal(viseme_window(feats, centre=2, radius=2), feats)


def test_mismatched_lengths_and_bad_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        frame_features(np.zeros((3, VISEME_COUNT)), np.zeros(4))
    with pytest.raises(ValueError):
        viseme_frames(timeline(), fps=0, n_frames=3)
