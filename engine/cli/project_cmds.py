"""Project commands: new, info, run, dub, relink."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from engine.cli.progress import TerminalProgress, cancel_on_interrupt
from engine.errors import AvdubError, JobCancelled, MediaError, UnsupportedLanguageError
from engine.fsutil import atomic_path
from engine.languages import LANGUAGE_NAMES, is_known_language
from engine.media.probe import MediaInfo, probe
from engine.models.registry import ModelRegistry
from engine.pipeline import STAGES, ContextFactory, RunOptions, Stage, plan, run_stages, stage_status
from engine.project.codec import encode
from engine.project.disk import disk_use, human_bytes
from engine.project.source import source_change
from engine.project.store import ProjectFolder, create_project, load_project, relink_source, save_project

STAGE_NAMES = [s.value for s in Stage]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="create a project folder for a video")
    p.add_argument("video", type=Path)
    p.add_argument("--to", required=True, metavar="LANG", help="target language (ISO 639-1, e.g. pt)")
    p.add_argument("--from", dest="source_lang", metavar="LANG", help="source language (default: detect)")
    p.add_argument("-p", "--project", type=Path, help="project folder (default: ./VIDEO_NAME.avdub)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("info", help="show a project's media, languages, segments and stage status")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("run", help="run pipeline stages on a project")
    p.add_argument("project", type=Path)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--until", choices=STAGE_NAMES, help="run this stage and what it depends on")
    g.add_argument("--only", choices=STAGE_NAMES, help="run only this stage")
    _add_run_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("dub", help="new + every stage + export, in one go")
    p.add_argument("video", type=Path)
    p.add_argument("--to", required=True, metavar="LANG")
    p.add_argument("--from", dest="source_lang", metavar="LANG")
    p.add_argument("-o", "--output", type=Path, required=True, help="the dubbed mp4 to write")
    p.add_argument("-p", "--project", type=Path, help="project folder (default: ./VIDEO_NAME.avdub)")
    _add_run_options(p)
    p.set_defaults(func=cmd_dub)

    p = sub.add_parser("relink", help="point a project at its video after the video moved")
    p.add_argument("project", type=Path)
    p.add_argument("video", type=Path)
    p.set_defaults(func=cmd_relink)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--threads", type=int, help="torch threads (default: measured per machine)")
    p.add_argument("--force", action="store_true", help="rerun stages even when up to date")
    p.add_argument("--json", action="store_true", help="machine-readable output; no progress bars")


def _options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(device=args.device, threads=args.threads, force=args.force)


def check_language(code: str | None, role: str) -> None:
    if code is not None and not is_known_language(code):
        raise UnsupportedLanguageError(
            f"unknown {role} language '{code}'; use an ISO 639-1 code such as {', '.join(sorted(LANGUAGE_NAMES)[:12])}, …"
        )


def probe_source(video: Path) -> MediaInfo:
    info = probe(video)
    info.require_video()
    info.require_audio()
    return info


def make_project(video: Path, target: str, source: str | None, project: Path | None) -> ProjectFolder:
    check_language(target, "target")
    check_language(source, "source")
    if source is not None and source == target:
        raise UnsupportedLanguageError(f"source and target language are both '{target}'")
    info = probe_source(video)
    root = project if project is not None else Path.cwd() / f"{video.stem}.avdub"
    folder, _ = create_project(root, video, info.duration, target, source)
    return folder


def cmd_new(args: argparse.Namespace) -> int:
    folder = make_project(args.video, args.to, args.source_lang, args.project)
    if args.json:
        print(json.dumps({"project": str(folder.root)}))
    else:
        print(f"created {folder.root}")
    return 0


def project_summary(folder: ProjectFolder, registry: ModelRegistry) -> dict[str, Any]:
    _, project = load_project(folder.root)
    media: dict[str, Any] = {"path": project.source.path, "missing": False}
    try:
        info = probe(folder.source_path(project))
        v, a = info.video, info.audio
        media.update(
            resolved=str(info.path), duration=info.duration, container=info.container, size_bytes=info.size_bytes,
            video=None if v is None else {
                "codec": v.codec, "width": v.width, "height": v.height, "rotation": v.rotation, "fps": v.fps,
                "variable_frame_rate": v.variable_frame_rate, "frame_count": v.frame_count},
            audio=None if a is None else {"codec": a.codec, "sample_rate": a.sample_rate, "channels": a.channels},
        )
        change = source_change(folder, project)
        media["changed"] = None if change is None else change.describe(folder.root)
    except MediaError as exc:
        media.update(missing=True, error=str(exc))
    factory = ContextFactory(folder, project, registry)
    stages = {s.stage.value: stage_status(factory, s).value for s in STAGES}
    segments = []
    for seg in project.segments:
        take = seg.current_take
        segments.append({
            "id": seg.id, "start": seg.start, "end": seg.end, "speaker": seg.speaker_id,
            "source_text": seg.source_text, "target_text": seg.target_text, "revision": seg.revision,
            "take_duration": None if take is None else take.duration,
            "fit_ratio": None if take is None else take.fit_ratio,
            "stale": seg.is_stale, "flags": sorted(f.value for f in seg.flags),
        })
    return {
        "project": str(folder.root), "id": project.id, "media": media,
        "source_language": project.source_language, "target_language": project.target_language,
        "speakers": encode(project.speakers), "face_tracks": len(project.face_tracks),
        "segments": segments, "stages": stages,
        "dub_track": None if project.dub_track is None else str(folder.resolve(project.dub_track)),
        "disk": disk_use(folder).to_dict(),
    }


def cmd_info(args: argparse.Namespace) -> int:
    summary = project_summary(ProjectFolder(args.project), ModelRegistry.from_environment())
    if args.json:
        print(json.dumps(summary, indent=1, ensure_ascii=False))
        return 0
    m = summary["media"]
    print(f"project   {summary['project']}")
    print(f"languages {summary['source_language'] or 'auto'} → {summary['target_language']}")
    if m["missing"]:
        print(f"video     MISSING — {m['error']}")
    else:
        v = m["video"]
        vfr = " (variable)" if v["variable_frame_rate"] else ""
        print(f"video     {m['resolved']}")
        print(f"          {m['duration']:.2f} s, {v['codec']} {v['width']}×{v['height']}, {v['fps']:.3f} fps{vfr}, "
              f"rotation {v['rotation']}°, {v['frame_count']} frames")
        a = m["audio"]
        print(f"audio     {a['codec']} {a['sample_rate']} Hz, {a['channels']} ch" if a else "audio     none")
        if m["changed"]:
            print(f"          CHANGED — {m['changed']}")
    print(f"segments  {len(summary['segments'])}   face tracks {summary['face_tracks']}")
    print("stages")
    for name, status in summary["stages"].items():
        print(f"  {name:<11} {status}")
    d = summary["disk"]
    free = "" if d["free_bytes"] is None else f", {human_bytes(d['free_bytes'])} free"
    print(f"disk      {human_bytes(d['project_bytes'])}{free}")
    for name, size in d["cache_bytes"].items():
        print(f"  cache/{name:<16} {human_bytes(size):>9}")
    return 0


def _run(folder: ProjectFolder, until: str | None, only: str | None, options: RunOptions, quiet: bool) -> list:
    _, project = load_project(folder.root)
    folder.source_path(project)  # a missing video is reported before any work starts
    stages = plan(Stage(until) if until else None, Stage(only) if only else None)
    bars = TerminalProgress(enabled=not quiet)
    with cancel_on_interrupt() as cancel:
        factory = ContextFactory(folder, project, ModelRegistry.from_environment(), options, bars, cancel)
        try:
            return run_stages(factory, stages)
        except AvdubError as exc:
            if cancel.cancelled and not isinstance(exc, JobCancelled):  # e.g. ffmpeg stopped by the same Ctrl-C
                raise JobCancelled("cancelled") from None
            raise
        finally:
            bars.close()


def cmd_run(args: argparse.Namespace) -> int:
    outcome = _run(ProjectFolder(args.project), args.until, args.only, _options(args), args.json)
    if args.json:
        print(json.dumps({"stages": {s.value: what for s, what in outcome}}))
    else:
        for stage, what in outcome:
            print(f"{stage.value:<11} {what}")
    return 0


def cmd_dub(args: argparse.Namespace) -> int:
    from engine.pipeline import stage_module

    for spec in plan():  # refuse before creating anything if a stage is missing
        stage_module(spec)
    root = args.project if args.project is not None else Path.cwd() / f"{args.video.stem}.avdub"
    folder = ProjectFolder(root) if (root / "project.json").exists() else make_project(
        args.video, args.to, args.source_lang, root)
    estimate = _estimate(folder, args)
    print(f"avdub: {estimate.describe()}", file=sys.stderr)
    free_gb = shutil.disk_usage(folder.root).free / 2**30
    if free_gb < estimate.disk_gb:
        print(f"avdub: warning: {free_gb:.1f} GB free where the project lives ({folder.root}), the dub may "
              f"need about {estimate.disk_gb:.1f} GB; a full disk stops it cleanly and it resumes when "
              "space is freed", file=sys.stderr)
    outcome = _run(folder, None, None, _options(args), args.json)
    exported = folder.exports_dir / "dubbed.mp4"
    if not exported.is_file():
        raise AvdubError(f"the export stage wrote no video ({exported})")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.output) as tmp:
        shutil.copyfile(exported, tmp)
    _, project = load_project(folder.root)
    timings = {stage.value: {"outcome": what, "seconds": project.stages[stage.value].seconds}
               for stage, what in outcome if stage.value in project.stages}
    if args.json:
        print(json.dumps({"output": str(args.output), "project": str(folder.root), "stages": timings}))
    else:
        for name, t in timings.items():
            print(f"{name:<11} {t['outcome']:<12} {t['seconds']:8.1f} s")
        print(f"wrote {args.output}")
    return 0


def _estimate(folder: ProjectFolder, args: argparse.Namespace):
    """How long the whole dub will take and how much memory and disk it needs, before it starts."""
    from engine.estimate import TRAIN_MINUTES_CPU, estimate_dub

    _, project = load_project(folder.root)
    minutes = project.settings.get("lipsync", {}).get("minutes", TRAIN_MINUTES_CPU)
    return estimate_dub(probe(folder.source_path(project)), minutes, cuda=args.device == "cuda")


def cmd_relink(args: argparse.Namespace) -> int:
    folder, project = load_project(args.project)
    info = probe_source(args.video)
    ref = relink_source(folder, project, args.video, info.duration)
    save_project(folder, project)
    print(f"relinked to {ref.path}", file=sys.stdout)
    return 0
