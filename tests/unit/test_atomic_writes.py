"""The one atomic writer, backups on a real full disk, and the sweep of dead processes' temporaries."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.errors import ProjectError
from engine.fsutil import (TEMP_MARK, atomic_path, atomic_write, atomic_write_text, owner_alive,
                           remove_dead_temps, temp_name, temp_owner)
from engine.project import Segment, save_project
from engine.project.store import MAX_BACKUPS, ProjectFolder, create_project, load_project, parse_document
from tests.disk_helpers import empty, fill, small_disk


def dead_pid() -> int:
    """The pid of a process that has already exited."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_atomic_write_replaces_on_success_and_keeps_the_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    atomic_write_text(target, "first")
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as f:
            f.write("half of the second")
            raise RuntimeError("the writer failed")
    assert target.read_text() == "first"
    with atomic_write(target, "w") as f:
        f.write("second")
    assert target.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]  # no temporary left either way


def test_atomic_path_keeps_the_suffix_and_names_its_owner(tmp_path: Path) -> None:
    name = temp_name("dubbed.mp4")
    assert name.startswith(".dubbed.mp4" + TEMP_MARK) and name.endswith(".mp4")
    assert temp_owner(name) == os.getpid()
    assert temp_owner("project.json") is None and temp_owner(".cache.tmp-x") is None
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "out.wav") as tmp:
            tmp.write_bytes(b"RIFF")
            raise KeyboardInterrupt  # a cancel, too, leaves nothing behind
    assert not list(tmp_path.iterdir())


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 128) as disk:
        target = disk / "subtitles.srt"
        atomic_write_text(target, "1\n00:00:00,000 --> 00:00:01,000\nolá\n")
        fill(disk, 0)
        with pytest.raises(OSError) as err:
            atomic_write_text(target, "x" * 200_000)
        assert err.value.errno == errno.ENOSPC
        assert target.read_text().endswith("olá\n")
        assert sorted(p.name for p in disk.iterdir()) == ["filler.bin", "subtitles.srt"]
        empty(disk)
        fresh = disk / "new.srt"
        fill(disk, 0)
        with pytest.raises(OSError):
            atomic_write_text(fresh, "y" * 10_000)
        assert not fresh.exists()  # no 0-byte file where there was none


def _project(tmp_path: Path, disk: Path) -> tuple[ProjectFolder, object]:
    video = tmp_path / "talk.mp4"
    video.write_bytes(b"\0" * 4096)
    folder, project = create_project(disk / "talk.avdub", video, 600.0, "pt", "en")
    project.set_segments([Segment(f"s{i}", i * 2.0, i * 2.0 + 1.5, f"Sentence number {i}.", f"Frase número {i}.")
                          for i in range(120)])  # project.json of ~40 KB: a torn copy cannot parse
    return folder, project


def _backups(folder: ProjectFolder) -> list[Path]:
    return sorted(folder.backups_dir.glob("project-*.json"))


def _parses(path: Path) -> bool:
    try:
        parse_document(path.read_text(encoding="utf-8"), str(path))
        return True
    except (ProjectError, UnicodeDecodeError):
        return False


def test_failed_saves_on_a_full_disk_keep_every_backup_whole(tmp_path: Path) -> None:
    """20 saves refused at 20 levels of free space, then one good save: every backup parses and
    the good versions from before are still there."""
    with small_disk(tmp_path / "disk", 4096) as disk:
        folder, project = _project(tmp_path, disk)
        for i in range(MAX_BACKUPS + 2):
            project.settings["version"] = i
            save_project(folder, project)
        good_before = [json.loads(p.read_text())["project"]["settings"]["version"] for p in _backups(folder)]
        size = folder.project_file.stat().st_size
        refused = 0
        for level in range(20):
            fill(disk, level * size // 10)  # from nothing free to twice a project.json
            project.settings["version"] = 100 + level
            try:
                save_project(folder, project)
            except ProjectError as exc:
                assert "No space left on device" in str(exc) and "previous version is unchanged" in str(exc)
                refused += 1
        assert refused >= 10
        empty(disk)
        project.settings["version"] = 999
        save_project(folder, project)
        backups = _backups(folder)
        assert len(backups) == MAX_BACKUPS
        assert [p.name for p in backups if not _parses(p)] == []
        kept = [json.loads(p.read_text())["project"]["settings"]["version"] for p in backups]
        assert len(set(kept)) == len(kept)  # failed saves did not fill the rotation with copies
        assert set(good_before[-5:]) <= set(kept)  # nor push the latest good versions out
        assert load_project(folder.root)[1].settings["version"] == 999
        assert not [p for p in disk.rglob("*") if TEMP_MARK in p.name]


def test_backups_are_rotated_only_after_the_new_version_is_saved(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 4096) as disk:
        folder, project = _project(tmp_path, disk)
        for i in range(MAX_BACKUPS + 1):
            project.settings["version"] = i
            save_project(folder, project)
        before = [p.name for p in _backups(folder)]
        assert len(before) == MAX_BACKUPS
        fill(disk, folder.project_file.stat().st_size + 8192)  # room for the backup, not the new file too
        project.settings["version"] = "lost"
        with pytest.raises(ProjectError):
            save_project(folder, project)
        after = [p.name for p in _backups(folder)]
        assert set(before) <= set(after)  # nothing rotated out by a save that failed
        assert all(_parses(p) for p in _backups(folder))


def test_dead_processes_temporaries_are_removed_live_ones_kept(tmp_path: Path) -> None:
    root = tmp_path / "p.avdub"
    gone = dead_pid()
    dead = [root / f".project.json.tmp-{gone}",  # the name earlier versions used
            root / "backups" / f".project-20260101T000000Z.json.tmp-{gone}-a1b2c3.json",
            root / "exports" / f".talk.pt.srt.tmp-{gone}-a1b2c3.srt",
            root / "cache" / "speak" / "ab" / f".ab12.tmp-{gone}-140000"]
    live = [root / f".project.json.tmp-{os.getpid()}-d4e5f6.json",
            root / "cache" / "fit" / "cd" / f".cd34.tmp-{os.getpid()}-140000"]
    ordinary = [root / "exports" / "talk.pt.srt", root / "cache" / "speak" / "ab" / "ab99" / "take.wav"]
    for path in dead + live + ordinary:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.name.startswith(".ab12") or path.name.startswith(".cd34"):
            path.mkdir()
            (path / "take.wav").write_bytes(b"x" * 100)
        else:
            path.write_bytes(b"x" * 10)
    # a pid that is alive now but was started after the temporary was last written: reused
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        reused = root / "exports" / f".talk.vtt.tmp-{sleeper.pid}-000000.vtt"
        reused.write_bytes(b"x")
        an_hour_ago = time.time() - 3600
        os.utime(reused, (an_hour_ago, an_hour_ago))
        assert not owner_alive(sleeper.pid, an_hour_ago) and owner_alive(sleeper.pid, time.time())
        removed = remove_dead_temps(root)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert removed.entries == len(dead) + 1 and removed.bytes == 3 * 10 + 100 + 1
    assert not any(p.exists() for p in dead + [reused])
    assert all(p.exists() for p in live + ordinary)
