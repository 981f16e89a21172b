"""`avdub export`: subtitles, the dubbed video, audio stems and a portable project archive."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from engine.cli.progress import TerminalProgress, cancel_on_interrupt
from engine.errors import AvdubError, ProjectError
from engine.fsutil import atomic_path
from engine.project.store import load_project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export subtitles, the dubbed video, audio stems or a project archive")
    p.add_argument("project", type=Path)
    p.add_argument("--srt", type=Path, metavar="FILE", help="write SRT subtitles to FILE")
    p.add_argument("--vtt", type=Path, metavar="FILE", help="write WebVTT subtitles to FILE")
    p.add_argument("--which", choices=["source", "target", "bilingual"], default="target",
                   help="which text the subtitles carry (default: target)")
    p.add_argument("--video", type=Path, metavar="FILE", help="copy the rendered dubbed video to FILE")
    p.add_argument("--stems", type=Path, metavar="DIR", help="write original, dub and mix WAV stems into DIR")
    p.add_argument("--archive", type=Path, metavar="FILE", help="write a zipped project archive to FILE")
    p.add_argument("--archive-without-video", action="store_true", help="leave the source video out of the archive")
    p.add_argument("--archive-without-cache", action="store_true",
                   help="leave the cache (takes, tracks, checkpoints) out of the archive")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    folder, project = load_project(args.project)
    written: list[str] = []
    if args.srt or args.vtt:
        from engine.speech.subtitles import Which, write

        for fmt, path in (("srt", args.srt), ("vtt", args.vtt)):
            if path is not None:
                write(project, Which(args.which), path, fmt)
                written.append(str(path))
    if args.video:
        rendered = folder.exports_dir / "dubbed.mp4"
        if not rendered.is_file():
            raise ProjectError(f"no rendered video yet; run: avdub run {folder.root} --until render")
        args.video.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(args.video) as tmp:
            shutil.copyfile(rendered, tmp)
        written.append(str(args.video))
    if args.stems:
        from engine.export.stems import write_stems
        from engine.stages.dub_audio import require_dub_track

        stems = write_stems(folder, project, require_dub_track(folder, project), args.stems,
                            Path(project.source.path).stem)
        written += [str(stems.original), str(stems.dub), str(stems.mix)]
    if args.archive:
        from engine.export.archive import write_archive

        bars = TerminalProgress(enabled=not args.json)
        with cancel_on_interrupt():
            write_archive(folder, project, args.archive, include_video=not args.archive_without_video,
                          include_cache=not args.archive_without_cache, progress=bars)
        bars.close()
        written.append(str(args.archive))
    if not written:
        raise AvdubError("nothing to export: name at least one of --srt, --vtt, --video, --stems, --archive")
    print(json.dumps({"written": written}) if args.json else "\n".join(f"wrote {w}" for w in written))
    return 0
