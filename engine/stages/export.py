"""Pipeline stage *export*: the finished deliverables in ``exports/``.

From the render stage's ``exports/dubbed.mp4`` it publishes ``NAME.LANG.mp4`` (a hard link
where the file system allows, else a copy), subtitles in the source, target and bilingual
variants as SRT and WebVTT, and audio stems (original, dub, mix) under ``exports/stems/``.
The project archive is not part of the stage (it is large and on demand: `avdub export
--archive`).

What is exported can be narrowed per run through ``RunOptions.extra`` (the studio's export
dialog): ``video`` (bool), ``subtitles`` (formats, e.g. ``["srt"]``), ``subtitle_text``
(``target``, ``source`` or ``bilingual``), ``stems`` (bool) and ``watermark`` (bool: the
rendered video must have been made with that setting). Without them everything is exported.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ProjectError
from engine.fsutil import atomic_path, file_fingerprint
from engine.project.settings import RENDER, choices_of
from engine.stages.context import StageContext
from engine.stages.dub_audio import dub_track, require_dub_track

RENDERED = "dubbed.mp4"


def base_name(ctx: StageContext) -> str:
    return Path(ctx.project.source.path).stem


def _rendered(ctx: StageContext) -> Path:
    return ctx.folder.exports_dir / RENDERED


SUBTITLE_FORMATS = ("srt", "vtt")


@dataclass(frozen=True)
class ExportChoice:
    """What one run of the stage exports."""

    video: bool = True
    subtitle_formats: tuple[str, ...] = SUBTITLE_FORMATS
    subtitle_texts: tuple[str, ...] = ("source", "target", "bilingual")
    stems: bool = True
    watermark: bool | None = None  # None: whatever the render used


def choice_of(extra: Mapping[str, Any]) -> ExportChoice:
    formats: Sequence[str] = extra.get("subtitles", SUBTITLE_FORMATS)
    unknown = set(formats) - set(SUBTITLE_FORMATS)
    if unknown:
        raise ProjectError(f"unknown subtitle format(s) {sorted(unknown)}; choose from {list(SUBTITLE_FORMATS)}")
    texts = (extra["subtitle_text"],) if "subtitle_text" in extra else ExportChoice.subtitle_texts
    watermark = extra.get("watermark")
    return ExportChoice(bool(extra.get("video", True)), tuple(formats), tuple(texts), bool(extra.get("stems", True)),
                        None if watermark is None else bool(watermark))


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    rendered = _rendered(ctx)
    try:
        dub = dub_track(ctx.folder, ctx.project)
    except ProjectError:  # gone: only the stems need it, and writing them says so
        dub = None
    return {
        "video": file_fingerprint(rendered) if rendered.is_file() else None,
        "dub": None if dub is None else file_fingerprint(dub),
        "segments": [(s.id, s.start, s.end, s.source_text, s.target_text) for s in ctx.project.segments],
        "target": ctx.project.target_language,
        "choice": choice_of(ctx.options.extra),
    }


def publish_video(ctx: StageContext, watermark: bool | None = None) -> Path:
    rendered = _rendered(ctx)
    if not rendered.is_file():
        raise ProjectError(f"no rendered video at {rendered}; run: avdub run {ctx.folder.root} --until render")
    rendered_with = choices_of(ctx.project.settings, RENDER).watermark
    if watermark is not None and watermark != rendered_with:
        state = "with" if rendered_with else "without"
        raise ProjectError(f"the rendered video was made {state} the AI-dubbed watermark; render again with "
                           f"render.watermark = {str(watermark).lower()} before exporting it")
    out = ctx.folder.exports_dir / f"{base_name(ctx)}.{ctx.project.target_language}.mp4"
    with atomic_path(out) as tmp:
        try:
            os.link(rendered, tmp)
        except OSError:
            shutil.copyfile(rendered, tmp)
    return out


def write_subtitles(ctx: StageContext, formats: Sequence[str] = SUBTITLE_FORMATS,
                    texts: Sequence[str] = ExportChoice.subtitle_texts) -> list[Path]:
    from engine.speech.subtitles import Which, write

    written: list[Path] = []
    if not any(s.source_text.strip() for s in ctx.project.segments):
        return written
    for which in (Which(t) for t in texts):
        if which is not Which.SOURCE and not any(s.target_text.strip() for s in ctx.project.segments):
            continue
        for fmt in formats:
            path = ctx.folder.exports_dir / f"{base_name(ctx)}.{which.value}.{fmt}"
            write(ctx.project, which, path, fmt)
            written.append(path)
    return written


def run(ctx: StageContext) -> None:
    from engine.export.stems import write_stems

    choice = choice_of(ctx.options.extra)
    ctx.report(0, 3, "video")
    if choice.video:
        publish_video(ctx, choice.watermark)
    ctx.report(1, 3, "subtitles")
    write_subtitles(ctx, choice.subtitle_formats, choice.subtitle_texts)
    ctx.report(2, 3, "audio stems")
    if choice.stems and ctx.project.dub_track:
        write_stems(ctx.folder, ctx.project, require_dub_track(ctx.folder, ctx.project),
                    ctx.folder.exports_dir / "stems", base_name(ctx))
    ctx.report(3, 3, "done")
