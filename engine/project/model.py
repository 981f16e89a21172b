"""Entities of a dubbing project: segments, takes, speakers, face tracks.

Entities are frozen dataclasses with stable ids; an edit produces a new value
(``dataclasses.replace``), which keeps undo in the studio a matter of swapping two values.
A segment's ``revision`` grows with every edit that changes what must be spoken; a take
remembers the revision it was made from, so staleness is *derived* (never stored):
``take.made_from_revision < segment.revision``.

:class:`Project` is the one mutable container; it holds the entity tuples and offers the
edits the engine and the studio make, each keeping ids and revisions consistent.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from dataclasses import dataclass, field
from typing import Any


def new_id(prefix: str) -> str:
    """A short stable id, unique within any realistic project (``seg-1f3a9c2b``)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class SegmentFlag(enum.Enum):
    """Things the editor should look at; set by stages, cleared by edits or the user."""

    OVERFLOW = "overflow"  # the take does not fit its slot even after stretching
    NO_FACE = "no_face"  # no tracked face while this segment is spoken
    LOW_ASR_CONFIDENCE = "low_asr_confidence"
    EMPTY_TRANSLATION = "empty_translation"
    UNPRONOUNCEABLE = "unpronounceable"  # TTS dropped characters it cannot say
    ACCEPTED = "accepted"  # the editor reviewed and accepted this segment


@dataclass(frozen=True)
class Word:
    """One recognised word with its time span in the source (seconds)."""

    text: str
    start: float
    end: float
    confidence: float = 1.0


@dataclass(frozen=True)
class Take:
    """One synthesized utterance for one revision of a segment."""

    id: str
    audio_path: str  # relative to the project folder
    duration: float  # seconds, before fitting
    engine: str
    voice: str
    made_from_revision: int
    fit_ratio: float | None = None  # take duration / available slot, after borrowing silence
    stretch: float = 1.0  # time-stretch factor applied when fitting (1.0 = none)


@dataclass(frozen=True)
class Segment:
    """A sentence-sized piece of the lecture, in the source and the target language."""

    id: str
    start: float  # source span, seconds
    end: float
    source_text: str = ""
    target_text: str = ""
    speaker_id: str | None = None
    words: tuple[Word, ...] = ()
    target_start: float | None = None  # where the dub is placed, when retimed (None: same as source)
    target_end: float | None = None
    revision: int = 1
    takes: tuple[Take, ...] = ()
    current_take_id: str | None = None
    flags: frozenset[SegmentFlag] = frozenset()
    face_track_id: str | None = None  # the editor's override of the speaking face

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def current_take(self) -> Take | None:
        return next((t for t in self.takes if t.id == self.current_take_id), None)

    @property
    def is_stale(self) -> bool:
        """True when the current take was made from an older revision (or there is none)."""
        take = self.current_take
        return take is None or take.made_from_revision < self.revision

    @property
    def slot(self) -> tuple[float, float]:
        """The span the dub occupies: the retimed target span, else the source span."""
        return (
            self.start if self.target_start is None else self.target_start,
            self.end if self.target_end is None else self.target_end,
        )


@dataclass(frozen=True)
class VoiceSettings:
    """How a speaker is voiced: engine, voice, and matching toward the presenter."""

    engine: str = ""  # empty: the language's default engine
    voice: str = ""
    match_voice: bool = True
    pitch_shift_semitones: float | None = None  # None: derived from the presenter's median pitch
    formant_shift: float | None = None
    options: tuple[tuple[str, str], ...] = ()  # engine-specific extras


@dataclass(frozen=True)
class Speaker:
    id: str
    name: str
    voice: VoiceSettings = VoiceSettings()
    face_track_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaceTrack:
    """A face followed through consecutive frames; per-frame data lives in ``cache/``."""

    id: str
    start_frame: int
    end_frame: int  # exclusive
    data_path: str = ""  # relative to the project folder: landmarks, transforms
    mean_eye_distance: float = 0.0  # pixels in the source frame
    low_quality: bool = False  # eye distance < 80 px, as the paper filters


@dataclass(frozen=True)
class MediaRef:
    """The source video as the project knows it. ``path`` is relative to the project folder."""

    path: str
    size_bytes: int
    duration: float
    fingerprint: str  # content sample hash: recognises the file when moved, detects replacement


@dataclass(frozen=True)
class StageRecord:
    """What a stage last finished with: the fingerprint of its inputs at that time."""

    input_hash: str
    finished_at: str  # ISO 8601 UTC
    seconds: float = 0.0


@dataclass
class Project:
    """A lecture being dubbed. Mutable container of immutable entities."""

    id: str
    source: MediaRef
    source_language: str | None  # None: detect at transcription
    target_language: str
    speakers: tuple[Speaker, ...] = ()
    segments: tuple[Segment, ...] = ()
    face_tracks: tuple[FaceTrack, ...] = ()
    stages: dict[str, StageRecord] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    dub_track: str | None = None  # relative path of the assembled dub audio

    # ---- lookups -----------------------------------------------------------------------
    def segment(self, segment_id: str) -> Segment:
        for seg in self.segments:
            if seg.id == segment_id:
                return seg
        raise KeyError(f"no segment '{segment_id}'")

    def speaker(self, speaker_id: str) -> Speaker:
        for spk in self.speakers:
            if spk.id == speaker_id:
                return spk
        raise KeyError(f"no speaker '{speaker_id}'")

    # ---- edits -------------------------------------------------------------------------
    # Fields whose change invalidates what was spoken: the take must be regenerated.
    _SPOKEN_FIELDS = frozenset({"target_text", "speaker_id"})

    def replace_segment(self, new: Segment) -> Segment:
        """Put ``new`` in place of the segment with the same id; returns the old value."""
        old = self.segment(new.id)
        self.segments = tuple(new if s.id == new.id else s for s in self.segments)
        return old

    def edit_segment(self, segment_id: str, **changes: Any) -> Segment:
        """Apply field changes; bumps the revision when what is spoken changes. Returns the new segment."""
        old = self.segment(segment_id)
        bump = any(k in self._SPOKEN_FIELDS and getattr(old, k) != v for k, v in changes.items())
        new = dataclasses.replace(old, **changes)
        if bump:
            new = dataclasses.replace(new, revision=old.revision + 1)
        self.replace_segment(new)
        return new

    def set_segments(self, segments: list[Segment] | tuple[Segment, ...]) -> None:
        ordered = tuple(sorted(segments, key=lambda s: (s.start, s.end)))
        ids = [s.id for s in ordered]
        if len(set(ids)) != len(ids):
            raise ValueError("segment ids must be unique")
        self.segments = ordered

    def add_take(self, segment_id: str, take: Take, make_current: bool = True) -> Segment:
        seg = self.segment(segment_id)
        new = dataclasses.replace(
            seg,
            takes=seg.takes + (take,),
            current_take_id=take.id if make_current else seg.current_take_id,
        )
        self.replace_segment(new)
        return new

    def stale_segments(self) -> list[Segment]:
        return [s for s in self.segments if s.is_stale and s.target_text.strip()]
