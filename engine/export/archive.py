"""A zipped project archive that opens on another machine.

The archive holds ``project.json`` (its source path rewritten to point inside the archive),
the source video under ``media/`` (optional), and the project's ``cache/`` and ``exports/``
(optional), so takes, face tracks and fine-tuned checkpoints travel with it. Files are
streamed into the zip in blocks; nothing is loaded whole. The zip goes through the atomic
writer, so a full disk or a cancel never leaves a half archive that looks valid.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from engine.errors import ProjectError
from engine.fsutil import TEMP_MARK, atomic_write
from engine.jobs.events import Progress, ProgressSink, ignore_progress
from engine.project.model import Project
from engine.project.store import PROJECT_FILE, ProjectFolder, load_project, to_document

MEDIA_DIR = "media"
# Video and audio are already compressed; deflating them costs time and saves nothing.
STORED_SUFFIXES = {".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4a", ".aac", ".mp3", ".flac", ".ogg", ".zip", ".npz"}


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            # a temporary file, or a file inside a temporary folder (a stage still writing)
            if path.is_file() and not any(TEMP_MARK in part for part in path.relative_to(root).parts):
                yield path


def write_archive(folder: ProjectFolder, project: Project, out: Path, *, include_video: bool = True,
                  include_cache: bool = True, progress: ProgressSink = ignore_progress) -> Path:
    """Write ``out`` (a .zip); returns it."""
    out = Path(out)
    entries: list[tuple[Path, str]] = []
    archived = project
    if include_video:
        video = folder.source_path(project)
        name = f"{MEDIA_DIR}/{video.name}"
        entries.append((video, name))
        archived = dataclasses.replace(project, source=dataclasses.replace(project.source, path=name))
    for sub, wanted in (("cache", include_cache), ("exports", True)):
        if wanted:
            base = folder.root / sub
            entries += [(p, p.relative_to(folder.root).as_posix()) for p in _files_under(base)]
    entries = [(p, n) for p, n in entries if p.resolve() != out.resolve()]
    total = sum(p.stat().st_size for p, _ in entries)
    done = 0
    try:
        with atomic_write(out) as f, zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            zf.writestr(PROJECT_FILE, to_document(archived))
            for path, name in entries:
                kind = zipfile.ZIP_STORED if path.suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
                zf.write(path, name, compress_type=kind)
                done += path.stat().st_size
                progress(Progress("archive", done, total, name))
    except OSError as exc:
        raise ProjectError(f"cannot write the archive {out}: {exc.strerror or exc}") from None
    return out


def open_archive(archive: Path, dest: Path) -> tuple[ProjectFolder, Project]:
    """Unpack an archive into a new project folder ``dest`` and load it."""
    archive, dest = Path(archive), Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise ProjectError(f"{dest} exists and is not empty; choose a new folder to unpack into")
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            if PROJECT_FILE not in names:
                raise ProjectError(f"{archive} is not an avdub project archive (no {PROJECT_FILE})")
            for name in names:  # refuse paths that would escape the destination
                target = (dest / name).resolve()
                if not str(target).startswith(str(dest.resolve()) + os.sep):
                    raise ProjectError(f"{archive} holds an unsafe path: {name}")
            json.loads(zf.read(PROJECT_FILE))  # fail early on a damaged document
            zf.extractall(dest)
    except zipfile.BadZipFile as exc:
        raise ProjectError(f"{archive} is damaged: {exc}") from None
    folder, project = load_project(dest)
    folder.ensure_dirs()
    return folder, project
