"""The desktop bundle: PyInstaller builds avdub-studio, and the built program starts offscreen,
opens a real project and runs a job in a worker process (a frozen program spawns itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, media_file

pytestmark = pytest.mark.slow

BUNDLE = REPO / "build" / "bundle"


def test_bundle_builds_and_starts_offscreen(tmp_path: Path) -> None:
    pytest.importorskip("PyInstaller", reason="PyInstaller is part of the dev extras (make setup)")
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(BUNDLE / "dist"), "--workpath", str(BUNDLE / "work"),
         str(REPO / "packaging" / "avdub-studio.spec")],
        cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stderr[-3000:]
    program = BUNDLE / "dist" / "avdub-studio" / "avdub-studio"
    assert program.is_file() and os.access(program, os.X_OK)

    project = tmp_path / "lecture project.avdub"  # a space in the path, as users have
    made = subprocess.run([sys.executable, "-m", "engine.cli.main", "new", str(media_file("video/vr_face1.mp4")),
                           "--to", "pt", "--from", "en", "-p", str(project)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)  # the bundle must carry its own code
    run = subprocess.run([str(program), "--smoke-test", str(project)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-3000:])
    assert "avdub-studio started" in run.stdout and "job waveform: done" in run.stdout, run.stdout


def test_desktop_entry_names_the_program_and_icon() -> None:
    entry = (REPO / "packaging" / "avdub-studio.desktop").read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    assert fields["Type"] == "Application" and fields["Exec"].split()[0] == "avdub-studio"
    assert fields["Icon"] == "avdub" and (REPO / "resources" / "icons" / "avdub.svg").is_file()
