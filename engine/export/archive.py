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
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from engine.errors import ProjectError
from engine.fsutil import TEMP_MARK, atomic_write
from engine.jobs.events import Progress, ProgressSink, ignore_progress
from engine.project.model import Project
from engine.project.schema import is_inside_project
from engine.project.source import require_same_source
from engine.project.store import PROJECT_FILE, ProjectFolder, load_project, save_project, to_document

MEDIA_DIR = "media"
# Video and audio are already compressed; deflating them costs time and saves nothing.
MAX_FILES = 200_000  # entries: a long lecture's cache holds tens of thousands of crops at most
MAX_TOTAL_BYTES = 2**40  # 1 TiB unpacked, whatever the disk
MAX_RATIO = 200  # unpacked / packed bytes of one entry: landmarks and text deflate ~10×, zip bombs ~1000×
RATIO_FLOOR_BYTES = 1 << 20  # entries smaller than this may have any ratio (a zeroed file, a tiny text)
COPY_BLOCK = 1 << 20
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
        video = require_same_source(folder, project)  # never pack a file the project only points at
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
    """Unpack an archive into a new project folder ``dest`` and load it.

    Entries are checked before anything is written: names that would escape ``dest``, more than
    :data:`MAX_FILES` entries, more than :data:`MAX_TOTAL_BYTES` in all, more than free disk
    space, or an entry that inflates more than :data:`MAX_RATIO` times (a zip bomb) are refused;
    each entry is then copied with its declared size as a hard limit. A source video the archive
    does not hold is pointed at ``media/`` inside the project (missing: relink it), never at a
    file elsewhere. On any failure ``dest`` is left as it was found."""
    archive, dest = Path(archive), Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ProjectError(f"{dest} exists and is not empty; choose a new folder to unpack into")
    created = not dest.exists()
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = _checked_entries(zf, archive, dest)
            doc = json.loads(zf.read(PROJECT_FILE).decode("utf-8"))  # fail early on a damaged document
            if not isinstance(doc, dict):
                raise ProjectError(f"{archive} holds a damaged {PROJECT_FILE} (not a JSON object)")
            for info in infos:
                _extract(zf, info, dest)
        folder, project = load_project(dest)
        _confine_source(folder, project, archive)
        folder.ensure_dirs()
    except zipfile.BadZipFile as exc:
        _undo(dest, created)
        raise ProjectError(f"{archive} is damaged: {exc}") from None
    except (ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error) as exc:
        _undo(dest, created)  # bad JSON or text, truncated or encrypted entries, unknown compression
        raise ProjectError(f"{archive} cannot be unpacked: {exc}") from None
    except OSError as exc:
        _undo(dest, created)
        raise ProjectError(f"cannot unpack {archive} into {dest}: {exc.strerror or exc}") from None
    except BaseException:
        _undo(dest, created)
        raise
    return folder, project


def _checked_entries(zf: zipfile.ZipFile, archive: Path, dest: Path) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if PROJECT_FILE not in {i.filename for i in infos}:
        raise ProjectError(f"{archive} is not an avdub project archive (no {PROJECT_FILE})")
    if len(infos) > MAX_FILES:
        raise ProjectError(f"{archive} holds {len(infos)} entries; an avdub archive holds at most {MAX_FILES}")
    root = str(dest.resolve())
    total = 0
    for info in infos:  # refuse paths that would escape the destination
        target = str((dest / info.filename).resolve())
        if not target.startswith(root + os.sep):
            raise ProjectError(f"{archive} holds an unsafe path: {info.filename}")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise ProjectError(f"{archive} holds an entry that inflates {info.file_size // max(1, info.compress_size)} "
                               f"times ({info.filename}): refused as a zip bomb")
        total += info.file_size
    packed = archive.stat().st_size
    if total > RATIO_FLOOR_BYTES and total > MAX_RATIO * packed:
        raise ProjectError(f"{archive} would inflate {total // max(1, packed)} times ({packed} bytes to {total}): "
                           "refused as a zip bomb")
    if total > MAX_TOTAL_BYTES:
        raise ProjectError(f"{archive} would unpack to {total / 2**30:.1f} GiB, more than the "
                           f"{MAX_TOTAL_BYTES / 2**30:.0f} GiB an archive may hold")
    parent = next(p for p in (dest, *dest.parents) if p.exists())
    free = shutil.disk_usage(parent).free
    if total > free:
        raise ProjectError(f"{archive} needs {total / 2**20:.0f} MB to unpack; {parent} has {free / 2**20:.0f} MB free")
    return infos


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> None:
    target = dest / info.filename
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    left = info.file_size
    with zf.open(info) as src, open(target, "wb") as out:
        while block := src.read(min(COPY_BLOCK, left + 1)):
            left -= len(block)
            if left < 0:
                raise ProjectError(f"{info.filename} in the archive is larger than it declares")
            out.write(block)


def _confine_source(folder: ProjectFolder, project: Project, archive: Path) -> None:
    """An unpacked project's video is the one in its media/ folder, or none: never a file outside."""
    if is_inside_project(project.source.path):
        return
    name = Path(project.source.path.replace("\\", "/")).name or "video"
    project.source = dataclasses.replace(project.source, path=f"{MEDIA_DIR}/{name}")
    save_project(folder, project, backup=False)


def _undo(dest: Path, created: bool) -> None:
    """Remove what unpacking wrote (``dest`` was new or empty)."""
    if dest.is_dir():
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for child in dest.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
