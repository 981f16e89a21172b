"""Crash safety: debounced autosave to the project's sidecar, and the recovery prompt.

Every change restarts a short timer; when edits pause for AUTOSAVE_DELAY_MS the project is
written to ``backups/autosave.json`` (atomically, never over project.json). Opening a project
whose sidecar is newer than project.json asks whether to restore the unsaved edits.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.project_model import ProjectModel
from engine.errors import ProjectError
from engine.project.model import Project
from engine.project.store import ProjectFolder, discard_autosave, read_autosave, write_autosave

AUTOSAVE_DELAY_MS = 1500  # after the last edit: long enough to batch typing, short enough to lose little


class Autosaver(QObject):
    saved = Signal()
    failed = Signal(str)

    def __init__(self, model: ProjectModel, delay_ms: int = AUTOSAVE_DELAY_MS, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.dirty = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.write_now)
        for sig in (model.segments_changed, model.segments_reset, model.speakers_changed, model.project_replaced):
            sig.connect(self.touch)

    def touch(self, *_args) -> None:
        self.dirty = True
        self.timer.start()

    def write_now(self) -> None:
        if not self.dirty:
            return
        try:
            write_autosave(self.model.folder, self.model.project)
        except ProjectError as exc:
            self.failed.emit(str(exc))
            return
        self.dirty = False
        self.saved.emit()

    def saved_to_disk(self) -> None:
        """project.json now holds everything (save_project removed the sidecar)."""
        self.timer.stop()
        self.dirty = False


def recovered_project(parent: QWidget, folder: ProjectFolder) -> Project | None:
    """The autosaved project when one exists and the user chooses to restore it."""
    project = read_autosave(folder)
    if project is None:
        return None
    box = QMessageBox(QMessageBox.Icon.Question, parent.tr("Recover unsaved edits?"),
                      parent.tr("{name} has unsaved edits from a session that did not close normally. "
                                "Restore them?").format(name=folder.root.name),
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard, parent)
    box.setObjectName("recovery_prompt")
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    if box.exec() == QMessageBox.StandardButton.Yes:
        return project
    discard_autosave(folder)
    return None
