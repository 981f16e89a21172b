"""The segment table: source and target text (target editable in place), timing, speaker,
fit ratio colour-coded, and badges for what needs a look (stale take, overflow, no face,
low ASR confidence). A view over the ProjectModel: edits go through the undo stack.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.project_model import ProjectModel
from engine.project.model import Segment, SegmentFlag

# Fit ratio = take duration / slot. ≤ 1.0 fits as is; up to 1.15 a pitch-preserving stretch is
# inaudible for speech (the fit stage's default bound); beyond that it must be shortened.
FIT_OK, FIT_STRETCH = 1.0, 1.15
COLOR_OK, COLOR_STRETCH, COLOR_BAD = QColor("#4caf50"), QColor("#e0a82e"), QColor("#e05252")


class Column(enum.IntEnum):
    INDEX = 0
    START = 1
    END = 2
    SPEAKER = 3
    SOURCE = 4
    TARGET = 5
    FIT = 6
    BADGES = 7


def fmt_time(t: float) -> str:
    m, s = divmod(max(0.0, t), 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:06.3f}" if h else f"{m:02d}:{s:06.3f}"


def fit_color(ratio: float | None) -> QColor | None:
    if ratio is None:
        return None
    return COLOR_OK if ratio <= FIT_OK else COLOR_STRETCH if ratio <= FIT_STRETCH else COLOR_BAD


def badges(seg: Segment) -> list[str]:
    out = []
    if seg.target_text.strip() and seg.is_stale:
        out.append("stale")
    if SegmentFlag.OVERFLOW in seg.flags:
        out.append("overflow")
    if SegmentFlag.NO_FACE in seg.flags:
        out.append("no face")
    if SegmentFlag.LOW_ASR_CONFIDENCE in seg.flags:
        out.append("low ASR")
    if SegmentFlag.ACCEPTED in seg.flags:
        out.append("accepted")
    return out


class SegmentTableModel(QAbstractTableModel):
    HEADERS = ("#", "Start", "End", "Speaker", "Source", "Target", "Fit", "Badges")

    def __init__(self, model: ProjectModel, edit_text: Callable[[str, str, str], None], parent=None):
        super().__init__(parent)
        self.model = model
        self.edit_text = edit_text  # (segment id, field, text): pushes the undo command
        model.segments_changed.connect(self._on_changed)
        model.segments_reset.connect(self._on_reset)
        model.project_replaced.connect(self._on_reset)
        model.speakers_changed.connect(self._on_reset)
        self._speaker_names = self._names()

    def _names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.model.project.speakers}

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.model.segments)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.HEADERS[section])
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        editable = index.column() in (Column.TARGET, Column.SOURCE)
        return base | Qt.ItemFlag.ItemIsEditable if editable else base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        seg = self.model.segments[index.row()]
        col = Column(index.column())
        take = seg.current_take
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col is Column.INDEX:
                return index.row() + 1
            if col is Column.START:
                return fmt_time(seg.start)
            if col is Column.END:
                return fmt_time(seg.end)
            if col is Column.SPEAKER:
                return self._speaker_names.get(seg.speaker_id or "", seg.speaker_id or "")
            if col is Column.SOURCE:
                return seg.source_text
            if col is Column.TARGET:
                return seg.target_text
            if col is Column.FIT:
                return "" if take is None or take.fit_ratio is None else f"{take.fit_ratio:.2f}"
            if col is Column.BADGES:
                return " · ".join(self.tr(b) for b in badges(seg))
        if role == Qt.ItemDataRole.ForegroundRole:
            if col is Column.FIT and take is not None:
                c = fit_color(take.fit_ratio)
                return None if c is None else QBrush(c)
            if col is Column.BADGES and badges(seg) and badges(seg) != ["accepted"]:
                return QBrush(COLOR_BAD)
        if role == Qt.ItemDataRole.ToolTipRole and col is Column.FIT and take is not None:
            # ≤ 1.00 fits; ≤ 1.15 is stretched inaudibly; above must be shortened or retimed
            return self.tr("take {d:.2f} s / slot; stretch {s:.2f}").format(d=take.duration, s=take.stretch)
        if role == Qt.ItemDataRole.UserRole:
            return seg.id
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() not in (Column.TARGET, Column.SOURCE):
            return False
        field = "target_text" if index.column() == Column.TARGET else "source_text"
        seg = self.model.segments[index.row()]
        if str(value) == getattr(seg, field):
            return False
        self.edit_text(seg.id, field, str(value))
        return True

    def _on_changed(self, ids: list) -> None:
        rows = [self.model.row_of(i) for i in ids]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(Column) - 1))

    def _on_reset(self) -> None:
        self.beginResetModel()
        self._speaker_names = self._names()
        self.endResetModel()


class SegmentTable(QTableView):
    """The table view; ``current_segment_changed`` follows keyboard and mouse selection.

    Editing starts only on purpose: double-click, F2 or Enter on an editable cell (and E, the
    window's "edit translation"). Other keys never open an editor, so a letter meant as a
    shortcut cannot end up typed into the transcript.
    """

    current_segment_changed = Signal(str)

    def __init__(self, model: ProjectModel, edit_text: Callable[[str, str, str], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Segments"))
        self.table_model = SegmentTableModel(model, edit_text, self)
        self.setModel(self.table_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        h = self.horizontalHeader()
        for col, width in ((Column.INDEX, 44), (Column.START, 84), (Column.END, 84), (Column.SPEAKER, 90),
                           (Column.FIT, 48), (Column.BADGES, 120)):
            h.resizeSection(col, width)
        h.setSectionResizeMode(Column.SOURCE, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(Column.TARGET, QHeaderView.ResizeMode.Stretch)
        self.selectionModel().currentRowChanged.connect(self._row_changed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        index = self.currentIndex()
        if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != self.State.EditingState
                and index.isValid() and index.flags() & Qt.ItemFlag.ItemIsEditable):
            self.edit(index)
            return
        super().keyPressEvent(event)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.current_segment_changed.emit(self.table_model.data(current, Qt.ItemDataRole.UserRole))

    def select_segment(self, segment_id: str) -> None:
        row = self.table_model.model.row_of(segment_id)
        index = self.table_model.index(row, Column.TARGET)
        if self.currentIndex().row() != row:
            self.setCurrentIndex(index)
        self.scrollTo(index)

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return [self.table_model.model.segments[r].id for r in rows]
