"""`avdub dub` end to end on inputs a lecture tool meets: no face, no speech, a kill mid-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.stages.train import NO_FACE, NO_SPEECH
from engine.media import probe
from engine.project.store import load_project
from tests.conftest import REPO, media_file

pytestmark = pytest.mark.slow


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def avdub(*args: str, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "engine.cli.main", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if kwargs.pop("background", False):
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def slides_with_speech(tmp_path: Path) -> Path:
    """A screencast: a moving test pattern (no face) with a presenter speaking (espeak-ng)."""
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "This lecture is about straight lines. "
                    "The slope tells us how fast the line rises."], check=True)
    video = tmp_path / "slides.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-i", str(wav), "-shortest",
           "-c:v", "libx264", "-c:a", "aac", str(video))
    return video


def test_no_face_anywhere_dubs_the_audio_and_keeps_the_frames(slides_with_speech: Path, tmp_path: Path):
    out, project = tmp_path / "slides.pt.mp4", tmp_path / "slides.avdub"
    proc = avdub("dub", str(slides_with_speech), "--to", "pt", "--from", "en", "-p", str(project), "-o", str(out),
                 "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    _, proj = load_project(project)
    assert proj.segments and not proj.face_tracks
    assert proj.settings["lipsync"]["skipped"] == NO_FACE
    assert proj.settings["lipsync"]["last_run"]["skipped"] == NO_FACE
    src, dub = probe(slides_with_speech), probe(out)
    assert dub.audio is not None and abs(dub.duration - src.duration) < 0.1


def test_no_speech_anywhere_keeps_the_face_untouched(tmp_path: Path):
    video = tmp_path / "silent face.mp4"
    ffmpeg("-i", str(media_file("video/vr_face1.mp4")), "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono",
           "-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "copy", "-c:a", "aac", str(video))
    out, project = tmp_path / "silent.pt.mp4", tmp_path / "silent.avdub"
    proc = avdub("dub", str(video), "--to", "pt", "--from", "en", "-p", str(project), "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    _, proj = load_project(project)
    assert not proj.segments and proj.face_tracks  # a face, nothing said
    assert proj.settings["lipsync"]["skipped"] == NO_SPEECH
    assert out.is_file()


def test_a_killed_dub_resumes_from_the_cache(slides_with_speech: Path, tmp_path: Path):
    out, project = tmp_path / "slides.pt.mp4", tmp_path / "slides.avdub"
    running = avdub("dub", str(slides_with_speech), "--to", "pt", "--from", "en", "-p", str(project), "-o", str(out),
                    background=True)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and running.poll() is None:  # kill once a stage is saved
            if (project / "project.json").exists() and "translate" in load_project(project)[1].stages:
                break
            time.sleep(0.05)
    finally:
        running.send_signal(signal.SIGKILL)
        running.wait(30)
    _, killed = load_project(project)  # loads: the kill tore nothing
    assert "transcribe" in killed.stages
    proc = avdub("dub", str(slides_with_speech), "--to", "pt", "--from", "en", "-p", str(project), "-o", str(out),
                 "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    stages = json.loads(proc.stdout.strip().splitlines()[-1])["stages"]
    assert stages["transcribe"]["outcome"] == "up to date"
    assert all(s["outcome"] in ("ran", "up to date") for s in stages.values())
    assert out.is_file()


def test_a_render_that_cannot_write_keeps_the_previous_video_and_the_project(tmp_path: Path):
    """The file system refuses the render's writes part-way (a file size limit stands in for a
    full disk): one clear error line, the previous video and project.json untouched."""
    import resource

    project = tmp_path / "face.avdub"
    assert avdub("new", str(media_file("video/vr_face1.mp4")), "--to", "pt", "--from", "en",
                 "-p", str(project)).returncode == 0
    for stage in ("track", "render"):
        done = avdub("run", str(project), "--only", stage)
        assert done.returncode == 0, done.stderr[-2000:]
    video = project / "exports" / "dubbed.mp4"
    before_video, before_project = video.read_bytes(), (project / "project.json").read_bytes()
    limit = len(before_video) // 2  # ffmpeg inherits the limit and its writes fail half-way

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    def render_refused() -> None:
        proc = subprocess.run([sys.executable, "-m", "engine.cli.main", "run", str(project), "--only", "render",
                               "--force"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=limited,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode != 0
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("avdub: error:")]
        assert len(errors) == 1 and "cannot write" in errors[0] and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert video.read_bytes() == before_video
        assert (project / "project.json").read_bytes() == before_project
        assert not list(video.parent.glob("*.partial*")) and not list(video.parent.glob(".*"))

    render_refused()  # the encoded pieces are in the cache: joining them is what fails
    pieces = project / "cache" / "render-pieces"
    shutil.rmtree(pieces)
    render_refused()  # now encoding a piece fails, and leaves no half-written cache entry
    assert not [p for p in pieces.rglob("*") if p.is_file()]
