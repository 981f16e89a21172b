"""The studio's background-work builder, driving real worker-process jobs through the real
jobs controller and panel: success, failure (in the job and in the success handler), cancel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.jobs_controller import JobsController
from app.jobs_panel import JobsPanel
from app.operations import BackgroundOp
from engine.jobs.events import JobState
from tests.unit.jobs_fixtures import count_to, user_error, wait_for_cancel

TIMEOUT_MS = 60_000  # a spawned worker starts in about a second on a busy machine


@pytest.fixture
def jobs(qtbot):
    controller = JobsController()
    panel = JobsPanel(controller)
    qtbot.addWidget(panel)
    yield controller, panel
    controller.wait_all(10)


def test_success_hands_the_result_to_the_handler(qtbot, jobs):
    controller, panel = jobs
    seen: dict = {}
    op = (BackgroundOp(controller, "Count", count_to, 4, kind="count")
          .success(lambda result: seen.setdefault("result", result))
          .failure(lambda job: seen.setdefault("failure", job))
          .cancelled(lambda job: seen.setdefault("cancel", job)))
    job = op.run_in_background()
    assert job.name == "count" and job.title == "Count" and panel.list.count() == 1
    qtbot.waitUntil(lambda: job.state.finished, timeout=TIMEOUT_MS)
    assert job.state is JobState.DONE and seen == {"result": 40}
    assert panel.bar.value() == panel.bar.maximum() == 1 and not panel.cancel_button.isEnabled()
    assert "step 4" in panel.log.toPlainText()
    with pytest.raises(RuntimeError, match="already started"):
        op.run_in_background()  # one builder, one job


def test_failure_reaches_the_failure_handler_only(qtbot, jobs):
    controller, panel = jobs
    seen: dict = {}
    job = (BackgroundOp(controller, "Broken video", user_error, kind="probe")
           .success(lambda result: seen.setdefault("result", result))
           .failure(lambda record: seen.setdefault("failure", record.error))
           .run_in_background())
    qtbot.waitUntil(lambda: job.state.finished, timeout=TIMEOUT_MS)
    assert job.state is JobState.FAILED and seen == {"failure": "the video is damaged"}
    assert "the video is damaged" in panel.log.toPlainText()


def test_a_success_handler_that_raises_fails_the_job(qtbot, jobs):
    from engine.errors import ProjectError

    controller, _panel = jobs
    seen: list[str] = []

    def cannot_apply(_result) -> None:
        raise ProjectError("the segment was deleted meanwhile")

    job = (BackgroundOp(controller, "Count", count_to, 2).success(cannot_apply)
           .failure(lambda record: seen.append(record.error)).run_in_background())
    qtbot.waitUntil(lambda: job.state.finished, timeout=TIMEOUT_MS)
    assert job.state is JobState.FAILED and seen == ["the segment was deleted meanwhile"]
    assert any("failed while applying the result" in line for line in job.log)


def test_cancel_from_the_panel_reaches_the_cancel_handler(qtbot, jobs, tmp_path):
    controller, panel = jobs
    seen: dict = {}
    marker = tmp_path / "started"
    job = (BackgroundOp(controller, "Wait", wait_for_cancel, str(marker), kind="wait")
           .success(lambda result: seen.setdefault("result", result))
           .cancelled(lambda record: seen.setdefault("cancel", record.state))
           .run_in_background())
    qtbot.waitUntil(marker.exists, timeout=TIMEOUT_MS)
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state.finished, timeout=TIMEOUT_MS)
    assert job.state is JobState.CANCELLED and seen == {"cancel": JobState.CANCELLED}
    assert any("cancel requested" in line for line in job.log)


def test_handlers_cannot_change_after_the_start(qtbot, jobs):
    controller, _panel = jobs
    op = BackgroundOp(controller, "Count", count_to, 1)
    job = op.run_in_background()
    with pytest.raises(RuntimeError, match="already runs"):
        op.success(print)
    qtbot.waitUntil(lambda: job.state.finished, timeout=TIMEOUT_MS)

