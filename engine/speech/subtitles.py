"""Subtitles of a project's segments (source, target or bilingual) as SRT or WebVTT via pysubs2.

Cue times are the segments' source spans (the dub is placed there too). Bilingual cues put the
target line first and the source line under it.
"""

from __future__ import annotations

import enum
from pathlib import Path

from engine.errors import AvdubError
from engine.fsutil import atomic_write_text
from engine.project.model import Project


class Which(enum.Enum):
    SOURCE = "source"
    TARGET = "target"
    BILINGUAL = "bilingual"


FORMATS = {"srt": "srt", "vtt": "vtt"}


def build(project: Project, which: Which):
    import pysubs2

    subs = pysubs2.SSAFile()
    for seg in project.segments:
        if which is Which.SOURCE:
            text = seg.source_text
        elif which is Which.TARGET:
            text = seg.target_text
        else:
            text = "\\N".join(t for t in (seg.target_text.strip(), seg.source_text.strip()) if t)
        if not text.strip():
            continue
        subs.append(pysubs2.SSAEvent(start=pysubs2.make_time(s=seg.start), end=pysubs2.make_time(s=seg.end),
                                     text=text.strip()))
    return subs


def write(project: Project, which: Which, path: Path, fmt: str) -> int:
    """Write the subtitles; returns the number of cues."""
    if fmt not in FORMATS:
        raise AvdubError(f"unknown subtitle format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if which is not Which.SOURCE and not any(s.target_text.strip() for s in project.segments):
        raise AvdubError("the project has no translations yet; run: avdub run PROJECT --until translate")
    subs = build(project, which)
    text = subs.to_string(format_=FORMATS[fmt])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)  # a full disk leaves the old file (or none), never an empty one
    return len(subs)
