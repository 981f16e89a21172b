"""The typed JSON codec: exact round trips and precise error paths."""

from __future__ import annotations

import math

import pytest

from engine.project.codec import DecodeError, decode, encode
from engine.project.model import Segment, SegmentFlag, Speaker, VoiceSettings, Word


def test_round_trip_nested_entities() -> None:
    seg = Segment("s1", 0.0, 1.5, "hi", "oi", words=(Word("hi", 0.1, 0.4, 0.93),),
                  flags=frozenset({SegmentFlag.OVERFLOW, SegmentFlag.NO_FACE}))
    assert decode(Segment, encode(seg)) == seg
    spk = Speaker("spk-1", "Presenter", VoiceSettings(engine="piper", options=(("speed", "1.1"),)))
    assert decode(Speaker, encode(spk)) == spk


def test_flags_encode_sorted_for_stable_files() -> None:
    seg = Segment("s1", 0, 1, flags=frozenset({SegmentFlag.OVERFLOW, SegmentFlag.NO_FACE}))
    assert encode(seg)["flags"] == ["no_face", "overflow"]


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [
        ({"id": "s", "start": True, "end": 1}, "start", "expected a number, got a boolean"),
        ({"id": "s", "start": 0, "end": 1, "revision": 1.5}, "revision", "expected an integer"),
        ({"id": "s", "start": 0}, "end", "missing"),
        ({"id": "s", "start": 0, "end": 1, "words": [{"text": "a", "start": 0, "end": "x"}]}, "words[0].end",
         "expected a number"),
        ({"id": 5, "start": 0, "end": 1}, "id", "expected a string"),
    ],
)
def test_errors_carry_the_field_path(data, path, reason) -> None:
    with pytest.raises(DecodeError) as err:
        decode(Segment, data)
    assert err.value.path == path
    assert reason in err.value.reason


def test_non_finite_numbers_are_refused_both_ways() -> None:
    with pytest.raises(ValueError):
        encode(Segment("s", 0, math.inf))
    with pytest.raises(DecodeError):
        decode(float, math.nan)
