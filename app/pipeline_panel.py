"""The pipeline panel: each stage with its status (not built, not run, done, stale) and
shortcut; activating a row runs that stage. Statuses are recomputed a moment after edits
stop (a stage's status hashes its inputs, which is cheap but not free on 2,000 segments).
Below them, how much disk the project takes (its cache per stage in the tooltip) and how much
is free; that is measured in a background thread (walking a lecture's cache can take a while).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.project_model import ProjectModel
from engine.models.registry import ModelRegistry
from engine.pipeline import STAGES, ContextFactory, Stage, StageStatus, stage_status
from engine.project.disk import DiskUse, disk_use, human_bytes

REFRESH_DELAY_MS = 600
STATUS_COLORS = {StageStatus.NOT_BUILT: "#7f8691", StageStatus.NOT_RUN: "#d7dae0",
                 StageStatus.DONE: "#4caf50", StageStatus.STALE: "#e0a82e"}


class _DiskProbe(QObject):
    """Measures a project folder's disk use off the GUI thread; ``measured`` arrives on it."""

    measured = Signal(object)  # DiskUse

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._busy, self._again = False, None

    def measure(self, folder) -> None:
        if self._busy:  # one walk at a time; the latest request runs after it
            self._again = folder
            return
        self._busy = True
        threading.Thread(target=self._walk, args=(folder,), daemon=True, name="disk-use").start()

    def _walk(self, folder) -> None:
        try:
            use = disk_use(folder)
        except OSError:
            use = None
        self.measured.emit(use)  # queued to the GUI thread

    def done(self) -> None:
        self._busy = False
        if self._again is not None:
            folder, self._again = self._again, None
            self.measure(folder)


class PipelinePanel(QWidget):
    def __init__(self, model: ProjectModel, shortcuts: dict[Stage, str], run: Callable[[Stage], object],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Pipeline stages"))
        self.model, self.run = model, run
        self.tree = QTreeWidget()
        self.tree.setAccessibleName(self.tr("Stage status"))
        self.tree.setHeaderLabels([self.tr("Stage"), self.tr("Status"), self.tr("Key")])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 220)
        self.tree.setColumnWidth(1, 80)
        self.items: dict[Stage, QTreeWidgetItem] = {}
        for spec in STAGES:
            item = QTreeWidgetItem([self.tr(spec.title), "", shortcuts.get(spec.stage, "")])
            item.setData(0, Qt.ItemDataRole.UserRole, spec.stage.value)
            self.tree.addTopLevelItem(item)
            self.items[spec.stage] = item
        self.tree.itemActivated.connect(lambda item, _col: self.run(Stage(item.data(0, Qt.ItemDataRole.UserRole))))
        self.disk_label = QLabel(self.tr("On disk: measuring…"))
        self.disk_label.setObjectName("disk_label")
        self.disk_label.setAccessibleName(self.tr("Disk use"))
        self.disk_label.setWordWrap(True)
        self._disk = _DiskProbe(self)
        self._disk.measured.connect(self._show_disk)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree)
        lay.addWidget(self.disk_label)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_DELAY_MS)
        self.timer.timeout.connect(self.refresh)
        for sig in (model.segments_changed, model.segments_reset, model.speakers_changed, model.project_replaced):
            sig.connect(lambda *_: self.timer.start())
        self._registry = ModelRegistry.from_environment()
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(340, 240)

    def refresh(self) -> None:
        factory = ContextFactory(self.model.folder, self.model.project, self._registry)
        for spec in STAGES:
            status = stage_status(factory, spec)
            item = self.items[spec.stage]
            item.setText(1, self.tr(status.value))
            item.setForeground(1, QBrush(QColor(STATUS_COLORS[status])))
            item.setToolTip(0, self.tr("{title}: {status}").format(title=spec.title, status=status.value))
        self._disk.measure(self.model.folder)

    def _show_disk(self, use: DiskUse | None) -> None:
        self._disk.done()
        if use is None:
            self.disk_label.setText(self.tr("On disk: unknown (the project folder could not be read)"))
            return
        cache = sum(use.cache_bytes.values())
        text = self.tr("On disk: {total} (cache {cache})").format(total=human_bytes(use.project_bytes),
                                                                  cache=human_bytes(cache))
        if use.free_bytes is not None:
            text += self.tr(" · {free} free").format(free=human_bytes(use.free_bytes))
        self.disk_label.setText(text)
        lines = [f"cache/{name}: {human_bytes(size)}" for name, size in use.cache_bytes.items()]
        self.disk_label.setToolTip("\n".join(lines) or self.tr("The cache is empty."))

    def status_of(self, stage: Stage) -> str:
        return self.items[stage].text(1)
