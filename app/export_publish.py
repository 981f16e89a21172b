"""Copy what the export stage wrote into the project's exports/ to a folder and name the user
chose. It runs in a worker process (a dubbed video can be gigabytes), so it imports no Qt; each
file is copied beside its destination and renamed into place, so an interrupted copy never
leaves a half file under the final name. The stage's own names are ``BASE.LANG.mp4``,
``BASE.TEXT.FORMAT`` and ``stems/BASE.{original,dub,mix}.wav``; the chosen name replaces BASE.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ProjectError
from engine.jobs.events import CancelToken, Progress, ProgressSink, ignore_progress

STEM_PARTS = ("original", "dub", "mix")


@dataclass(frozen=True)
class PlannedFile:
    exported: str  # path inside the project's exports/
    destination: str  # file name in the chosen folder


def planned_files(base: str, name: str, language: str, video: bool, subtitle_formats: Sequence[str],
                  subtitle_text: str, stems: bool) -> list[PlannedFile]:
    """The files an export with these choices writes (``base``: the stage's name, ``name``: the user's)."""
    plan = []
    if video:
        plan.append(PlannedFile(f"{base}.{language}.mp4", f"{name}.{language}.mp4"))
    plan += [PlannedFile(f"{base}.{subtitle_text}.{fmt}", f"{name}.{subtitle_text}.{fmt}") for fmt in subtitle_formats]
    if stems:
        plan += [PlannedFile(f"stems/{base}.{part}.wav", f"{name}.{part}.wav") for part in STEM_PARTS]
    return plan


def publish(exports_dir: str, plan: Sequence[PlannedFile], destination: str, *,
            progress: ProgressSink = ignore_progress, cancel: CancelToken | None = None) -> list[str]:
    """Copy each planned file that the export wrote to ``destination``; the paths written."""
    cancel = cancel or CancelToken()
    out = Path(destination)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(f"cannot create the export folder {out}: {exc.strerror or exc}") from None
    written: list[str] = []
    present = [p for p in plan if (Path(exports_dir) / p.exported).is_file()]
    for i, item in enumerate(present):
        cancel.check()
        progress(Progress("publish", i, len(present), item.destination))
        final = out / item.destination
        partial = out / f".{item.destination}.partial"
        try:
            shutil.copyfile(Path(exports_dir) / item.exported, partial)
            os.replace(partial, final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise ProjectError(f"cannot write {final}: {exc.strerror or exc}") from None
        written.append(str(final))
    progress(Progress("publish", len(present), len(present), "done"))
    return written
