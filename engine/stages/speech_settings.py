"""The speech stages' settings and bookkeeping, kept in ``project.settings["speech"]``.

Settings (user-editable): ASR backend/model, MT backend, glossary terms, fit bounds, whether
to mix a ducked copy of the original audio under the dub. Bookkeeping (written by stages):
the machine translation each segment last received (so a user's edit is recognised and never
overwritten), the spoken-duration estimates, the overflow remedies and per-run counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.project.model import Project
from engine.speech.fit import FitSettings

KEY = "speech"


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
    s = section(project)
    fit = s.get("fit", {})
    return SpeechSettings(
        asr_backend=s.get("asr_backend", "faster-whisper"),
        asr_model=s.get("asr_model"),
        mt_backend=s.get("mt_backend"),
        glossary=tuple(s.get("glossary", ())),
        fit=FitSettings(min_speed=float(fit.get("min_speed", 0.80)), max_speed=float(fit.get("max_speed", 1.25)),
                        stretch_short=bool(fit.get("stretch_short", False))),
        background=bool(s.get("background", False)),
    )
