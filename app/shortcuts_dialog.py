"""Customise shortcuts: every action with its key, editable, with a reset to the defaults.

A key already used by another action, or one of the chords window managers take (Ctrl+Alt+arrows,
Shift+Alt+arrows), is refused with the names involved; the window saves only the keys that
differ from the defaults, so new defaults in a later version still reach the user.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHeaderView, QKeySequenceEdit, QLabel, QMessageBox, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from app.actions import WINDOW_MANAGER_CHORDS, ActionRegistry, key_text

RESERVED = {key_text(QKeySequence(chord)) for chord in WINDOW_MANAGER_CHORDS}


class ShortcutsDialog(QDialog):
    def __init__(self, actions: ActionRegistry, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.setAccessibleName(self.tr("Customise shortcuts"))
        self.resize(560, 640)
        self._actions = actions
        self.table = QTableWidget(0, 2)
        self.table.setAccessibleName(self.tr("Shortcut list"))
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Shortcut")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().resizeSection(1, 180)
        self.editors: dict[str, QKeySequenceEdit] = {}
        for name, act in zip(actions.names(), actions):
            row = self.table.rowCount()
            self.table.insertRow(row)
            item = QTableWidgetItem(act.text().replace("&", ""))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.table.setItem(row, 0, item)
            editor = QKeySequenceEdit(act.shortcut())
            editor.setObjectName(name)
            editor.setMaximumSequenceLength(1)
            editor.setClearButtonEnabled(True)
            self.table.setCellWidget(row, 1, editor)
            self.editors[name] = editor
        self.problem = QLabel()
        self.problem.setObjectName("shortcut_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #e05252")
        reset = QPushButton(self.tr("Reset all to defaults"))
        reset.clicked.connect(self.reset_to_defaults)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(reset, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)

    def keys(self) -> dict[str, str]:
        return {name: key_text(editor.keySequence()) for name, editor in self.editors.items()}

    def reset_to_defaults(self) -> None:
        for name, editor in self.editors.items():
            editor.setKeySequence(QKeySequence(self._actions.default_key(name)))

    def check(self) -> str:
        """"" when the keys can be used, else what is wrong (in words)."""
        keys = self.keys()
        texts = {name: act.text().replace("&", "") for name, act in zip(self._actions.names(), self._actions)}
        for key, names in self._actions.conflicts(keys).items():
            return self.tr("{key} is used by {names}: give each its own key.").format(
                key=key, names=", ".join(texts[n] for n in names))
        for name, key in keys.items():
            if key in RESERVED:
                return self.tr("{key} ({action}) is taken by most window managers: choose another key.").format(
                    key=key, action=texts[name])
        return ""

    def overrides(self) -> dict[str, str]:
        """The keys that differ from the defaults (what the settings keep)."""
        return {name: key for name, key in self.keys().items() if key != self._actions.default_key(name)}

    def accept(self) -> None:
        problem = self.check()
        self.problem.setText(problem)
        if not problem:
            super().accept()


def shortcuts_help(parent: QWidget, rows: list[tuple[str, str]]) -> QMessageBox:
    """F1: a non-modal list of every shortcut (``rows``: key, action) after the review loop's keys."""
    table = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in rows)
    review = parent.tr("Review loop: N next · Shift+Space loop with pre/post-roll · B A/B original↔dub · "
                       "E, F2 or Enter edit · R regenerate · T hear the take · A accept and go on. "
                       "Edit ▸ Customise shortcuts… changes any key.")
    box = QMessageBox(QMessageBox.Icon.NoIcon, parent.tr("Keyboard shortcuts"),
                      f"<p>{review}</p><table cellspacing=4>{table}</table>", QMessageBox.StandardButton.Close, parent)
    box.setObjectName("shortcuts_box")
    box.setWindowModality(Qt.WindowModality.NonModal)
    return box
