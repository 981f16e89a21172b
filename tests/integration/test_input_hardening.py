"""Paths, archives and a replaced or damaged video, as a user (or a hostile file) meets them."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.errors import MediaError, ProjectError
from engine.export.archive import open_archive, write_archive
from engine.media import probe
from engine.project import Segment, load_project, save_project
from engine.project.store import ProjectFolder, create_project, to_document
from tests.conftest import REPO, media_file
from tests.integration.media_makers import damaged_long


def _project(tmp: Path, clip: str = "video/vr_face5.mp4"):
    video = tmp / "talk.mp4"
    shutil.copy(media_file(clip), video)
    folder, project = create_project(tmp / "talk.avdub", video, probe(video).duration, "pt", "en")
    project.set_segments([Segment("s1", 0.2, 1.5, "Hello.", "Olá.")])
    save_project(folder, project)
    return folder, project, video


def test_project_paths_never_lead_outside_the_folder(tmp_path: Path) -> None:
    folder = ProjectFolder(tmp_path / "p.avdub")
    for escape in ("../../../../etc/passwd", "/etc/passwd", "cache/../../x", "..", ""):
        with pytest.raises(ProjectError, match="outside the project folder"):
            folder.resolve(escape)
    assert folder.resolve("cache/fit/dub.wav") == (tmp_path / "p.avdub" / "cache/fit/dub.wav").resolve()


def test_zip_bomb_is_refused_and_nothing_is_left(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.json", "{}")
        zf.writestr("cache/zeros.bin", bytes(300 * 2**20))  # 300 MB of zeros pack into ~300 kB
    assert bomb.stat().st_size < 400_000
    with pytest.raises(ProjectError, match="zip bomb"):
        open_archive(bomb, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_many_small_entries_that_inflate_together_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "many.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.json", "{}")
        for i in range(200):
            zf.writestr(f"cache/z{i}.bin", bytes(2**20 - 1))
    with pytest.raises(ProjectError, match="zip bomb"):
        open_archive(bomb, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_damaged_document_in_an_archive_is_a_clear_error(tmp_path: Path) -> None:
    for name, body in (("text", b"not json"), ("bytes", b"\xff\xfe\x00"), ("list", b"[]")):
        archive = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            zf.writestr("project.json", body)
        with pytest.raises(ProjectError, match=str(archive)):
            open_archive(archive, tmp_path / f"out-{name}")
        assert not (tmp_path / f"out-{name}").exists()


def test_an_archive_pointing_at_a_file_elsewhere_gets_no_video_and_packs_none(tmp_path: Path) -> None:
    folder, project, video = _project(tmp_path)
    hostile = dataclasses.replace(project, source=dataclasses.replace(project.source, path="/etc/passwd"))
    archive = tmp_path / "hostile.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("project.json", to_document(hostile))
    opened, reopened = open_archive(archive, tmp_path / "opened.avdub")
    assert reopened.source.path == "media/passwd"
    assert json.loads((opened.project_file).read_text())["project"]["source"]["path"] == "media/passwd"
    with pytest.raises(MediaError, match="missing"):
        write_archive(opened, reopened, tmp_path / "again.zip")
    assert not (tmp_path / "again.zip").exists()


def test_an_archive_never_packs_a_file_that_is_not_the_video(tmp_path: Path) -> None:
    folder, project, video = _project(tmp_path)
    (tmp_path / "secret.txt").write_text("not a video")
    project.source = dataclasses.replace(project.source, path="../secret.txt")
    save_project(folder, project)
    with pytest.raises(ProjectError, match="not the one the project was made from"):
        write_archive(folder, project, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_a_video_copied_over_the_source_makes_every_stage_stale(tmp_path: Path, capsys) -> None:
    folder, project, video = _project(tmp_path)
    assert main(["run", str(folder.root), "--only", "transcribe", "--json"]) == 0
    assert main(["info", str(folder.root), "--json"]) == 0
    assert json.loads(_after_progress(capsys.readouterr().out))["stages"]["transcribe"] == "done"
    shutil.copy(media_file("video/vr_face2.mp4"), video)
    before = folder.project_file.read_bytes()
    assert main(["info", str(folder.root), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["stages"]["transcribe"] == "stale"
    assert "not the one the project was made from" in info["media"]["changed"]
    assert main(["run", str(folder.root), "--only", "transcribe"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "avdub relink" in err[0] and "size changed" in err[0], err
    assert folder.project_file.read_bytes() == before
    shutil.copy(media_file("video/vr_face5.mp4"), video)  # the original back: done again
    assert main(["info", str(folder.root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stages"]["transcribe"] == "done"


def _after_progress(out: str) -> str:
    """The `info --json` document printed after `run --json`'s own line."""
    return out[out.index("\n{") + 1:]


def test_a_damaged_long_video_ends_in_transcribe(tmp_path: Path) -> None:
    """ffmpeg prints ~2 kB of decode errors per second of this video; unread, they once blocked it."""
    bad = damaged_long(tmp_path / "damaged.mp4", seconds=60)
    folder, _ = create_project(tmp_path / "d.avdub", bad, probe(bad).duration, "pt", "en")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        proc = subprocess.run([sys.executable, "-m", "engine.cli.main", "run", str(folder.root), "--only", "transcribe",
                               "--json"], env=env, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.fail("transcribing a damaged video did not end within 240 s")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0 or proc.stderr.strip().splitlines()[-1].startswith("avdub: error: "), proc.stderr


def test_a_cache_linked_to_another_disk_still_holds_the_projects_files(tmp_path: Path) -> None:
    folder, project, video = _project(tmp_path)
    elsewhere = tmp_path / "other disk" / "cache"
    elsewhere.mkdir(parents=True)
    shutil.rmtree(folder.cache_dir)
    folder.cache_dir.symlink_to(elsewhere, target_is_directory=True)
    take = folder.cache_dir / "speak" / "t" / "take.wav"
    stored = folder.relative(take)
    assert stored == "cache/speak/t/take.wav"
    project.dub_track = stored
    save_project(folder, project)
    assert load_project(folder.root)[1].dub_track == stored
