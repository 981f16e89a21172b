"""Keyboard safety on the real window: editing starts only on purpose and only in editable cells,
a segment loop ends with stop or seek, defaults leave window-manager chords alone, and every
shortcut can be changed (and is remembered)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit

from app.actions import WINDOW_MANAGER_CHORDS
from app.main_window import MainWindow
from app.segment_table import Column
from app.shortcuts_dialog import ShortcutsDialog


def click_cell(qtbot, view, row: int, column: Column, double: bool = False) -> None:
    table = view.table
    rect = table.visualRect(table.table_model.index(row, column))
    (qtbot.mouseDClick if double else qtbot.mouseClick)(table.viewport(), Qt.MouseButton.LeftButton,
                                                        pos=rect.center())


def editing(view) -> bool:
    return view.table.state() == view.table.State.EditingState or isinstance(QApplication.focusWidget(), QLineEdit)


def test_plain_keys_never_open_an_editor(qtbot, window: MainWindow):
    view = window.view
    view.table.resize(1100, 300)
    segs = view.model.segments
    click_cell(qtbot, view, 1, Column.SOURCE)
    assert view.current_id == segs[1].id
    for key in (Qt.Key.Key_X, Qt.Key.Key_Q, Qt.Key.Key_9):  # no shortcut: once these opened the cell
        qtbot.keyClick(view.table, key)
        assert not editing(view)
    qtbot.keyClick(view.table, Qt.Key.Key_N)  # a shortcut still works, and types nothing
    assert view.current_id == segs[2].id
    assert [s.source_text for s in view.model.segments] == [s.source_text for s in segs]
    assert view.undo.count() == 0
    click_cell(qtbot, view, 1, Column.FIT, double=True)  # not editable: no editor
    assert not editing(view)


@pytest.mark.parametrize("how", ["F2", "Enter", "double-click", "E"])
def test_explicit_keys_open_the_editor(qtbot, window: MainWindow, how: str):
    view = window.view
    view.table.resize(1100, 300)
    click_cell(qtbot, view, 1, Column.TARGET)
    if how == "double-click":
        click_cell(qtbot, view, 1, Column.TARGET, double=True)
    else:
        key = {"F2": Qt.Key.Key_F2, "Enter": Qt.Key.Key_Return, "E": Qt.Key.Key_E}[how]
        qtbot.keyClick(view.table, key)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit), timeout=2000)
    editor = QApplication.focusWidget()
    assert editor.text() == view.model.segments[1].target_text
    editor.setText("Texto nuevo.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.segments[1].target_text == "Texto nuevo.", timeout=2000)


def test_loop_ends_with_stop_and_with_seek(qtbot, window: MainWindow):
    view = window.view
    seg = view.model.segments[2]
    view.set_current(seg.id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert view.player.loop is not None and view.player.playing
    qtbot.keyClick(view.table, Qt.Key.Key_K)  # stop
    assert view.player.loop is None and not view.player.playing
    qtbot.keyClick(view.table, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert view.player.loop is not None
    view.timeline.seek_requested.emit(2.0)  # a click on the timeline
    assert view.player.loop is None
    qtbot.waitUntil(lambda: view.player.position < 3.0, timeout=3000)
    view.player.pause()


def test_defaults_avoid_window_manager_chords_and_nudge_with_new_keys(qtbot, window: MainWindow):
    reserved = {QKeySequence(c) for c in WINDOW_MANAGER_CHORDS}
    used = {a.objectName(): a.shortcut() for a in window.commands if not a.shortcut().isEmpty()}
    assert not [name for name, key in used.items() if key in reserved]
    view = window.view
    seg = view.model.segments[4]  # the last one: room after it
    view.set_current(seg.id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # move later
    moved = view.model.segment(seg.id)
    assert moved.start == pytest.approx(seg.start + 0.05, abs=1e-3) and moved.end == pytest.approx(seg.end + 0.05, abs=1e-3)
    qtbot.keyClick(view.table, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert view.model.segment(seg.id).end == pytest.approx(seg.end, abs=1e-3)  # end earlier


def open_shortcuts_dialog(qtbot, window: MainWindow) -> ShortcutsDialog:
    window.commands["act_customise_shortcuts"].trigger()
    dialog = window.findChild(ShortcutsDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    return dialog


def test_customised_shortcut_is_used_and_remembered(qtbot, window: MainWindow, real_project):
    dialog = open_shortcuts_dialog(qtbot, window)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    dialog.editors["act_next"].setKeySequence(QKeySequence("P"))  # already "previous segment"
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "P is used by" in dialog.problem.text()
    dialog.editors["act_next"].setKeySequence(QKeySequence("Ctrl+Alt+Down"))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "window managers" in dialog.problem.text()
    dialog.editors["act_next"].setKeySequence(QKeySequence("Ctrl+Down"))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    view = window.view
    segs = view.model.segments
    view.set_current(segs[0].id)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert view.current_id == segs[1].id
    qtbot.keyClick(view.table, Qt.Key.Key_N)  # no longer bound
    assert view.current_id == segs[1].id
    again = MainWindow()  # a new session keeps the key
    qtbot.addWidget(again)
    assert again.commands["act_next"].shortcut() == QKeySequence("Ctrl+Down")
    dialog = open_shortcuts_dialog(qtbot, again)
    dialog.reset_to_defaults()
    dialog.accept()
    assert again.commands["act_next"].shortcut() == QKeySequence("N")
    third = MainWindow()
    qtbot.addWidget(third)
    assert third.commands["act_next"].shortcut() == QKeySequence("N")
