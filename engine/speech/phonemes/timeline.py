"""Phoneme timelines: which phone sounds when, the viseme view, moving and caching them.

A :class:`PhonemeTimeline` is the aligner's answer for one stretch of audio: phones in IPA with
start and end times in seconds from the start of that audio. It is immutable, turns into a
JSON-able dict and back (so a stage can cache it per segment), and moves with the audio through a
:class:`TimeMap` (the fit stage's time stretch, a shift, or any monotonic piecewise-linear map).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from engine.speech.phonemes.visemes import Viseme, viseme_of

TIMELINE_FORMAT = 1  # bumped whenever the dict layout changes, so old caches are recomputed


@dataclass(frozen=True)
class Phone:
    ipa: str       # the phone in IPA; "" is a pause
    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        if not self.end_s >= self.start_s:
            raise ValueError(f"phone '{self.ipa}' ends ({self.end_s}) before it starts ({self.start_s})")

    @property
    def viseme(self) -> Viseme:
        return viseme_of(self.ipa)


@dataclass(frozen=True)
class VisemeSpan:
    viseme: Viseme
    start_s: float
    end_s: float


@dataclass(frozen=True)
class PhonemeTimeline:
    language: str
    phones: tuple[Phone, ...]
    duration_s: float  # length of the audio the times refer to

    def __post_init__(self) -> None:
        for before, after in zip(self.phones, self.phones[1:]):
            if after.start_s < before.start_s:
                raise ValueError(f"phones out of order at {after.start_s:.3f} s")

    @property
    def onsets(self) -> np.ndarray:
        """(n_phones,) start times, seconds."""
        return np.array([p.start_s for p in self.phones], dtype=np.float64)

    def visemes(self) -> tuple[VisemeSpan, ...]:
        """The viseme view: consecutive phones of the same class merged into one span."""
        spans: list[VisemeSpan] = []
        for phone in self.phones:
            viseme = phone.viseme
            if spans and spans[-1].viseme == viseme and abs(spans[-1].end_s - phone.start_s) < 1e-9:
                spans[-1] = VisemeSpan(viseme, spans[-1].start_s, phone.end_s)
            else:
                spans.append(VisemeSpan(viseme, phone.start_s, phone.end_s))
        return tuple(spans)

    def moved(self, time_map: TimeMap) -> PhonemeTimeline:
        """The timeline after the audio went through ``time_map`` (e.g. the fit stage's stretch)."""
        phones = tuple(Phone(p.ipa, time_map(p.start_s), time_map(p.end_s)) for p in self.phones)
        return PhonemeTimeline(self.language, phones, time_map(self.duration_s))

    def to_dict(self) -> dict:
        return {"format": TIMELINE_FORMAT, "language": self.language, "duration_s": self.duration_s,
                "phones": [[p.ipa, round(p.start_s, 5), round(p.end_s, 5)] for p in self.phones]}

    @classmethod
    def from_dict(cls, data: dict) -> PhonemeTimeline:
        """Inverse of :meth:`to_dict`; a dict of another format or shape raises ``ValueError``."""
        if not isinstance(data, dict) or data.get("format") != TIMELINE_FORMAT:
            raise ValueError(f"not a phoneme timeline of format {TIMELINE_FORMAT}")
        try:
            phones = tuple(Phone(str(ipa), float(start), float(end)) for ipa, start, end in data["phones"])
            return cls(str(data["language"]), phones, float(data["duration_s"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed phoneme timeline: {exc}") from exc


@dataclass(frozen=True)
class TimeMap:
    """A monotonic piecewise-linear map from old times to new times (extrapolated at both ends)."""

    source_s: tuple[float, ...]
    target_s: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.source_s) != len(self.target_s) or len(self.source_s) < 2:
            raise ValueError("a time map needs at least two matching knots")
        if np.any(np.diff(self.source_s) <= 0) or np.any(np.diff(self.target_s) < 0):
            raise ValueError("a time map's knots must increase")

    @classmethod
    def stretch(cls, speed: float, offset_s: float = 0.0) -> TimeMap:
        """Audio played ``speed`` × faster (the fit stage's factor, > 1 shortens), then shifted."""
        if speed <= 0:
            raise ValueError(f"speed must be positive, not {speed}")
        return cls((0.0, 1.0), (offset_s, offset_s + 1.0 / speed))

    @classmethod
    def shift(cls, offset_s: float) -> TimeMap:
        return cls((0.0, 1.0), (offset_s, offset_s + 1.0))

    def __call__(self, t: float) -> float:
        src, dst = self.source_s, self.target_s
        i = int(np.clip(np.searchsorted(src, t, side="right") - 1, 0, len(src) - 2))
        slope = (dst[i + 1] - dst[i]) / (src[i + 1] - src[i])
        return float(dst[i] + (t - src[i]) * slope)


class AlignmentStatus(Enum):
    ALIGNED = "aligned"
    NO_PHONES = "no_phones"          # the text has nothing to say (empty, punctuation only)
    SILENT_AUDIO = "silent_audio"    # the audio has no speech to align to
    BAD_AUDIO = "bad_audio"          # not a finite mono signal
    POOR_MATCH = "poor_match"        # the warp's cost says the audio does not speak the text
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    ENGINE_MISSING = "engine_missing"  # espeak-ng's library is not installed


@dataclass(frozen=True)
class AlignmentResult:
    """The aligner's answer: a timeline, or why there is none (never an exception from deep inside)."""

    status: AlignmentStatus
    timeline: PhonemeTimeline | None = None
    message: str = ""
    cost: float = float("nan")  # the warp's match ratio (lower: closer match; about 1: text not said)
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is AlignmentStatus.ALIGNED and self.timeline is not None


def timeline_from_onsets(language: str, ipas: Sequence[str], onsets_s: Sequence[float], end_s: float,
                         duration_s: float) -> PhonemeTimeline:
    """Phones that each last until the next one starts; the last one ends at ``end_s``."""
    ends = list(onsets_s[1:]) + [end_s]
    phones = tuple(Phone(ipa, float(s), float(max(e, s))) for ipa, s, e in zip(ipas, onsets_s, ends))
    return PhonemeTimeline(language, phones, float(duration_s))
