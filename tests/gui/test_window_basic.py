"""The main window opens offscreen, has its File menu, and creates a project from a real clip."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMenu

from tests.conftest import media_file


def test_window_has_file_menu(qtbot):
    from app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle().startswith("avdub")
    texts = [a.text() for a in window.menuBar().actions()]
    assert texts[:2] == ["&File", "&Edit"]
    file_menu = window.findChild(QMenu, "menu_file")
    file_actions = [a.text() for a in file_menu.actions()]
    assert "&New from video…" in file_actions and "&Open project…" in file_actions
    assert not window.commands["act_save"].isEnabled()  # nothing to save before a project is open


def test_new_project_from_clip(qtbot, tmp_path: Path):
    from app.main_window import MainWindow
    from engine.project.store import load_project

    clip = media_file("video/vr_face2.mp4")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.new_project(clip, "es", tmp_path / "p.avdub")
    _, project = load_project(tmp_path / "p.avdub")
    assert project.target_language == "es" and abs(project.source.duration - 5.0) < 0.2
    assert window.open_project(tmp_path / "p.avdub")


def test_unreadable_video_is_a_message_not_a_crash(qtbot, tmp_path: Path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.main_window import MainWindow

    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    window = MainWindow()
    qtbot.addWidget(window)
    seen = []

    def close_box() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.close()
        else:
            QTimer.singleShot(50, close_box)

    QTimer.singleShot(0, close_box)
    assert not window.new_project(bad, "es", tmp_path / "p.avdub")
    assert seen and "broken.mp4" in seen[0]
    assert window.view is None and not (tmp_path / "p.avdub" / "project.json").exists()
