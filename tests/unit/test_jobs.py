"""Jobs: states, progress, cancellation, the content-hash cache and worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.errors import JobCancelled, MediaError
from engine.jobs import CancelToken, Job, JobState, Progress, StageCache, hash_inputs, run_in_worker_process
from engine.jobs.events import StageReporter
from engine.jobs.worker import WorkerError
from engine.project.model import Project, MediaRef, Segment
from tests.unit import jobs_fixtures


def test_job_runs_to_done_with_progress() -> None:
    events: list[Progress] = []
    job = Job("count", lambda sink, cancel: jobs_fixtures.count_to(3, progress=sink, cancel=cancel))
    assert job.state is JobState.QUEUED
    assert job.run(events.append) is JobState.DONE
    assert job.result == 30
    assert [(e.done, e.total) for e in events] == [(1, 3), (2, 3), (3, 3)]
    assert job.last_progress == events[-1] and events[-1].fraction == 1.0


def test_job_failure_keeps_a_one_line_error() -> None:
    job = Job("bad", lambda sink, cancel: jobs_fixtures.user_error(progress=sink, cancel=cancel))
    assert job.run() is JobState.FAILED
    assert job.error == "the video is damaged" and job.details is None


def test_job_bug_keeps_the_traceback() -> None:
    job = Job("bug", lambda sink, cancel: 1 / 0)
    assert job.run() is JobState.FAILED
    assert "ZeroDivisionError" in job.error and "Traceback" in job.details


def test_cancel_stops_at_the_next_check() -> None:
    job = Job("count", lambda sink, cancel: jobs_fixtures.count_to(1000, progress=sink, cancel=cancel))
    job.run(lambda e: job.cancel() if e.done == 5 else None)
    assert job.state is JobState.CANCELLED and job.last_progress.done == 5


def test_reporter_stamps_stage_and_checks_cancel() -> None:
    events: list[Progress] = []
    token = CancelToken()
    report = StageReporter("speak", events.append, token)
    report(1, 4, "segment 1")
    assert events[0].stage == "speak" and events[0].elapsed >= 0
    token.cancel()
    with pytest.raises(JobCancelled):
        report(2, 4)


def test_progress_eta_extrapolates() -> None:
    assert Progress("s", 1, 4, elapsed=3.0).eta == pytest.approx(9.0)
    assert Progress("s", 0, 0).eta is None


def test_hash_inputs_is_stable_and_order_free() -> None:
    seg = Segment("a", 0, 1, "x")
    assert hash_inputs({"a": 1, "b": seg}) == hash_inputs({"b": seg, "a": 1})
    assert hash_inputs({"a": 1}) != hash_inputs({"a": 2})


def test_cache_recomputes_only_the_changed_segment(tmp_path: Path) -> None:
    """A per-segment stage: editing one segment recomputes that one only."""
    cache = StageCache(tmp_path / "cache")
    project = Project("p", MediaRef("v.mp4", 1, 1.0, "f"), "en", "pt")
    project.set_segments([Segment(f"s{i}", i, i + 0.5, f"text {i}", f"texto {i}") for i in range(5)])
    computed: list[str] = []

    def run_stage() -> dict[str, str]:
        outputs = {}
        for seg in project.segments:
            def compute(out: Path, seg=seg) -> None:
                computed.append(seg.id)
                (out / "take.txt").write_text(seg.target_text.upper())
            outputs[seg.id] = (cache.get_or_compute("speak", {"text": seg.target_text}, compute) / "take.txt").read_text()
        return outputs

    assert run_stage()["s2"] == "TEXTO 2" and computed == ["s0", "s1", "s2", "s3", "s4"]
    computed.clear()
    t0 = time.perf_counter()
    run_stage()
    assert computed == [] and time.perf_counter() - t0 < 1.0
    project.edit_segment("s3", target_text="outro")
    assert run_stage()["s3"] == "OUTRO" and computed == ["s3"]


def test_cache_never_keeps_a_half_written_entry(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)

    def broken(out: Path) -> None:
        (out / "part").write_text("half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("fit", {"k": 1}, broken)
    assert cache.lookup("fit", hash_inputs({"stage": "fit", "k": 1})) is None
    assert not any(p.name == "part" for p in tmp_path.rglob("*"))


def test_worker_process_forwards_progress_and_result() -> None:
    events: list[Progress] = []
    result = run_in_worker_process(jobs_fixtures.count_to, (4,), events.append, CancelToken())
    assert result == 40 and [e.done for e in events] == [1, 2, 3, 4]


def test_worker_process_cancel(tmp_path: Path) -> None:
    token = CancelToken()
    marker = tmp_path / "started"

    def cancel_when_started() -> None:
        while not marker.exists():
            time.sleep(0.01)
        token.cancel()

    threading.Thread(target=cancel_when_started, daemon=True).start()
    with pytest.raises(JobCancelled):
        run_in_worker_process(jobs_fixtures.wait_for_cancel, (str(marker),), lambda e: None, token)


def test_worker_process_user_error_and_crash() -> None:
    with pytest.raises(WorkerError, match="the video is damaged"):
        run_in_worker_process(jobs_fixtures.user_error, (), lambda e: None, CancelToken())
    with pytest.raises(WorkerError, match="died \\(exit code 7\\)"):
        run_in_worker_process(jobs_fixtures.crash, (), lambda e: None, CancelToken())


def test_media_error_is_user_facing() -> None:
    assert MediaError("x").exit_code == 1


def _entry_of(cache: StageCache, value: str, size: int, used: float) -> Path:
    entry = cache.get_or_compute("pieces", {"v": value}, lambda d: (d / "data").write_bytes(b"x" * size))
    os.utime(entry / ".complete", (used, used))
    return entry


def test_prune_keeps_entries_in_use_and_the_most_recent_others_within_the_allowance(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)
    old, older, recent, current = (_entry_of(cache, v, 1000, t) for v, t in
                                   (("old", 2000.0), ("older", 1000.0), ("recent", 3000.0), ("current", 500.0)))
    size = sum(p.stat().st_size for p in older.rglob("*") if p.is_file())  # data + the entry's record
    pruned = cache.prune("pieces", [current], spare_bytes=2 * size)
    assert current.is_dir()  # in use, however long ago it was looked up
    assert recent.is_dir() and old.is_dir() and not older.is_dir()  # the least recently used went first
    assert (pruned.entries, pruned.bytes) == (1, size)
    # a lookup marks an entry used: "old" now outlives "recent"
    assert cache.find("pieces", {"v": "old"}) == old
    cache.prune("pieces", [current], spare_bytes=size)
    assert old.is_dir() and not recent.is_dir()
    assert cache.prune("pieces", [current], spare_bytes=0).entries == 1 and not old.is_dir()
    assert cache.prune("absent", [], 0).entries == 0


def test_prune_removes_the_temporary_folders_of_dead_runs_only(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)
    entry = _entry_of(cache, "a", 10, 1.0)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_tmp = entry.parent / f".abc.tmp-{int(dead.stdout)}-1"
    live_tmp = entry.parent / f".abd.tmp-{os.getpid()}-1"
    for d in (dead_tmp, live_tmp):
        d.mkdir()
        (d / "partial").write_bytes(b"y" * 50)
    cache.prune("pieces", [entry], spare_bytes=0)
    assert not dead_tmp.exists() and live_tmp.is_dir() and entry.is_dir()
