"""Crash safety: debounced autosave to the project's sidecar, and the recovery prompt.

Every change restarts a short timer; when edits pause for AUTOSAVE_DELAY_MS a snapshot of the
project is written to ``backups/autosave.json`` (atomically, never over project.json) on a
background thread: encoding 2,000 segments takes ~250 ms, which the GUI thread must not spend.
Opening a project whose sidecar is newer than project.json asks whether to restore the edits;
a window closed normally leaves a marker beside the sidecar, so the question then says that the
edits were kept at quit instead of reporting a crash.
"""

from __future__ import annotations

import collections
import dataclasses
import threading

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.project_model import ProjectModel
from engine.errors import ProjectError
from engine.project.model import Project
from engine.project.store import ProjectFolder, discard_autosave, read_autosave, write_autosave

AUTOSAVE_DELAY_MS = 1500  # after the last edit: long enough to batch typing, short enough to lose little
CLOSED_MARKER = "autosave.closed"  # in backups/: the sidecar was kept by a normal quit, not left by a crash


def mark_closed_normally(folder: ProjectFolder) -> None:
    """Called as the window closes, after the sidecar is written: the next open knows it was no crash."""
    if folder.autosave_file.is_file():
        try:
            (folder.backups_dir / CLOSED_MARKER).touch()
        except OSError:
            pass  # a read-only project: the question will only be worded as after a crash


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
        self._state = _SidecarState()
        self._threads: list[threading.Thread] = []
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._report)
        for sig in (model.segments_changed, model.segments_reset, model.speakers_changed, model.project_replaced):
            sig.connect(self.touch)

    def touch(self, *_args) -> None:
        self.dirty = True
        self.timer.start()

    def write_now(self, wait: bool = False) -> None:
        """Write the sidecar now (in the background; ``wait`` joins the write)."""
        self.timer.stop()
        if self.dirty:
            project = self.model.project
            snapshot = dataclasses.replace(project, stages=dict(project.stages), settings=dict(project.settings))
            self.dirty = False
            self._state.generation += 1
            # The thread gets plain data only (never this QObject), so no Qt object is used or
            # released on it; outcomes come back through the state and a GUI-thread timer.
            thread = threading.Thread(target=_write_sidecar, daemon=True, name="autosave",
                                      args=(self.model.folder, snapshot, self._state.generation, self._state))
            self._threads.append(thread)
            thread.start()
            self._poll.start()
        if wait:
            self.join()
            self._report()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()
        self._threads = [t for t in self._threads if t.is_alive()]

    def _report(self) -> None:
        while self._state.outcomes:
            error = self._state.outcomes.popleft()
            self.failed.emit(error) if error else self.saved.emit()
        self._threads = [t for t in self._threads if t.is_alive()]
        if not self._threads:
            self._poll.stop()

    def saved_to_disk(self) -> None:
        """project.json now holds everything (save_project removed the sidecar)."""
        self.timer.stop()
        self.dirty = False

    def before_save(self) -> None:
        """Finish any sidecar write first, so none can land after the save and look newer."""
        self.timer.stop()
        self.join()


class _SidecarState:
    """Shared between the GUI thread and sidecar writers: plain Python, no Qt."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation = 0  # of the newest snapshot handed out
        self.written = 0  # of the newest snapshot on disk
        self.outcomes: collections.deque[str | None] = collections.deque()  # None: saved; else the error


def _write_sidecar(folder: ProjectFolder, project: Project, generation: int, state: _SidecarState) -> None:
    with state.lock:  # writes in order; an older snapshot never lands after a newer one
        if generation < state.written:
            return
        try:
            write_autosave(folder, project)
        except ProjectError as exc:
            state.outcomes.append(str(exc))
            return
        state.written = generation
    state.outcomes.append(None)


def recovered_project(parent: QWidget, folder: ProjectFolder) -> Project | None:
    """The autosaved project when one exists and the user chooses to restore it."""
    marker = folder.backups_dir / CLOSED_MARKER
    closed_normally = marker.is_file()
    try:
        marker.unlink(missing_ok=True)  # from here on, a sidecar left behind means a crash
    except OSError:
        pass
    project = read_autosave(folder)
    if project is None:
        return None
    if closed_normally:
        question = parent.tr("{name} was closed with edits that were not saved; they were kept. Restore them?")
    else:
        question = parent.tr("{name} has unsaved edits from a session that did not close normally. Restore them?")
    box = QMessageBox(QMessageBox.Icon.Question, parent.tr("Recover unsaved edits?"),
                      question.format(name=folder.root.name),
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard, parent)
    box.setObjectName("recovery_prompt")
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    if box.exec() == QMessageBox.StandardButton.Yes:
        return project
    discard_autosave(folder)
    return None
