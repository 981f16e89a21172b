"""GUI fixtures: fresh copies of a real project on a real lecture clip (see lecture_project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.project.store import save_project
from tests.conftest import media_file
from tests.gui.lecture_project import CLIP, build_project


@pytest.fixture(scope="session")
def _template_project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "lecture.avdub"
    build_project(root, media_file(CLIP))
    return root


@pytest.fixture
def real_project(_template_project: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template project (the takes are synthesized once per session)."""
    import shutil

    from engine.project.store import load_project, relink_source

    root = tmp_path / "lecture.avdub"
    shutil.copytree(_template_project, root)
    folder, project = load_project(root)
    relink_source(folder, project, media_file(CLIP), project.source.duration)  # the copy moved
    save_project(folder, project, backup=False)
    return root


@pytest.fixture
def window(qtbot, real_project: Path):
    """The real main window, shown and focused, on a fresh copy of the project; regeneration
    speaks with espeak-ng (fast and always present)."""
    from app.main_window import MainWindow
    from tests.gui.espeak_jobs import regenerate_with_espeak

    win = MainWindow()
    qtbot.addWidget(win)
    win.regenerate_function = regenerate_with_espeak
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(real_project)
    win.activateWindow()
    yield win
    win.view.player.pause()
    win.jobs.wait_all(10)


@pytest.fixture(autouse=True)
def studio_settings_folder(tmp_path_factory) -> Path:
    """The studio's QSettings (recent projects, layout, keys, export choices) live in a fresh
    temporary folder for every test, never in the user's configuration."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder
