"""Pipeline stage *export*: the finished deliverables in ``exports/``.

From the render stage's ``exports/dubbed.mp4`` it publishes ``NAME.LANG.mp4`` (a hard link
where the file system allows, else a copy), subtitles in the source, target and bilingual
variants as SRT and WebVTT, and audio stems (original, dub, mix) under ``exports/stems/``.
The project archive is not part of the stage (it is large and on demand: `avdub export
--archive`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import ProjectError
from engine.fsutil import file_fingerprint
from engine.pipeline import StageContext

RENDERED = "dubbed.mp4"


def base_name(ctx: StageContext) -> str:
    return Path(ctx.project.source.path).stem


def _rendered(ctx: StageContext) -> Path:
    return ctx.folder.exports_dir / RENDERED


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    rendered = _rendered(ctx)
    dub = ctx.folder.resolve(ctx.project.dub_track) if ctx.project.dub_track else None
    return {
        "video": file_fingerprint(rendered) if rendered.is_file() else None,
        "dub": file_fingerprint(dub) if dub is not None and dub.is_file() else None,
        "segments": [(s.id, s.start, s.end, s.source_text, s.target_text) for s in ctx.project.segments],
        "target": ctx.project.target_language,
    }


def publish_video(ctx: StageContext) -> Path:
    rendered = _rendered(ctx)
    if not rendered.is_file():
        raise ProjectError(f"no rendered video at {rendered}; run: avdub run {ctx.folder.root} --until render")
    out = ctx.folder.exports_dir / f"{base_name(ctx)}.{ctx.project.target_language}.mp4"
    out.unlink(missing_ok=True)
    try:
        os.link(rendered, out)
    except OSError:
        shutil.copyfile(rendered, out)
    return out


def write_subtitles(ctx: StageContext) -> list[Path]:
    from engine.speech.subtitles import Which, write

    written = []
    if not any(s.source_text.strip() for s in ctx.project.segments):
        return written
    for which in Which:
        if which is not Which.SOURCE and not any(s.target_text.strip() for s in ctx.project.segments):
            continue
        for fmt in ("srt", "vtt"):
            path = ctx.folder.exports_dir / f"{base_name(ctx)}.{which.value}.{fmt}"
            write(ctx.project, which, path, fmt)
            written.append(path)
    return written


def run(ctx: StageContext) -> None:
    from engine.export.stems import write_stems

    ctx.report(0, 3, "video")
    publish_video(ctx)
    ctx.report(1, 3, "subtitles")
    write_subtitles(ctx)
    ctx.report(2, 3, "audio stems")
    if ctx.project.dub_track:
        write_stems(ctx.folder, ctx.project, ctx.folder.exports_dir / "stems", base_name(ctx))
    ctx.report(3, 3, "done")
