"""Project archives: pack, unpack elsewhere, open, and keep working."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from engine.errors import ProjectError
from engine.export.archive import open_archive, write_archive
from engine.media import probe
from engine.project import Segment, load_project, save_project
from engine.project.store import create_project
from tests.conftest import media_file


def test_archive_opens_on_another_machine(tmp_path: Path) -> None:
    video = media_file("video/vr_face5.mp4")
    folder, project = create_project(tmp_path / "a" / "talk.avdub", video, probe(video).duration, "pt", "en")
    project.set_segments([Segment("s1", 0.2, 1.5, "Hello.", "Olá.")])
    (folder.cache_dir / "speak").mkdir()
    (folder.cache_dir / "speak" / "take.wav").write_bytes(b"RIFF....")
    save_project(folder, project)

    archive = write_archive(folder, project, tmp_path / "talk.zip")
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
    assert {"project.json", "media/vr_face5.mp4", "cache/speak/take.wav"} <= names

    new_folder, reopened = open_archive(archive, tmp_path / "other machine" / "talk.avdub")
    assert reopened.segments == project.segments
    assert new_folder.source_path(reopened).stat().st_size == video.stat().st_size
    assert (new_folder.cache_dir / "speak" / "take.wav").read_bytes() == b"RIFF...."
    _, original = load_project(folder.root)
    assert original.source.path != reopened.source.path  # the original project is untouched


def test_damaged_or_foreign_archives_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ProjectError, match="damaged"):
        open_archive(bad, tmp_path / "x")
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ProjectError, match="not an avdub project archive"):
        open_archive(foreign, tmp_path / "y")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("project.json", "{}")
        zf.writestr("../../escape.txt", "x")
    with pytest.raises(ProjectError, match="unsafe path"):
        open_archive(evil, tmp_path / "z")
