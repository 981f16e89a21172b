"""The project folder on disk: create, load, validate, migrate, save, back up, autosave.

Layout::

    lecture.avdub/
      project.json   {"schema_version", "avdub_version", "project": {...}}
      backups/       rotating previous project.json versions, plus autosave.json
      cache/         content-addressed stage outputs (safe to delete)
      exports/       rendered videos, subtitles, stems

Every write (project.json, backups, the autosave sidecar) goes through the one atomic writer
(``engine.fsutil.atomic_write``: temp file + fsync + rename). Before a save replaces
project.json, the previous version is written to ``backups/``, and only once the new
project.json is safely in place are the oldest backups beyond ``MAX_BACKUPS`` removed: a kill
or a full disk mid-save never leaves a torn backup nor costs a good one. A backup identical to
the newest one is not written again, so failed saves cannot push older versions out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from engine import __version__
from engine.errors import MediaError, NewerSchemaError, ProjectError, ProjectValidationError
from engine.fsutil import atomic_write_bytes, atomic_write_text, file_fingerprint
from engine.languages import is_known_language
from engine.project.codec import DecodeError, decode, encode
from engine.project.model import MediaRef, Project, new_id
from engine.project.settings import check_settings
from engine.project.schema import MAX_DEPTH, check_depth, check_project, is_inside_project

PROJECT_FILE = "project.json"
AUTOSAVE_FILE = "autosave.json"
SCHEMA_VERSION = 1
MAX_BACKUPS = 20

# Migrations from schema version N to N + 1, as pure functions over the JSON document.
Migration = Callable[[dict], dict]
MIGRATIONS: Mapping[int, Migration] = {}


@dataclass(frozen=True)
class ProjectFolder:
    """Paths of one project folder; creating it does not touch the disk."""

    root: Path

    @property
    def project_file(self) -> Path:
        return self.root / PROJECT_FILE

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def autosave_file(self) -> Path:
        return self.backups_dir / AUTOSAVE_FILE

    def resolve(self, relative: str) -> Path:
        """An absolute path for a path the project stores for one of its own files; one that
        would lead outside the project folder ("../../etc/passwd", "/etc/passwd") is refused."""
        if not is_inside_project(relative):
            raise ProjectError(f"{self.project_file}: the path {relative!r} leads outside the project folder; "
                               "avdub only reads the project's own files and its video")
        return (self.root / relative).resolve()

    def resolve_source(self, stored: str) -> Path:
        """Where the source video is: the one stored path that may lie outside the project."""
        return (self.root / stored).resolve() if not os.path.isabs(stored) else Path(stored)

    def relative(self, path: Path) -> str:
        """How a path is stored: relative to the project folder, so the two can move together.
        A file under the folder is named by the path it was reached through (a cache folder the
        user linked to another disk still counts as inside); others by their real location."""
        lexical = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))
        if is_inside_project(lexical):
            return lexical
        return os.path.relpath(Path(path).resolve(), self.root.resolve())

    def source_path(self, project: Project) -> Path:
        """The source video; a missing one is a clear error, never a crash later on."""
        path = self.resolve_source(project.source.path)
        if not path.is_file():
            raise MediaError(
                f"the project's video is missing: {path} (stored as '{project.source.path}', relative "
                f"to {self.root}); move it back or relink it with: avdub relink {self.root} NEW_VIDEO"
            )
        return path

    def ensure_dirs(self) -> None:
        for d in (self.root, self.cache_dir, self.backups_dir, self.exports_dir):
            d.mkdir(parents=True, exist_ok=True)


def create_project(
    root: Path, video: Path, duration: float, target_language: str, source_language: str | None = None
) -> tuple[ProjectFolder, Project]:
    """Create a new project folder for ``video``; refuses to overwrite an existing project."""
    folder = ProjectFolder(Path(root))
    if folder.project_file.exists():
        raise ProjectError(f"a project already exists at {folder.root}; open it or choose another folder with -p")
    try:
        folder.ensure_dirs()
    except OSError as exc:
        raise ProjectError(f"cannot create the project folder {folder.root}: {exc.strerror or exc}") from None
    video = Path(video)
    project = Project(
        id=new_id("prj"),
        source=MediaRef(
            path=folder.relative(video),
            size_bytes=video.stat().st_size,
            duration=duration,
            fingerprint=file_fingerprint(video),
        ),
        source_language=source_language,
        target_language=target_language,
    )
    validate(project, str(folder.project_file))
    save_project(folder, project, backup=False)
    return folder, project


def load_project(root: Path) -> tuple[ProjectFolder, Project]:
    """Load and validate ``root/project.json`` (migrating older schemas in memory)."""
    folder = ProjectFolder(Path(root))
    path = folder.project_file
    if not folder.root.exists():
        raise ProjectError(f"no project folder at {folder.root}")
    if not path.is_file():
        raise ProjectError(f"{folder.root} is not an avdub project (no {PROJECT_FILE})")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read {path}: {exc}") from None
    return folder, parse_document(text, str(path), folder)


def parse_document(text: str, file: str, folder: ProjectFolder | None = None,
                   migrations: Mapping[int, Migration] = MIGRATIONS) -> Project:
    """Parse, migrate and validate a project document; errors name file, field and reason."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if folder is not None and _backups(folder):
            hint = f"; the previous version is in {folder.backups_dir}"
        raise ProjectError(f"{file} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}){hint}") from None
    except RecursionError:
        raise ProjectValidationError(file, "(document)", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ProjectValidationError(file, "(document)", f"unreadable number ({exc})") from None
    check_depth(doc, file)
    if not isinstance(doc, dict):
        raise ProjectValidationError(file, "(document)", "expected a JSON object")
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProjectValidationError(file, "schema_version", f"expected a non-negative integer, got {version!r}")
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{file} was written by a newer avdub (schema {version}; this avdub {__version__} reads up to "
            f"{SCHEMA_VERSION}); update avdub to open it"
        )
    doc = migrate(doc, migrations)
    if "project" not in doc:
        raise ProjectValidationError(file, "project", "missing")
    try:
        project = decode(Project, doc["project"], "project")
    except DecodeError as exc:
        raise ProjectValidationError(file, exc.path, exc.reason) from None
    validate(project, file)
    return project


def migrate(doc: dict, migrations: Mapping[int, Migration] = MIGRATIONS) -> dict:
    """Step an older document up to SCHEMA_VERSION, one version at a time."""
    version = doc["schema_version"]
    while version < SCHEMA_VERSION:
        step = migrations.get(version)
        if step is None:
            raise ProjectError(f"no migration from project schema {version} to {version + 1}")
        doc = step(dict(doc))
        version += 1
        doc["schema_version"] = version
    return doc


def validate(project: Project, file: str) -> None:
    """Checks the type system cannot express; raises ProjectValidationError naming the field."""
    def fail(field: str, reason: str) -> None:
        raise ProjectValidationError(file, field, reason)

    if not is_known_language(project.target_language):
        fail("project.target_language", f"unknown language code {project.target_language!r}")
    if project.source_language is not None and not is_known_language(project.source_language):
        fail("project.source_language", f"unknown language code {project.source_language!r}")
    if project.source.duration < 0:
        fail("project.source.duration", "must not be negative")
    speaker_ids = {s.id for s in project.speakers}
    if len(speaker_ids) != len(project.speakers):
        fail("project.speakers", "speaker ids must be unique")
    track_ids = {t.id for t in project.face_tracks}
    seen: set[str] = set()
    for i, seg in enumerate(project.segments):
        where = f"project.segments[{i}]"
        if seg.id in seen:
            fail(f"{where}.id", f"duplicate segment id {seg.id!r}")
        seen.add(seg.id)
        if seg.start < 0:
            fail(f"{where}.start", "must not be negative")
        if seg.end <= seg.start:
            fail(f"{where}.end", f"must be after start ({seg.end} <= {seg.start})")
        if seg.revision < 1:
            fail(f"{where}.revision", "must be at least 1")
        if seg.speaker_id is not None and seg.speaker_id not in speaker_ids:
            fail(f"{where}.speaker_id", f"no speaker with id {seg.speaker_id!r}")
        if seg.face_track_id is not None and seg.face_track_id not in track_ids:
            fail(f"{where}.face_track_id", f"no face track with id {seg.face_track_id!r}")
        take_ids = {t.id for t in seg.takes}
        if seg.current_take_id is not None and seg.current_take_id not in take_ids:
            fail(f"{where}.current_take_id", f"no take with id {seg.current_take_id!r} in this segment")
        for j, take in enumerate(seg.takes):
            if take.made_from_revision > seg.revision:
                fail(f"{where}.takes[{j}].made_from_revision", "is newer than the segment's revision")
    for i, track in enumerate(project.face_tracks):
        if track.end_frame <= track.start_frame:
            fail(f"project.face_tracks[{i}].end_frame", "must be after start_frame")
    try:
        check_settings(project.settings)  # the user's choices, typed (engine.project.settings)
    except DecodeError as exc:
        fail(f"project.{exc.path}", exc.reason)
    check_project(project, file)


def to_document(project: Project) -> str:
    doc = {"schema_version": SCHEMA_VERSION, "avdub_version": __version__, "project": encode(project)}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def save_project(folder: ProjectFolder, project: Project, backup: bool = True) -> None:
    """Atomically write project.json, first keeping the previous version in backups/."""
    validate(project, str(folder.project_file))
    text = to_document(project)
    try:
        if backup and folder.project_file.exists():
            _write_backup(folder, text)
        atomic_write_text(folder.project_file, text)
        folder.autosave_file.unlink(missing_ok=True)  # the saved file is now the newest state
        if backup:
            _drop_old_backups(folder)  # only now: the new version is safely on disk
    except OSError as exc:
        raise ProjectError(
            f"cannot save {folder.project_file}: {exc.strerror or exc}; the previous version is unchanged"
        ) from None


def write_autosave(folder: ProjectFolder, project: Project) -> None:
    """Write the crash-recovery sidecar (never touches project.json)."""
    try:
        folder.backups_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder.autosave_file, to_document(project))
    except OSError as exc:
        raise ProjectError(f"cannot write autosave {folder.autosave_file}: {exc.strerror or exc}") from None


