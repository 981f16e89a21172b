"""Phoneme timelines: viseme view, time maps (the fit stage's stretch), cache dicts, typed results."""

from __future__ import annotations

import json

import pytest

from engine.speech.phonemes.timeline import (AlignmentResult, AlignmentStatus, Phone, PhonemeTimeline, TimeMap,
                                             timeline_from_onsets)
from engine.speech.phonemes.visemes import Viseme


def sample_timeline() -> PhonemeTimeline:
    return timeline_from_onsets("pt", ["b", "o", "m", "", "d", "ʒ", "i", "a"],
                                [0.10, 0.18, 0.30, 0.38, 0.60, 0.65, 0.72, 0.80], 0.95, 1.20)


def test_phones_last_until_the_next_onset() -> None:
    timeline = sample_timeline()
    assert [p.end_s for p in timeline.phones] == [0.18, 0.30, 0.38, 0.60, 0.65, 0.72, 0.80, 0.95]
    assert timeline.onsets.tolist() == [0.10, 0.18, 0.30, 0.38, 0.60, 0.65, 0.72, 0.80]


def test_the_viseme_view_merges_neighbours_of_one_class() -> None:
    timeline = timeline_from_onsets("en", ["p", "b", "a", "æ", ""], [0.0, 0.1, 0.2, 0.3, 0.4], 0.5, 0.5)
    spans = timeline.visemes()
    assert [(s.viseme, s.start_s, s.end_s) for s in spans] == [
        (Viseme.BILABIAL, 0.0, 0.2), (Viseme.OPEN_VOWEL, 0.2, 0.4), (Viseme.SILENCE, 0.4, 0.5)]


def test_a_stretch_moves_every_phone_with_the_audio() -> None:
    timeline = sample_timeline()
    faster = timeline.moved(TimeMap.stretch(1.25))           # the fit stage sped the take up by 1.25
    assert faster.duration_s == pytest.approx(1.20 / 1.25)
    assert [p.start_s for p in faster.phones] == pytest.approx([t / 1.25 for t in timeline.onsets])
    assert [p.ipa for p in faster.phones] == [p.ipa for p in timeline.phones]
    placed = timeline.moved(TimeMap.stretch(0.8, offset_s=2.0))  # slowed and placed at 2 s
    assert placed.phones[0].start_s == pytest.approx(2.0 + 0.10 / 0.8)
    assert placed.phones[-1].end_s == pytest.approx(2.0 + 0.95 / 0.8)


def test_a_piecewise_map_moves_each_part_by_its_own_rate() -> None:
    # the first half second kept, the rest squeezed to half its length
    squeeze = TimeMap((0.0, 0.5, 1.2), (0.0, 0.5, 0.85))
    moved = sample_timeline().moved(squeeze)
    assert moved.phones[1].start_s == pytest.approx(0.18)
    assert moved.phones[4].start_s == pytest.approx(0.5 + 0.10 / 2)
    assert moved.duration_s == pytest.approx(0.85)
    assert squeeze(1.4) == pytest.approx(0.95)                # extrapolated at the last rate
    assert TimeMap.shift(-0.1)(0.3) == pytest.approx(0.2)


@pytest.mark.parametrize("knots", [((0.0,), (0.0,)), ((0.0, 1.0), (0.0,)), ((1.0, 0.5), (0.0, 1.0)),
                                   ((0.0, 1.0), (1.0, 0.0))])
def test_a_time_map_must_be_monotonic(knots) -> None:
    with pytest.raises(ValueError):
        TimeMap(*knots)


def test_a_stretch_needs_a_positive_speed() -> None:
    with pytest.raises(ValueError):
        TimeMap.stretch(0.0)


def test_the_cache_form_is_json_and_round_trips() -> None:
    timeline = sample_timeline()
    text = json.dumps(timeline.to_dict(), ensure_ascii=False)
    again = PhonemeTimeline.from_dict(json.loads(text))
    assert again == timeline


@pytest.mark.parametrize("data", [None, {}, {"format": 999, "language": "en", "duration_s": 1, "phones": []},
                                  {"format": 1, "language": "en", "phones": []},
                                  {"format": 1, "language": "en", "duration_s": 1, "phones": [["a", 0.5, 0.1]]},
                                  {"format": 1, "language": "en", "duration_s": 1, "phones": [["a", 0.1]]}])
def test_a_bad_cache_entry_is_a_value_error(data) -> None:
    with pytest.raises(ValueError):
        PhonemeTimeline.from_dict(data)


def test_phones_must_be_in_order() -> None:
    with pytest.raises(ValueError):
        PhonemeTimeline("en", (Phone("a", 0.5, 0.6), Phone("b", 0.1, 0.2)), 1.0)


def test_a_failure_is_a_typed_result() -> None:
    failed = AlignmentResult(AlignmentStatus.NO_PHONES, message="nothing to say")
    assert not failed.ok and failed.timeline is None
    assert AlignmentResult(AlignmentStatus.ALIGNED, sample_timeline()).ok
