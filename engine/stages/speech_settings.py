"""The speech stages' settings and bookkeeping, kept in ``project.settings["speech"]``.

Settings (user-editable, typed and checked when the project loads:
:class:`engine.project.settings.SpeechChoices`): ASR backend/model, MT backend, glossary terms,
fit bounds, whether to mix a ducked copy of the original audio under the dub. Bookkeeping (written by stages):
the machine translation each segment last received (so a user's edit is recognised and never
overwritten), the spoken-duration estimates, the overflow remedies and per-run counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.project.model import Project
from engine.project.settings import SPEECH, SpeechChoices, choices_of
from engine.speech.fit import FitSettings

KEY = SPEECH


@dataclass(frozen=True)
class SpeechSettings:
    asr_backend: str = "faster-whisper"
    asr_model: str | None = None  # None: whisper-base (multilingual, detects the language)
    mt_backend: str | None = None  # None: the first backend that has the pair
    glossary: tuple[str, ...] = ()
    fit: FitSettings = field(default_factory=FitSettings)
    background: bool = False  # mix a ducked copy of the original audio under the dub


def section(project: Project) -> dict[str, Any]:
    return project.settings.setdefault(KEY, {})


def load_settings(project: Project) -> SpeechSettings:
    c: SpeechChoices = choices_of(project.settings, KEY)
    return SpeechSettings(
        asr_backend=c.asr_backend, asr_model=c.asr_model, mt_backend=c.mt_backend, glossary=c.glossary,
        fit=FitSettings(min_speed=c.fit.min_speed, max_speed=c.fit.max_speed, stretch_short=c.fit.stretch_short),
        background=c.background,
    )
