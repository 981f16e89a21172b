"""The main window opens offscreen, has its File menu, and creates a project from a real clip."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import media_file


def test_window_has_file_menu(qtbot):
    from app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle().startswith("avdub")
    texts = [a.text() for a in window.menuBar().actions()]
    assert "&File" in texts
    file_actions = [a.text() for a in window.act_new.parent().actions()] if hasattr(window.act_new.parent(), "actions") else []
    assert "&New from video…" in file_actions and "&Open project…" in file_actions


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
