"""The keyboard-driven review loop and playback, on the real window and a real project."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.main_window import MainWindow
from app.player import AudioMode
from engine.jobs.events import JobState
from engine.project.model import SegmentFlag


def key(qtbot, win, k, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(win.view.table, k, mod)


def test_review_loop_by_keyboard(qtbot, window: MainWindow):
    view = window.view
    view.table.setFocus()
    segs = view.model.segments
    assert view.current_id == segs[0].id
    key(qtbot, window, Qt.Key.Key_N)  # next segment
    assert view.current_id == segs[1].id
    assert view.player.position == pytest.approx(segs[1].start, abs=0.05)
    key(qtbot, window, Qt.Key.Key_B)  # A/B → dub
    assert view.player.mode is AudioMode.DUB and view.player.audio_out.isMuted()
    key(qtbot, window, Qt.Key.Key_E)  # edit the translation in place
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "bastante dificil hacer un robot que corte el pelo")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.undo.count() == 1, timeout=2000)  # the delegate commits on a queued call
    seg = view.model.segment(segs[1].id)
    assert seg.target_text == "bastante dificil hacer un robot que corte el pelo" and seg.is_stale
    key(qtbot, window, Qt.Key.Key_R)  # regenerate this segment
    job = next(j for j in window.jobs.jobs.values() if j.name == "regenerate")
    qtbot.waitUntil(lambda: job.state.finished, timeout=60_000)
    assert job.state is JobState.DONE, job.error
    assert not view.model.segment(segs[1].id).is_stale
    key(qtbot, window, Qt.Key.Key_T)  # hear the new take alone
    assert view.player.dub.source().toLocalFile().endswith(".wav")
    key(qtbot, window, Qt.Key.Key_A)  # accept → next
    assert SegmentFlag.ACCEPTED in view.model.segment(segs[1].id).flags
    assert view.current_id == segs[2].id
    key(qtbot, window, Qt.Key.Key_P)
    assert view.current_id == segs[1].id
    assert "accepted" in view.table.table_model.data(view.table.table_model.index(1, 7))
    key(qtbot, window, Qt.Key.Key_B)
    assert view.player.mode is AudioMode.ORIGINAL and not view.player.audio_out.isMuted()


def test_loop_with_preroll_wraps(qtbot, window: MainWindow):
    view = window.view
    seg = view.model.segments[2]  # 10.84 – 13.76
    view.set_current(seg.id)
    key(qtbot, window, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert view.player.loop == pytest.approx((seg.start - 0.5, seg.end + 0.5))
    seen: list[float] = []
    view.player.position_changed.connect(seen.append)
    qtbot.waitUntil(lambda: any(t > seg.end for t in seen) and seen[-1] < seg.start, timeout=15_000)
    assert max(seen) < seg.end + 0.5 + 0.3  # wrapped at the post-roll, not played on
    key(qtbot, window, Qt.Key.Key_Space)  # pause
    qtbot.waitUntil(lambda: not view.player.playing, timeout=2000)


def test_shuttle_and_timeline_keys(qtbot, window: MainWindow):
    view = window.view
    tl = view.timeline
    (x0, x1), _ = tl.getPlotItem().getViewBox().viewRange()
    view.player.seek(12.0)
    tl.set_playhead(12.0)
    qtbot.keyClick(view.table, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    (y0, y1), _ = tl.getPlotItem().getViewBox().viewRange()
    assert (y1 - y0) == pytest.approx((x1 - x0) / 2, rel=0.05)
    qtbot.keyClick(view.table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.AltModifier)
    (z0, _z1), _ = tl.getPlotItem().getViewBox().viewRange()
    assert z0 > y0
    key(qtbot, window, Qt.Key.Key_L)
    assert view.player.playing and view.player.video.playbackRate() == 1.0
    key(qtbot, window, Qt.Key.Key_L)
    assert view.player.video.playbackRate() == 2.0
    key(qtbot, window, Qt.Key.Key_K)
    assert not view.player.playing
    view.player.seek(12.0)
    key(qtbot, window, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: view.player.position < 11.8, timeout=3000)
    key(qtbot, window, Qt.Key.Key_K)


def test_every_drag_has_a_keyboard_equivalent_and_names(window: MainWindow):
    shortcuts = dict((t, k) for k, t in window.commands.shortcut_table())
    for action in ("Start earlier", "Start later", "End earlier", "End later", "Move segment earlier",
                   "Move segment later", "Start at playhead", "End at playhead", "Split at playhead",
                   "Merge with next", "Zoom in", "Zoom out", "Scroll back", "Scroll forward"):
        assert shortcuts.get(action), action
    stages = [a for a in window.actions() if a.objectName().startswith("act_stage_")]
    assert {a.objectName()[10:] for a in stages} == {"transcribe", "translate", "speak", "fit", "track", "train",
                                                    "lipsync", "render"}
    assert all(not a.shortcut().isEmpty() for a in stages)
    view = window.view
    for widget in (view.timeline, view.table, view.frame, view.transport, window.jobs_panel, window.history):
        assert widget.accessibleName(), widget
