"""The pipeline panel: each stage with its status (not built, not run, done, stale) and
shortcut; activating a row runs that stage. Statuses are recomputed a moment after edits
stop (a stage's status hashes its inputs, which is cheap but not free on 2,000 segments).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.project_model import ProjectModel
from engine.models.registry import ModelRegistry
from engine.pipeline import STAGES, ContextFactory, Stage, StageStatus, stage_status

REFRESH_DELAY_MS = 600
STATUS_COLORS = {StageStatus.NOT_BUILT: "#7f8691", StageStatus.NOT_RUN: "#d7dae0",
                 StageStatus.DONE: "#4caf50", StageStatus.STALE: "#e0a82e"}


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
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree)
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

    def status_of(self, stage: Stage) -> str:
        return self.items[stage].text(1)
