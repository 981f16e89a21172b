"""Desktop conventions on the real window: a video from the command line or a drop offers its
project, a dropped project opens, recent projects, the remembered layout and export choices,
About with versions and model licences, and a normal quit that is not reported as a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu, QMessageBox

from app.about_dialog import AboutDialog
from app.export_dialog import ExportDialog
from app.main_window import MainWindow
from app.studio_settings import Folder, last_folder, remember_folder
from engine.project.store import load_project
from tests.conftest import media_file
from tests.gui.test_studio import answer_recovery

CLIP = "video/vr_face2.mp4"


def answer_language(qtbot, win: MainWindow, label: str) -> None:
    dialog = None

    def shown() -> bool:
        nonlocal dialog
        dialog = win.findChild(QInputDialog, "new_project_language")
        return dialog is not None and dialog.isVisible()

    qtbot.waitUntil(shown, timeout=5000)
    assert dialog.labelText().startswith("Create a project to dub vr_face2.mp4")
    dialog.setTextValue(label)
    dialog.accept()


def test_command_line_video_offers_to_create_its_project(qtbot, tmp_path: Path):
    from app.main import create_window

    video = tmp_path / "vr_face2.mp4"
    shutil.copyfile(media_file(CLIP), video)
    _app, win = create_window(["avdub-studio", str(video)])
    qtbot.addWidget(win)
    answer_language(qtbot, win, "Portuguese (pt)")
    qtbot.waitUntil(lambda: win.view is not None, timeout=10_000)
    assert win.view.root == video.with_suffix(".avdub")
    assert load_project(video.with_suffix(".avdub"))[1].target_language == "pt"
    win.jobs.wait_all(10)


def drop(win: MainWindow, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(win, event)
    return event.isAccepted()


def test_drop_a_project_a_video_and_not_a_text_file(qtbot, real_project: Path, tmp_path: Path):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    assert not drop(win, notes)
    assert drop(win, real_project / "project.json")
    qtbot.waitUntil(lambda: win.view is not None and win.view.root == real_project, timeout=5000)
    video = tmp_path / "vr_face2.mp4"
    shutil.copyfile(media_file(CLIP), video)
    assert drop(win, video)
    answer_language(qtbot, win, "German (de)")
    qtbot.waitUntil(lambda: win.view.root == video.with_suffix(".avdub"), timeout=10_000)
    win.jobs.wait_all(10)


def test_recent_projects_menu_reopens_a_project(qtbot, real_project: Path):
    first = MainWindow()
    qtbot.addWidget(first)
    assert first.open_project(real_project)
    first.jobs.wait_all(10)
    win = MainWindow()
    qtbot.addWidget(win)
    menu = win.findChild(QMenu, "menu_recent")
    menu.aboutToShow.emit()
    entries = [a for a in menu.actions() if a.data()]
    assert [Path(a.data()) for a in entries] == [real_project.resolve()] and entries[0].isEnabled()
    entries[0].trigger()
    assert win.view is not None and win.view.root == real_project
    win.jobs.wait_all(10)


def test_window_and_dock_layout_is_remembered(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.resize(760, 560)  # within the offscreen screen (800×600)
    win.pipeline_dock.close()
    qtbot.waitUntil(lambda: win.width() == 760, timeout=2000)
    win.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (760, 560)
    assert again.pipeline_dock.isHidden() and not again.jobs_dock.isHidden()


def test_last_folders_and_export_choices_are_remembered(qtbot, tmp_path: Path):
    assert last_folder(Folder.VIDEO) == ""
    remember_folder(Folder.VIDEO, tmp_path / "lecture.mp4")
    assert last_folder(Folder.VIDEO) == str(tmp_path)
    dialog = ExportDialog()
    qtbot.addWidget(dialog)
    dialog.vtt.setChecked(True)
    dialog.watermark.setChecked(False)
    dialog.text.setCurrentIndex(dialog.text.findData("bilingual"))
    dialog.remember()
    again = ExportDialog()
    qtbot.addWidget(again)
    request = again.request()
    assert request.subtitles == ("srt", "vtt") and not request.watermark and request.subtitle_text == "bilingual"


def test_about_lists_versions_and_model_licences(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.commands["act_about"].trigger()
    dialog = win.findChild(AboutDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    text = dialog.details.toPlainText()
    assert "PySide6" in text and "Python" in text and "Models and their licences" in text
    assert "MediaPipe Face Landmarker" in text and "Apache-2.0" in text and "MIT" in text


def test_a_normal_quit_is_not_reported_as_a_crash(qtbot, window: MainWindow, real_project: Path):
    window.view.edit_target(window.view.model.segments[0].id, "Sin guardar.")
    window.close()
    win = MainWindow()
    qtbot.addWidget(win)
    seen: list[str] = []
    QTimer.singleShot(0, lambda: answer_recovery(QMessageBox.StandardButton.Yes, seen))
    assert win.open_project(real_project)
    assert seen and "did not close normally" not in seen[0] and "closed with edits that were not saved" in seen[0]
    assert win.view.model.segments[0].target_text == "Sin guardar."
    win.jobs.wait_all(10)


def answer_overwrite(button: QMessageBox.StandardButton, seen: list) -> None:
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox) and box.objectName() == "overwrite_prompt":
        seen.append(box.text())
        box.button(button).click()
    else:
        QTimer.singleShot(50, lambda: answer_overwrite(button, seen))


def test_export_to_a_chosen_folder_and_name_asks_before_replacing(qtbot, window: MainWindow, tmp_path: Path):
    from app.export_dialog import ExportRequest
    from engine.jobs.events import JobState

    out = tmp_path / "handout"
    request = ExportRequest(video=False, subtitles=("srt", "vtt"), subtitle_text="bilingual", folder=str(out),
                            name="talk")

    def export_and_publish():
        job = window.export(request)
        qtbot.waitUntil(lambda: job.state.finished, timeout=60_000)
        assert job.state is JobState.DONE, job.error
        publish = next(j for j in reversed(list(window.jobs.jobs.values())) if j.name == "publish")
        qtbot.waitUntil(lambda: publish.state.finished, timeout=60_000)
        assert publish.state is JobState.DONE, publish.error
        return publish

    publish = export_and_publish()
    assert sorted(p.name for p in out.iterdir()) == ["talk.bilingual.srt", "talk.bilingual.vtt"]
    assert sorted(Path(p).name for p in publish.result) == ["talk.bilingual.srt", "talk.bilingual.vtt"]
    srt = out / "talk.bilingual.srt"
    srt.write_text("kept by the user")
    seen: list[str] = []
    QTimer.singleShot(0, lambda: answer_overwrite(QMessageBox.StandardButton.Cancel, seen))
    assert window.export(request) is None  # declined: nothing runs, nothing is replaced
    assert seen and "talk.bilingual.srt" in seen[0] and srt.read_text() == "kept by the user"
    QTimer.singleShot(0, lambda: answer_overwrite(QMessageBox.StandardButton.Yes, seen))
    export_and_publish()
    assert len(seen) == 2 and srt.read_text() != "kept by the user"
    assert window.view.model.segments[0].target_text.split()[0] in srt.read_text()
