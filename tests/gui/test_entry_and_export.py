"""The console entry point, and the export dialog's request."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.export_dialog import ExportDialog


def test_entry_point_opens_a_project(qtbot, real_project: Path):
    from app.main import create_window

    app, win = create_window(["avdub-studio", str(real_project)])
    qtbot.addWidget(win)
    assert app is QApplication.instance()
    assert win.isVisible() and win.view is not None and win.view.root == real_project
    assert len(win.view.model.segments) == 5 and "lecture.avdub" in win.windowTitle()
    win.jobs.wait_all(10)


def test_export_dialog_request(qtbot):
    dialog = ExportDialog()
    qtbot.addWidget(dialog)
    dialog.vtt.setChecked(True)
    dialog.text.setCurrentIndex(dialog.text.findData("bilingual"))
    dialog.stems.setChecked(True)
    request = dialog.request()
    assert request.subtitles == ("srt", "vtt") and request.subtitle_text == "bilingual"
    assert request.video and request.stems and request.watermark
    assert request.as_options()["subtitles"] == ["srt", "vtt"]
    dialog.video.setChecked(False)
    dialog.srt.setChecked(False)
    dialog.vtt.setChecked(False)
    dialog.stems.setChecked(False)
    assert dialog.request().empty
