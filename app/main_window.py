"""The studio's main window: menus for creating and opening projects."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox,
)

from engine.errors import AvdubError
from engine.languages import LANGUAGE_NAMES
from engine.media.probe import probe
from engine.project.model import Project
from engine.project.store import ProjectFolder, create_project, load_project


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("avdub"))
        self.resize(1280, 800)
        self.folder: ProjectFolder | None = None
        self.project: Project | None = None
        self._status = QLabel(self.tr("Open a project or create one from a video (File menu)."))
        self.setCentralWidget(self._status)
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.setObjectName("menu_file")
        self.act_new = file_menu.addAction(self.tr("&New from video…"), self.new_from_video_dialog)
        self.act_new.setObjectName("act_new")
        self.act_open = file_menu.addAction(self.tr("&Open project…"), self.open_project_dialog)
        self.act_open.setObjectName("act_open")
        file_menu.addSeparator()
        file_menu.addAction(self.tr("&Quit"), self.close)

    # ---- project creation --------------------------------------------------------------
    def new_from_video_dialog(self) -> None:
        video, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a video"), "", self.tr("Videos (*.mp4 *.mkv *.mov *.avi *.webm);;All files (*)"))
        if not video:
            return
        codes = sorted(LANGUAGE_NAMES, key=lambda c: LANGUAGE_NAMES[c])
        labels = [f"{LANGUAGE_NAMES[c]} ({c})" for c in codes]
        label, ok = QInputDialog.getItem(self, self.tr("Target language"),
                                         self.tr("Dub the video into:"), labels, labels.index("Spanish (es)"), False)
        if not ok:
            return
        self.new_project(Path(video), codes[labels.index(label)])

    def new_project(self, video: Path, target_language: str, root: Path | None = None) -> bool:
        """Probe ``video`` and create ``root`` (default: VIDEO.avdub beside it); errors go to a box."""
        try:
            info = probe(video)
            info.require_video()
            info.require_audio()
            root = root if root is not None else video.with_suffix(".avdub")
            folder, project = create_project(root, video, info.duration, target_language)
        except AvdubError as exc:
            QMessageBox.critical(self, self.tr("Cannot create the project"), str(exc))
            return False
        self._set_project(folder, project)
        return True

    # ---- opening -----------------------------------------------------------------------
    def open_project_dialog(self) -> None:
        root = QFileDialog.getExistingDirectory(self, self.tr("Open a project folder"))
        if root:
            self.open_project(Path(root))

    def open_project(self, root: Path) -> bool:
        try:
            folder, project = load_project(root)
        except AvdubError as exc:
            QMessageBox.critical(self, self.tr("Cannot open the project"), str(exc))
            return False
        self._set_project(folder, project)
        return True

    def _set_project(self, folder: ProjectFolder, project: Project) -> None:
        self.folder, self.project = folder, project
        self.setWindowTitle(self.tr("avdub — {name}").format(name=folder.root.name))
        self._status.setText(self.tr("{n} segments").format(n=len(project.segments)))
