"""What a user's files go through: full and read-only disks, Ctrl-C at any moment, SIGKILLs mid-run.

Real disks (a small tmpfs, filled or remounted read-only), real `avdub` processes, real signals.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.fsutil import TEMP_MARK
from tests.conftest import REPO, media_file
from tests.disk_helpers import fill, remount, small_disk


def _kill_trials():
    spec = importlib.util.spec_from_file_location("kill_trials", REPO / "benchmarks" / "kill_trials.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("kill_trials", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


kill_trials = _kill_trials()


def avdub(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli.main", *args], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=600)


def assert_one_line(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("avdub: ")]
    assert len(errors) == 1 and errors[0].startswith("avdub: error: "), proc.stderr[-3000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    media_file(kill_trials.CLIP)
    return kill_trials.make_base_project(tmp_path / "talk.avdub").root


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TEMP_MARK in p.name]


def test_a_run_of_any_stage_removes_dead_processes_temporaries(project: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    dead = [project / f".project.json.tmp-{pid}", project / "exports" / f".talk.pt.srt.tmp-{pid}-0a0b0c.srt",
            project / "cache" / "track" / "ab" / f".ab12.tmp-{pid}-1400"]
    live = project / "cache" / "fit" / "cd" / f".cd34.tmp-{os.getpid()}-1400"  # this test's own: alive
    for path in dead + [live]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir() if path.parent.parent.parent.name == "cache" else path.write_text("{")
    assert avdub("run", str(project), "--only", "speak").returncode == 0
    assert not any(p.exists() for p in dead) and live.is_dir()


def test_export_srt_to_a_full_disk_is_one_line_and_leaves_no_file(project: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 64) as disk:
        fill(disk, 0)
        out = disk / "talk.srt"
        assert_one_line(avdub("export", str(project), "--srt", str(out)), "No space left on device", "disk is full")
        assert not out.exists() and not temporaries(disk)
        fill(disk, 32 * 1024)  # room again: the same command writes it
        assert avdub("export", str(project), "--srt", str(out)).returncode == 0
        assert "Hoje falamos de física." in out.read_text(encoding="utf-8")
        fill(disk, 0)
        before = out.read_bytes()
        assert_one_line(avdub("export", str(project), "--srt", str(out), "--which", "bilingual"), "disk is full")
        assert out.read_bytes() == before  # the old file, whole


def test_export_srt_to_a_read_only_disk_is_one_line(project: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 64) as disk:
        remount(disk, "ro")
        assert_one_line(avdub("export", str(project), "--srt", str(disk / "talk.srt")), "Read-only file system")


@pytest.fixture
def project_on_small_disk(tmp_path: Path):
    media_file(kill_trials.CLIP)
    with small_disk(tmp_path / "disk", 2048) as disk:
        yield disk, kill_trials.make_base_project(disk / "talk.avdub").root


def test_run_on_a_full_disk_is_one_line_and_loses_nothing(project_on_small_disk) -> None:
    disk, project = project_on_small_disk
    before = (project / "project.json").read_bytes()
    fill(disk, 0)
    assert_one_line(avdub("run", str(project), "--only", "speak"), "No space left on device", "nothing was lost")
    assert (project / "project.json").read_bytes() == before and not temporaries(project)


def test_run_on_a_read_only_disk_is_one_line(project_on_small_disk) -> None:
    disk, project = project_on_small_disk
    before = (project / "project.json").read_bytes()
    remount(disk, "ro")
    assert_one_line(avdub("run", str(project), "--only", "speak"), "Read-only file system")
    assert (project / "project.json").read_bytes() == before


def _interpreter_start_seconds() -> float:
    """How long this machine's Python takes to start before it runs any of avdub's code."""
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-c", "import runpy"], check=True)
        times.append(time.monotonic() - t0)
    return max(times)


def test_ctrl_c_at_any_moment_exits_130_without_a_traceback(project: Path) -> None:
    """SIGINT from start-up (the command modules' imports) to shutdown: exit 130 (or, in the
    last instant of shutdown, death by SIGINT, which a shell reports as 130 too), never a
    traceback. The interpreter's own start-up comes before any avdub code and is left out."""
    t0 = time.monotonic()
    whole = avdub("info", str(project))
    assert whole.returncode == 0, whole.stderr
    seconds = time.monotonic() - t0
    start = 1.5 * _interpreter_start_seconds()
    outcomes = []
    for i in range(12):
        delay = start + (seconds + 0.2 - start) * i / 11
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "info", str(project)], cwd=REPO,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        outcomes.append((round(delay, 2), proc.returncode, err.strip()[-400:]))
    bad = [o for o in outcomes if o[1] not in (0, 130, -signal.SIGINT)
           or re.search(r"Traceback|KeyboardInterrupt", o[2])]
    assert not bad, bad
    assert any(code == 130 for _, code, _ in outcomes), outcomes


@pytest.mark.slow
def test_random_kills_during_runs_and_saves_lose_nothing(tmp_path: Path) -> None:
    """A sample of benchmarks/kill_trials.py (which runs ≥ 100 trials for the figures)."""
    media_file(kill_trials.CLIP)
    result = kill_trials.main(["--trials", "10", "--seed", "3", "--work", str(tmp_path)])
    assert result["tried"] == 10 and result["failed"] == 0, result["failures"]
    assert result["runs"] > 0 and result["saves"] > 0
