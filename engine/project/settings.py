"""The user's choices in ``project.settings``, one frozen dataclass per stage group, and what the stages record.

``project.settings`` holds one section per group (``speech``, ``lipsync``, ``render``,
``faces``). In a section, the user's choices sit beside what the stages record about their
last run (speech: ``mt``, ``estimates``, ``placements``, ``overflow``, ``speak_errors``,
``last_speak``, ``last_fit``, ``no_speech``, ``speech_regions``; lipsync: ``model``, ``chunks``,
``last_run``, ``skipped``; render: ``last_run``; faces: all of it). The choices are typed: :func:`check_settings` decodes them with the project codec
when project.json is loaded or saved, so a wrong type or an out-of-range value is an error that
names the field (``project.settings.speech.fit.min_speed``) and the reason, never a crash in a
stage. The records stay plain JSON, written and read by the stages alone. A choice left out
takes its default; for lip-sync, ``None`` leaves the default to the device (see
``engine.stages.lipsync_settings``). ``faces`` holds records only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from engine.errors import ProjectError
from engine.project.codec import DecodeError, InvalidField, decode

SPEECH = "speech"
LIPSYNC = "lipsync"
RENDER = "render"


@dataclass(frozen=True)
class FitChoices:
    """How far a take may be sped up or slowed down to fit its slot (1.0: as spoken)."""

    min_speed: float = 0.80
    max_speed: float = 1.25
    stretch_short: bool = False  # also slow down takes shorter than their slot

    def __post_init__(self) -> None:
        if self.max_speed <= 0:
            raise InvalidField("max_speed", f"must be above 0, got {self.max_speed}")
        if not 0 < self.min_speed <= self.max_speed:
            raise InvalidField("min_speed", f"must be in (0, max_speed = {self.max_speed}], got {self.min_speed}")


@dataclass(frozen=True)
class SpeechChoices:
    asr_backend: str = "faster-whisper"
    asr_model: str | None = None  # None: whisper-base (multilingual, detects the language)
    mt_backend: str | None = None  # None: the first backend that has the pair
    glossary: tuple[str, ...] = ()  # terms never translated
    fit: FitChoices = field(default_factory=FitChoices)
    background: bool = False  # mix a ducked copy of the original audio under the dub


@dataclass(frozen=True)
class LipSyncChoices:
    """Fine-tuning (``preset`` … ``seed``) and generation (``chunk_frames``, ``batch_frames``); None: the default."""

    preset: str | None = None
    steps: int | None = None
    minutes: float | None = None  # training time limit; 0: none
    threads: int | None = None
    base: str | None = None  # checkpoint to fine-tune from (absolute path)
    cache_frames: int | None = None
    batch_size: int | None = None
    use_gan: bool | None = None
    seed: int | None = None
    chunk_frames: int | None = None
    batch_frames: int | None = None

    def __post_init__(self) -> None:
        for name in ("steps", "threads", "cache_frames", "batch_size", "chunk_frames", "batch_frames"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise InvalidField(name, f"must be above 0, got {value}")
        if self.minutes is not None and self.minutes < 0:
            raise InvalidField("minutes", f"must not be negative (0: no time limit), got {self.minutes}")


BLENDS = ("detail", "replace")  # the values of engine.faces.render.BlendMode


@dataclass(frozen=True)
class RenderChoices:
    crf: int = 18  # x264 quality: 0 lossless … 51 worst
    preset: str = "medium"  # x264 speed preset
    watermark: bool = True
    blend: str = "detail"  # one of BLENDS
    piece_seconds: float = 10.0  # length of the pieces encoded apart (engine.faces.pieces.PIECE_SECONDS)

    def __post_init__(self) -> None:
        if not 0 <= self.crf <= 51:
            raise InvalidField("crf", f"must be in [0, 51], got {self.crf}")
        if self.blend not in BLENDS:
            raise InvalidField("blend", f"expected one of {', '.join(map(repr, BLENDS))}, got {self.blend!r}")
        if self.piece_seconds <= 0:
            raise InvalidField("piece_seconds", f"must be above 0, got {self.piece_seconds}")


CHOICES: dict[str, type] = {SPEECH: SpeechChoices, LIPSYNC: LipSyncChoices, RENDER: RenderChoices}


def _section(settings: dict[str, Any], key: str) -> dict[str, Any]:
    return decode(dict[str, Any], settings.get(key, {}), f"settings.{key}")


def decode_choices(settings: dict[str, Any], key: str, overrides: dict[str, Any] | None = None) -> Any:
    """The typed choices of section ``key`` (the choice fields found there, then ``overrides``).

    Raises :class:`DecodeError` with the field's path, e.g. ``settings.speech.fit.min_speed``.
    """
    cls = CHOICES[key]
    names = {f.name for f in fields(cls)}
    chosen = {k: v for k, v in _section(settings, key).items() if k in names}
    chosen.update(overrides or {})
    return decode(cls, chosen, f"settings.{key}")


def choices_of(settings: dict[str, Any], key: str, overrides: dict[str, Any] | None = None) -> Any:
    """:func:`decode_choices` for the stages: a wrong choice (an override of this run, or settings
    set in memory; a loaded project was checked already) is a ProjectError naming the field."""
    try:
        return decode_choices(settings, key, overrides)
    except DecodeError as exc:
        raise ProjectError(f"invalid settings: {exc.path}: {exc.reason}") from None


def chosen_fields(settings: dict[str, Any], key: str) -> set[str]:
    """The choice fields section ``key`` sets explicitly (the rest take their defaults)."""
    return {f.name for f in fields(CHOICES[key])} & set(_section(settings, key))


def check_settings(settings: dict[str, Any]) -> None:
    """Decode every section's choices; raises :class:`DecodeError` naming the first wrong field."""
    for key in CHOICES:
        decode_choices(settings, key)
    for key in (*CHOICES, "faces"):
        _section(settings, key)
