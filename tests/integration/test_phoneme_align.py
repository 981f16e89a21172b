"""The phone aligner on real espeak-ng speech: one sentence per language, known phone onsets.

The audio is espeak-ng (the real C library) speaking with another voice variant, pitch and speed
than the aligner's own rendering, so the warp has real work to do; the onsets espeak-ng reported
while speaking it are the truth.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from engine.speech.phonemes import AlignmentStatus, TimeMap, align
from engine.speech.phonemes.espeak_lib import EspeakUnavailable, load_espeak, voice_for

SENTENCES = {
    "en": "The professor explained the theory with many practical examples.",
    "pt": "O professor explicou a teoria com muitos exemplos práticos.",
    "es": "El profesor explicó la teoría con muchos ejemplos prácticos.",
    "de": "Der Professor erklärte die Theorie mit vielen praktischen Beispielen.",
    "fr": "Le professeur a expliqué la théorie avec beaucoup d'exemples pratiques.",
}


@pytest.fixture(scope="module")
def espeak():
    try:
        return load_espeak()
    except EspeakUnavailable as exc:
        pytest.skip(str(exc))


def spoken(espeak, text: str, voice: str, rate: int, pitch: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """16 kHz audio of ``text``, its phone onsets (s) and phones, as espeak-ng reported them."""
    rendering = espeak.render(text, voice, rate, pitch)
    audio = resample_poly(rendering.audio, 16_000, rendering.sample_rate).astype(np.float32)
    audio += np.random.default_rng(0).normal(0, 3e-4, len(audio)).astype(np.float32)
    return audio, rendering.onsets / rendering.sample_rate, rendering.phones


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_onsets_land_on_the_known_times(espeak, language: str) -> None:
    text = SENTENCES[language]
    audio, known, phones = spoken(espeak, text, voice_for(language) + "+f3", 140, 70)
    result = align(audio, 16_000, text, language)
    assert result.ok, result.message
    timeline = result.timeline
    assert timeline.language == language and timeline.duration_s == pytest.approx(len(audio) / 16_000)
    assert tuple(p.ipa for p in timeline.phones) == phones
    speech = np.array([bool(p) for p in phones])
    error = np.abs(timeline.onsets - known)[speech]
    assert np.median(error) <= 0.015, f"median onset error {np.median(error) * 1000:.0f} ms"
    assert np.mean(error <= 0.040) >= 0.85, f"only {np.mean(error <= 0.040):.0%} within 40 ms"


def test_a_stretched_take_keeps_its_phones_in_place(espeak) -> None:
    """Aligning a sped-up take equals aligning the take, then moving the timeline with the stretch."""
    text = SENTENCES["pt"]
    audio, known, _ = spoken(espeak, text, "pt-br+m3", 175, 50)
    faster = resample_poly(audio, 4, 5).astype(np.float32)  # played 1.25× faster (pitch too; fine here)
    direct = align(faster, 16_000, text, "pt")
    moved = align(audio, 16_000, text, "pt").timeline.moved(TimeMap.stretch(1.25))
    assert direct.ok
    difference = np.abs(direct.timeline.onsets - moved.onsets)
    assert np.median(difference) <= 0.015


def test_text_without_phones_is_reported(espeak) -> None:
    audio, _, _ = spoken(espeak, SENTENCES["en"], "en-us", 175, 50)
    result = align(audio, 16_000, " ... ", "en")
    assert result.status is AlignmentStatus.NO_PHONES and result.timeline is None


def test_silent_audio_is_reported(espeak) -> None:
    result = align(np.zeros(32_000, dtype=np.float32), 16_000, SENTENCES["en"], "en")
    assert result.status is AlignmentStatus.SILENT_AUDIO and not result.ok


def test_audio_that_says_another_text_is_reported(espeak) -> None:
    audio, _, _ = spoken(espeak, SENTENCES["de"], "de+f3", 150, 60)
    result = align(audio, 16_000, "Nothing of this sentence was ever said here, believe me, not a word.", "en")
    assert result.status is AlignmentStatus.POOR_MATCH, result.cost
    assert not result.ok and result.timeline is not None      # kept for inspection, flagged


def test_an_unknown_language_is_reported(espeak) -> None:
    result = align(np.ones(16_000, dtype=np.float32) * 0.1, 16_000, "hello", "xx-not-a-language")
    assert result.status is AlignmentStatus.UNSUPPORTED_LANGUAGE and "xx-not-a-language" in result.message


def test_labels_barely_depend_on_what_was_spoken_before(espeak) -> None:
    """espeak-ng keeps state between texts (its pauses vary by up to ~50 ms with what came
    before); the warp absorbs most of it: the same audio and text get the same speech-phone onsets
    within 10 ms (the split between two pause markers inside one pause may move more)."""
    text = "So now, because our eyes do not like it, we stop."
    audio, _, _ = spoken(espeak, text, "en-us+m3", 150, 40)
    first = align(audio, 16_000, text, "en").timeline
    espeak.render("Guten Tag, meine Damen und Herren.", "de+f3", 140, 70)
    again = align(audio, 16_000, text, "en").timeline
    assert [p.ipa for p in again.phones] == [p.ipa for p in first.phones]
    speech = np.array([bool(p.ipa) for p in first.phones])
    assert np.max(np.abs(again.onsets - first.onsets)[speech]) <= 0.010
