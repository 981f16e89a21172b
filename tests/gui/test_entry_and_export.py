"""The console entry point, and the export dialog's request."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.export_dialog import ExportDialog


def test_main_opens_a_project_and_quits(qtbot, real_project: Path):
    from app import main as entry

    seen = {}

    def check_and_quit() -> None:
        wins = [w for w in QApplication.topLevelWidgets() if w.objectName() == "" and hasattr(w, "view")]
        win = next(w for w in wins if w.view is not None and w.view.root == real_project)
        seen["segments"] = len(win.view.model.segments)
        seen["title"] = win.windowTitle()
        win.jobs.wait_all(10)
        win.close()
        QApplication.instance().quit()

    QTimer.singleShot(500, check_and_quit)
    assert entry.main(["avdub-studio", str(real_project)]) == 0
    assert seen["segments"] == 5 and "lecture.avdub" in seen["title"]


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
