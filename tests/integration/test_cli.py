"""The `avdub` command line end to end, as a user runs it: real clips, real files, real exits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.pipeline import STAGES
from tests.conftest import REPO, media_file
from tests.integration import media_makers


def avdub(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "engine.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def assert_user_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    """Non-zero exit, exactly one line on stderr, no traceback."""
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("avdub: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_new_and_info_json_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    folder = tmp_path / "my lectures" / "Física básica"
    folder.mkdir(parents=True)
    video = folder / "aula número 1.mp4"
    shutil.copy(media_file("video/vr_face1.mp4"), video)
    project = folder / "aula 1 — pt.avdub"
    proc = avdub("new", str(video), "--to", "pt", "--from", "en", "-p", str(project), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"project": str(project)}
    info = avdub("info", str(project), "--json")
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["target_language"] == "pt" and data["source_language"] == "en"
    media = data["media"]
    assert not media["missing"] and media["video"]["variable_frame_rate"] is True
    assert media["video"]["frame_count"] == 135 and media["audio"]["sample_rate"] == 44100
    assert set(data["stages"]) == {s.stage.value for s in STAGES}
    assert data["segments"] == [] and data["dub_track"] is None
    stored = json.loads((project / "project.json").read_text())["project"]["source"]["path"]
    assert stored == "../aula número 1.mp4"
    disk = data["disk"]  # a new project: its file and an empty cache, on a disk with room
    assert 0 < disk["project_bytes"] < 1_000_000 and disk["free_bytes"] > 0
    assert all(size >= 0 for size in disk["cache_bytes"].values())
    human = avdub("info", str(project))
    assert "variable" in human.stdout and "135 frames" in human.stdout and " free" in human.stdout


def test_default_project_folder_is_beside_the_cwd(tmp_path: Path) -> None:
    proc = avdub("new", str(media_file("video/vr_face5.mp4")), "--to", "es", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "vr_face5.avdub" / "project.json").is_file()
    again = avdub("new", str(media_file("video/vr_face5.mp4")), "--to", "es", cwd=tmp_path)
    assert_user_error(again, "already exists")


@pytest.mark.parametrize("kind", ["text", "empty", "truncated", "no_audio"])
def test_bad_videos_give_one_clear_line(tmp_path: Path, kind: str) -> None:
    video = tmp_path / "input.mp4"
    if kind == "text":
        video.write_text("hello")
    elif kind == "empty":
        video.touch()
    elif kind == "truncated":
        media_makers.truncated(media_file("video/vr_face4.mp4"), video)
    else:
        media_makers.without_audio(media_file("video/vr_face4.mp4"), video)
    proc = avdub("new", str(video), "--to", "pt", "-p", str(tmp_path / "p.avdub"))
    expected = {"text": "cannot read", "empty": "empty", "truncated": "cannot read", "no_audio": "no audio stream"}
    assert_user_error(proc, expected[kind])
    assert not (tmp_path / "p.avdub").exists()  # nothing was created for a bad input


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    proc = avdub("new", str(media_file("video/vr_face5.mp4")), "--to", "xx", "-p", str(tmp_path / "p"))
    assert_user_error(proc, "unknown target language 'xx'")


def test_read_only_location_is_a_clear_error(tmp_path: Path) -> None:
    # /proc refuses new entries even for root: a real read-only place on any Linux machine.
    proc = avdub("new", str(media_file("video/vr_face5.mp4")), "--to", "pt", "-p", "/proc/avdub-project")
    assert_user_error(proc, "cannot create the project folder")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "talk.avdub"
    proc = avdub("new", str(media_file("video/vr_face5.mp4")), "--to", "pt", "-p", str(path))
    assert proc.returncode == 0, proc.stderr
    return path


def test_corrupt_and_hand_edited_projects(project: Path) -> None:
    good = (project / "project.json").read_text()
    doc = json.loads(good)
    doc["project"]["segments"] = [{"id": "s1", "start": 2.0, "end": "soon"}]
    (project / "project.json").write_text(json.dumps(doc))
    assert_user_error(avdub("info", str(project)), "project.segments[0].end", "expected a number")
    (project / "project.json").write_text(good[: len(good) // 2])
    assert_user_error(avdub("info", str(project)), "not valid JSON")
    doc = json.loads(good)
    doc["schema_version"] = 99
    (project / "project.json").write_text(json.dumps(doc))
    assert_user_error(avdub("run", str(project)), "newer avdub")
    assert json.loads((project / "project.json").read_text())["schema_version"] == 99  # untouched


def test_missing_video_is_reported(project: Path, tmp_path: Path) -> None:
    doc = json.loads((project / "project.json").read_text())
    doc["project"]["source"]["path"] = "../gone.mp4"
    (project / "project.json").write_text(json.dumps(doc))
    info = avdub("info", str(project), "--json")
    assert info.returncode == 0 and json.loads(info.stdout)["media"]["missing"] is True
    assert_user_error(avdub("run", str(project)), "video is missing", "avdub relink")


def test_relink_accepts_the_same_video_only(project: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved" / "clip.mp4"
    moved.parent.mkdir()
    shutil.copy(media_file("video/vr_face5.mp4"), moved)
    assert avdub("relink", str(project), str(moved)).returncode == 0
    assert json.loads((project / "project.json").read_text())["project"]["source"]["path"] == "../moved/clip.mp4"
    assert_user_error(avdub("relink", str(project), str(media_file("video/vr_face4.mp4"))), "not the project's video")


def test_an_unbuilt_stage_says_so(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A stage whose module is missing (a build without it) refuses to run: exit 3, one line."""
    import dataclasses

    from engine import pipeline
    from engine.cli.main import main

    specs = tuple(dataclasses.replace(s, module=None) if s.stage is pipeline.Stage.TRAIN else s for s in STAGES)
    monkeypatch.setattr(pipeline, "STAGES", specs)
    before = (project / "project.json").read_bytes()
    assert main(["run", str(project), "--only", "train"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("avdub: error: ") and "is not built yet" in err[0], err
    assert "train" in err[0]
    assert (project / "project.json").read_bytes() == before


def test_models_list_json() -> None:
    proc = avdub("models", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    assert rows["face-landmarker"]["installed"] is True  # found through AVDUB_SHARED
    assert avdub("models", "verify", "face-landmarker").returncode == 0
    assert_user_error(avdub("models", "verify", "no-such-model"), "unknown model")
