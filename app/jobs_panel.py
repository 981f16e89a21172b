"""The jobs panel: each job with its progress, ETA and a cancel button, and its full log."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QProgressBar, QPushButton,
    QSplitter, QVBoxLayout, QWidget,
)

from app.jobs_controller import JobsController
from engine.jobs.events import JobState


def fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


class JobsPanel(QWidget):
    def __init__(self, controller: JobsController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Jobs"))
        self.controller = controller
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Job list"))
        self.bar = QProgressBar()
        self.bar.setAccessibleName(self.tr("Job progress"))
        self.eta = QLabel()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel job"))
        self.cancel_button.clicked.connect(self.cancel_current)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setAccessibleName(self.tr("Job log"))
        self.log.setMaximumBlockCount(5000)
        top = QHBoxLayout()
        top.addWidget(self.bar, 1)
        top.addWidget(self.eta)
        top.addWidget(self.cancel_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(self.log)
        split.setSizes([220, 500])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self._shown: str | None = None
        self._shown_lines = 0
        controller.job_added.connect(self._added)
        controller.job_progress.connect(self._update)
        controller.job_finished.connect(self._update)
        self.list.currentItemChanged.connect(lambda *_: self._show(self.current_id()))

    def sizeHint(self) -> QSize:
        return QSize(900, 150)  # a strip under the editor, not half the window

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def cancel_current(self) -> None:
        job_id = self.current_id()
        if job_id:
            self.controller.cancel(job_id)
            self._show(job_id)

    def _added(self, job_id: str) -> None:
        item = QListWidgetItem()
        item.setData(Qt.ItemDataRole.UserRole, job_id)
        self.list.insertItem(0, item)
        self.list.setCurrentItem(item)
        self._update(job_id)

    def _item(self, job_id: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == job_id:
                return self.list.item(i)
        return None

    def _update(self, job_id: str) -> None:
        job = self.controller.jobs[job_id]
        item = self._item(job_id)
        if item is not None:
            item.setText(f"{job.title} — {self.tr(job.state.value)}")
            if job.state is JobState.FAILED:
                item.setForeground(Qt.GlobalColor.red)
        if job_id == self.current_id():
            self._show(job_id)

    def _show(self, job_id: str | None) -> None:
        if job_id is None:
            return
        job = self.controller.jobs[job_id]
        p = job.progress
        if job.state is JobState.DONE:
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
        elif p is None or p.total <= 0:
            self.bar.setRange(0, 0 if not job.state.finished else 1)
        else:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
        self.eta.setText(self.tr("ETA {t}").format(t=fmt_eta(job.eta)) if job.eta is not None
                         and not job.state.finished else "")
        self.cancel_button.setEnabled(not job.state.finished)
        # Append only what is new: re-setting a long log on every progress event would cost
        # the GUI thread a full text layout 33 times a second.
        if self._shown != job_id or self._shown_lines > len(job.log):
            self.log.setPlainText("\n".join(job.log))
        else:
            for line in job.log[self._shown_lines:]:
                self.log.appendPlainText(line)
        self._shown, self._shown_lines = job_id, len(job.log)
