"""The main window's menus and shortcuts: every action, in menu order, bound to the window.

Single-letter keys drive the review loop; a text field being edited keeps its letters (Qt
gives a focused line edit the first claim on printable keys), so typing never triggers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from app.project_view import NUDGE_S
from engine.pipeline import STAGES, Stage

if TYPE_CHECKING:
    from app.main_window import MainWindow

# Stage actions in pipeline order; Ctrl+digit runs them (export has its own dialog).
STAGE_SHORTCUTS = {Stage.TRANSCRIBE: "Ctrl+1", Stage.TRANSLATE: "Ctrl+2", Stage.SPEAK: "Ctrl+3",
                   Stage.FIT: "Ctrl+4", Stage.TRACK: "Ctrl+5", Stage.TRAIN: "Ctrl+6",
                   Stage.LIPSYNC: "Ctrl+7", Stage.RENDER: "Ctrl+8"}


def build_menus(w: "MainWindow") -> None:
    bar = w.menuBar()
    m = bar.addMenu(w.tr("&File"))
    m.setObjectName("menu_file")
    w.act_new = w._action(m, w.tr("&New from video…"), w.new_from_video_dialog, QKeySequence.StandardKey.New, "act_new", False)
    w.act_open = w._action(m, w.tr("&Open project…"), w.open_project_dialog, QKeySequence.StandardKey.Open, "act_open", False)
    w.act_save = w._action(m, w.tr("&Save"), w.save, QKeySequence.StandardKey.Save, "act_save")
    w.act_export = w._action(m, w.tr("&Export…"), w.export_dialog, "Ctrl+E", "act_export")
    m.addSeparator()
    w._action(m, w.tr("&Quit"), w.close, QKeySequence.StandardKey.Quit, needs_project=False)

    m = bar.addMenu(w.tr("&Edit"))
    w.act_undo = w._action(m, w.tr("&Undo"), lambda: w.view and w.view.undo.undo(), QKeySequence.StandardKey.Undo, "act_undo")
    w.act_redo = w._action(m, w.tr("&Redo"), lambda: w.view and w.view.undo.redo(), QKeySequence.StandardKey.Redo, "act_redo")
    m.addSeparator()
    w._action(m, w.tr("Edit &translation"), lambda: w._v().begin_edit_target(), "E", "act_edit_target")
    w._action(m, w.tr("&Accept segment"), w.accept_and_next, "A", "act_accept")
    w._action(m, w.tr("&Split at playhead"), lambda: w._v().split_at_playhead(), "S", "act_split")
    w._action(m, w.tr("&Merge with next"), lambda: w._v().merge_with_next(), "M", "act_merge")
    w._action(m, w.tr("Set s&peaker…"), w.set_speaker_dialog, "Ctrl+P", "act_speaker")
    t = m.addMenu(w.tr("Timing (keyboard drags)"))
    for text, edge, delta, key in (
            (w.tr("Start earlier"), "start", -NUDGE_S, "Alt+Left"), (w.tr("Start later"), "start", NUDGE_S, "Alt+Right"),
            (w.tr("End earlier"), "end", -NUDGE_S, "Alt+Shift+Left"), (w.tr("End later"), "end", NUDGE_S, "Alt+Shift+Right"),
            (w.tr("Move segment earlier"), "body", -NUDGE_S, "Ctrl+Alt+Left"),
            (w.tr("Move segment later"), "body", NUDGE_S, "Ctrl+Alt+Right")):
        w._action(t, text, lambda e=edge, d=delta: w._v().nudge(e, d), key)
    w._action(t, w.tr("Start at playhead"), lambda: w._v().edge_to_playhead("start"), "[")
    w._action(t, w.tr("End at playhead"), lambda: w._v().edge_to_playhead("end"), "]")

    m = bar.addMenu(w.tr("&Play"))
    w._action(m, w.tr("Play / pause"), lambda: w._v().player.toggle_play(), "Space", "act_play")
    w._action(m, w.tr("Loop segment (with pre/post-roll)"), w.loop_current, "Shift+Space", "act_loop")
    w._action(m, w.tr("A/B: original ↔ dub"), lambda: w._v().player.toggle_mode(), "B", "act_ab")
    w._action(m, w.tr("Play dubbed take alone"), w.play_take, "T", "act_take")
    m.addSeparator()
    w._action(m, w.tr("Shuttle back (J)"), lambda: w._v().player.shuttle_reverse(), "J")
    w._action(m, w.tr("Stop (K)"), lambda: w._v().player.pause(), "K")
    w._action(m, w.tr("Shuttle forward (L)"), lambda: w._v().player.shuttle_forward(), "L")
    m.addSeparator()
    w._action(m, w.tr("Next segment"), lambda: w._v().step(1), "N", "act_next")
    w._action(m, w.tr("Previous segment"), lambda: w._v().step(-1), "P", "act_prev")

    m = bar.addMenu(w.tr("&Run"))
    w.stage_actions: dict[Stage, QAction] = {}
    for spec in STAGES:
        if spec.stage in STAGE_SHORTCUTS:
            w.stage_actions[spec.stage] = w._action(
                m, w.tr(spec.title), lambda s=spec.stage: w.run_stage(s), STAGE_SHORTCUTS[spec.stage],
                f"act_stage_{spec.stage.value}")
    m.addSeparator()
    w._action(m, w.tr("&Regenerate segment (speak + fit)"), w.regenerate_selected, "R", "act_regenerate")
    w._action(m, w.tr("Re-&fit segment"), lambda: w.regenerate_selected(("fit",)), "Shift+F", "act_refit")
    w._action(m, w.tr("Re-&lipsync segment"), lambda: w.regenerate_selected(("lipsync",)), "Shift+Y", "act_relipsync")
    w._action(m, w.tr("Regenerate all &stale"), w.regenerate_stale, "Shift+R", "act_regenerate_stale")
    w._action(m, w.tr("&Cancel job"), w.jobs_panel.cancel_current, "Ctrl+.", "act_cancel_job", False)

    m = bar.addMenu(w.tr("&View"))
    w._action(m, w.tr("Zoom in"), lambda: w._v().timeline.zoom(0.5), QKeySequence.StandardKey.ZoomIn, "act_zoom_in")
    w._action(m, w.tr("Zoom out"), lambda: w._v().timeline.zoom(2.0), QKeySequence.StandardKey.ZoomOut, "act_zoom_out")
    w._action(m, w.tr("Whole lecture"), lambda: w._v().timeline.show_span(0, w._v().model.duration), "Ctrl+0")
    w._action(m, w.tr("Scroll back"), lambda: w._v().timeline.scroll(-0.5), "Alt+PgUp")
    w._action(m, w.tr("Scroll forward"), lambda: w._v().timeline.scroll(0.5), "Alt+PgDown")
    m.addSeparator()
    for dock in (w.jobs_dock, w.history_dock, w.speakers_dock, w.pipeline_dock):
        m.addAction(dock.toggleViewAction())

    m = bar.addMenu(w.tr("&Help"))
    w._action(m, w.tr("&Keyboard shortcuts"), w.show_shortcuts, "F1", "act_shortcuts", False)
