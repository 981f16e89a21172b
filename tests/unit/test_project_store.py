"""Project folder: save/load round trip, atomic and interrupted saves, backups, migration, validation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.errors import MediaError, NewerSchemaError, ProjectError, ProjectValidationError
from engine.project import Segment, SegmentFlag, Take, load_project, save_project
from engine.project import store
from engine.project.store import ProjectFolder, create_project, parse_document, read_autosave, write_autosave


@pytest.fixture
def video(tmp_path: Path) -> Path:
    path = tmp_path / "media" / "talk.mp4"
    path.parent.mkdir()
    path.write_bytes(b"\x00" * 4096 + b"not really a video, the store does not decode")
    return path


@pytest.fixture
def project_dir(tmp_path: Path, video: Path):
    folder, project = create_project(tmp_path / "talk.avdub", video, 12.5, "pt", "en")
    return folder, project


def _two_segments(project) -> None:
    take = Take("take-1", "cache/takes/a.wav", 2.0, "espeak-ng", "pt", made_from_revision=1, fit_ratio=0.9)
    project.set_segments([
        Segment("seg-b", 4.0, 6.0, "Second.", "Segundo."),
        Segment("seg-a", 0.5, 3.0, "First one.", "Primeiro.", takes=(take,), current_take_id="take-1",
                flags=frozenset({SegmentFlag.LOW_ASR_CONFIDENCE})),
    ])


def test_round_trip_keeps_every_field(project_dir) -> None:
    folder, project = project_dir
    _two_segments(project)
    save_project(folder, project)
    _, loaded = load_project(folder.root)
    assert loaded == project
    assert [s.id for s in loaded.segments] == ["seg-a", "seg-b"]  # kept in time order
    assert loaded.segment("seg-a").flags == frozenset({SegmentFlag.LOW_ASR_CONFIDENCE})


def test_staleness_is_derived_from_revisions(project_dir) -> None:
    _, project = project_dir
    _two_segments(project)
    assert not project.segment("seg-a").is_stale
    assert project.segment("seg-b").is_stale  # no take yet
    project.edit_segment("seg-a", end=3.2)  # timing does not change what is spoken
    assert not project.segment("seg-a").is_stale
    edited = project.edit_segment("seg-a", target_text="O primeiro.")
    assert edited.revision == 2 and edited.is_stale
    assert [s.id for s in project.stale_segments()] == ["seg-a", "seg-b"]


def test_media_path_is_relative_and_survives_moving_both(tmp_path: Path, project_dir, video: Path) -> None:
    folder, project = project_dir
    assert not Path(project.source.path).is_absolute()
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.move(str(folder.root), moved / "talk.avdub")
    shutil.move(str(video.parent), moved / "media")
    new_folder, loaded = load_project(moved / "talk.avdub")
    assert new_folder.source_path(loaded) == (moved / "media" / "talk.mp4").resolve()


def test_missing_video_is_reported_not_crashed_on(project_dir, video: Path) -> None:
    folder, project = project_dir
    video.unlink()
    _, loaded = load_project(folder.root)  # the project itself still opens
    with pytest.raises(MediaError, match="video is missing"):
        folder.source_path(loaded)


def test_interrupted_save_leaves_previous_file_intact(project_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, project = project_dir
    before = folder.project_file.read_bytes()
    _two_segments(project)

    real_fsync = store.atomic_write_text.__globals__["os"].fsync

    def exploding_fsync(fd: int) -> None:  # the crash happens after bytes were written, before rename
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.atomic_write_text.__globals__["os"], "fsync", exploding_fsync)
    with pytest.raises(ProjectError, match="No space left on device"):
        save_project(folder, project)
    monkeypatch.setattr(store.atomic_write_text.__globals__["os"], "fsync", real_fsync)
    assert folder.project_file.read_bytes() == before
    assert not list(folder.root.glob(".project.json.tmp-*"))  # no litter
    _, loaded = load_project(folder.root)
    assert loaded.segments == ()


def test_backups_rotate(project_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, project = project_dir
    monkeypatch.setattr(store, "MAX_BACKUPS", 3)
    for i in range(6):
        project.settings["n"] = i
        save_project(folder, project)
    backups = sorted(folder.backups_dir.glob("project-*.json"))
    assert len(backups) == 3
    assert json.loads(backups[-1].read_text())["project"]["settings"] == {"n": 4}


def test_corrupt_json_names_file_and_position(project_dir) -> None:
    folder, project = project_dir
    project.settings["edited"] = True
    save_project(folder, project)  # the first version goes to backups/
    folder.project_file.write_text('{"schema_version": 1, "project": {', encoding="utf-8")
    with pytest.raises(ProjectError) as err:
        load_project(folder.root)
    message = str(err.value)
    assert "project.json is not valid JSON" in message and "line 1" in message and "backups" in message


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (lambda d: d["project"]["source"].update(duration="long"), "project.source.duration", "expected a number"),
        (lambda d: d["project"].update(target_language="klingon"), "project.target_language", "unknown language"),
        (lambda d: d["project"].update(colour="red"), "project.colour", "unknown field"),
        (lambda d: d["project"]["segments"].append({"id": "s", "start": 3, "end": 1}), "project.segments[0].end",
         "must be after start"),
        (lambda d: d["project"]["segments"].append({"id": "s", "start": 1, "end": 2, "flags": ["shiny"]}),
         "project.segments[0].flags[0]", "expected one of"),
        (lambda d: d.update(schema_version="one"), "schema_version", "non-negative integer"),
    ],
)
def test_hand_edits_name_file_field_and_reason(project_dir, edit, field, reason) -> None:
    folder, _ = project_dir
    doc = json.loads(folder.project_file.read_text())
    edit(doc)
    folder.project_file.write_text(json.dumps(doc))
    with pytest.raises(ProjectValidationError) as err:
        load_project(folder.root)
    assert err.value.field == field
    assert reason in err.value.reason
    assert str(folder.project_file) in str(err.value)


def test_newer_schema_is_refused_with_advice(project_dir) -> None:
    folder, _ = project_dir
    doc = json.loads(folder.project_file.read_text())
    doc["schema_version"] = store.SCHEMA_VERSION + 1
    folder.project_file.write_text(json.dumps(doc))
    with pytest.raises(NewerSchemaError, match="newer avdub"):
        load_project(folder.root)


def test_migration_hook_steps_old_documents_up(project_dir) -> None:
    folder, project = project_dir
    doc = json.loads(folder.project_file.read_text())
    # Pretend schema 0 called the target language "lang".
    doc["schema_version"] = 0
    doc["project"]["lang"] = doc["project"].pop("target_language")

    def zero_to_one(old: dict) -> dict:
        old["project"]["target_language"] = old["project"].pop("lang")
        return old

    migrated = parse_document(json.dumps(doc), "project.json", migrations={0: zero_to_one})
    assert migrated.target_language == project.target_language
    with pytest.raises(ProjectError, match="no migration from project schema 0"):
        parse_document(json.dumps(doc), "project.json", migrations={})


def test_create_refuses_to_overwrite(project_dir, video: Path) -> None:
    folder, _ = project_dir
    with pytest.raises(ProjectError, match="already exists"):
        create_project(folder.root, video, 1.0, "pt")


def test_autosave_is_offered_only_when_newer(project_dir) -> None:
    folder, project = project_dir
    assert read_autosave(folder) is None
    project.settings["draft"] = True
    write_autosave(folder, project)
    recovered = read_autosave(folder)
    assert recovered is not None and recovered.settings == {"draft": True}
    save_project(folder, project)  # a real save supersedes the sidecar
    assert read_autosave(folder) is None


def test_project_folder_paths(tmp_path: Path) -> None:
    folder = ProjectFolder(tmp_path / "x.avdub")
    assert folder.cache_dir.name == "cache" and folder.exports_dir.name == "exports"
    assert folder.relative(tmp_path / "v.mp4") == "../v.mp4"
