"""The aligner's pure parts: the frame step bound, carrying onsets through a warp path, the voice map."""

from __future__ import annotations

import numpy as np
import pytest

from engine.speech.phonemes.align import SAMPLE_RATE, AlignerSettings, adapt_voice, align, carry_over, frame_step
from engine.speech.phonemes.timeline import AlignmentStatus


def test_short_audio_keeps_the_fine_step() -> None:
    assert frame_step(10.0, 12.0, AlignerSettings()) == pytest.approx(0.005)


def test_long_audio_gets_a_coarser_step_that_bounds_the_warp() -> None:
    settings = AlignerSettings()
    step = frame_step(60.0, 70.0, settings)
    assert step > 0.005
    assert (60.0 / step) * (70.0 / step) <= settings.max_warp_cells
    assert step * SAMPLE_RATE == pytest.approx(round(step * SAMPLE_RATE))  # whole samples


def test_onsets_follow_the_warp_path() -> None:
    # source frames 0..3 → target frames: 0 → 0, 1 → 2 and 3 (held), 2 → 4, 3 → 5
    path = np.array([[0, 0], [0, 1], [1, 2], [1, 3], [2, 4], [3, 5]])
    assert carry_over(path, np.array([0.0, 1.0, 2.0, 3.0])).tolist() == [0.5, 2.5, 4.0, 5.0]
    assert carry_over(path, np.array([1.5]))[0] == pytest.approx(3.25)   # between frames: interpolated


def test_the_voice_map_undoes_an_affine_change_of_voice() -> None:
    rng = np.random.default_rng(0)
    source = rng.normal(size=(200, 4))
    mixing = rng.normal(size=(4, 4))
    target = source @ mixing + 0.5
    target = (target - target.mean(axis=0)) / target.std(axis=0)
    path = np.stack([np.arange(200), np.arange(200)], axis=1)
    np.testing.assert_allclose(adapt_voice(source, target, path), target, atol=1e-4)


@pytest.mark.parametrize("audio", [np.zeros((2, 16_000), dtype=np.float32),
                                   np.array([0.1, np.nan, 0.2], dtype=np.float32)])
def test_audio_that_is_not_a_finite_mono_signal_is_reported(audio: np.ndarray) -> None:
    result = align(audio, SAMPLE_RATE, "hello", "en")
    assert result.status is AlignmentStatus.BAD_AUDIO and not result.ok
    assert "finite mono" in result.message