def read_autosave(folder: ProjectFolder) -> Project | None:
    """The autosaved project, if one is newer than project.json and still readable."""
    side = folder.autosave_file
    if not side.is_file():
        return None
    if folder.project_file.is_file() and side.stat().st_mtime_ns < folder.project_file.stat().st_mtime_ns:
        return None
    try:
        return parse_document(side.read_text(encoding="utf-8"), str(side), folder)
    except (OSError, ProjectError):
        return None


def discard_autosave(folder: ProjectFolder) -> None:
    folder.autosave_file.unlink(missing_ok=True)


def _backups(folder: ProjectFolder) -> list[Path]:
    if not folder.backups_dir.is_dir():
        return []
    return sorted(folder.backups_dir.glob("project-*.json"))


def _write_backup(folder: ProjectFolder, new_text: str) -> None:
    """Keep the current project.json in backups/ before it is replaced, unless there is nothing
    new to keep (it equals the new text, or the newest backup already holds it)."""
    current = folder.project_file.read_bytes()
    if current == new_text.encode("utf-8"):
        return
    existing = _backups(folder)
    if existing and _same_bytes(existing[-1], current):
        return  # an earlier save that failed after its backup already kept this version
    folder.backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    atomic_write_bytes(folder.backups_dir / f"project-{stamp}.json", current)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _drop_old_backups(folder: ProjectFolder) -> None:
    for old in _backups(folder)[:-MAX_BACKUPS]:
        try:
            old.unlink(missing_ok=True)
        except OSError:
            pass  # a backup too many is no reason to fail a save that succeeded


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def relink_source(folder: ProjectFolder, project: Project, video: Path, duration: float) -> MediaRef:
    """Point the project at a moved video; a different file (by fingerprint) is refused."""
    fingerprint = file_fingerprint(video)
    if fingerprint != project.source.fingerprint:
        raise MediaError(f"{video} is not the project's video (its content differs from the original)")
    project.source = MediaRef(folder.relative(video), Path(video).stat().st_size, duration, fingerprint)
    return project.source
