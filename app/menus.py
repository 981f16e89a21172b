"""The main window's menus and shortcuts: every action, in menu order, by name.

The builder sees the window only through ``Studio``, the small public surface a menu needs
(commands, and the open project's view), and registers each action in an ``ActionRegistry``;
it never imports the window. Single-letter keys drive the review loop; a text field being
edited keeps its letters (Qt gives a focused line edit the first claim on printable keys), so
typing never triggers them. No default uses Ctrl+Alt+arrows or Shift+Alt+arrows: desktops
bind those to switching workspaces and moving windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenuBar

from app.actions import ActionRegistry
from app.project_view import NUDGE_S, ProjectView
from engine.pipeline import STAGES, Stage

# Stage actions in pipeline order; Ctrl+digit runs them (export has its own dialog).
STAGE_SHORTCUTS = {Stage.TRANSCRIBE: "Ctrl+1", Stage.TRANSLATE: "Ctrl+2", Stage.SPEAK: "Ctrl+3",
                   Stage.FIT: "Ctrl+4", Stage.TRACK: "Ctrl+5", Stage.TRAIN: "Ctrl+6",
                   Stage.LIPSYNC: "Ctrl+7", Stage.RENDER: "Ctrl+8"}

class Studio(Protocol):
    """What the menus may ask of the window."""

    def current_view(self) -> ProjectView: ...
    def new_from_video_dialog(self) -> None: ...
    def open_project_dialog(self) -> None: ...
    def save(self) -> bool: ...
    def export_dialog(self) -> None: ...
    def close(self) -> bool: ...
    def run_stage(self, stage: Stage) -> object: ...
    def regenerate_selected(self, steps: tuple[str, ...] | None = None) -> object: ...
    def regenerate_stale(self) -> object: ...
    def cancel_current_job(self) -> None: ...
    def show_shortcuts(self) -> None: ...
    def customise_shortcuts(self) -> None: ...
    def show_about(self) -> None: ...
    def fill_recent_menu(self) -> None: ...


def _tr(text: str) -> str:
    return QCoreApplication.translate("Menus", text)


def build_menus(bar: QMenuBar, actions: ActionRegistry, studio: Studio, docks: Sequence[QDockWidget]) -> None:
    def view() -> ProjectView:
        return studio.current_view()

    add = actions.add
    m = bar.addMenu(_tr("&File"))
    m.setObjectName("menu_file")
    add(m, "act_new", _tr("&New from video…"), studio.new_from_video_dialog, QKeySequence.StandardKey.New, False)
    add(m, "act_open", _tr("&Open project…"), studio.open_project_dialog, QKeySequence.StandardKey.Open, False)
    recent = m.addMenu(_tr("Open &recent"))
    recent.setObjectName("menu_recent")
    recent.aboutToShow.connect(studio.fill_recent_menu)
    add(m, "act_save", _tr("&Save"), studio.save, QKeySequence.StandardKey.Save)
    add(m, "act_export", _tr("&Export…"), studio.export_dialog, "Ctrl+E")
    m.addSeparator()
    add(m, "act_quit", _tr("&Quit"), studio.close, QKeySequence.StandardKey.Quit, False)

    m = bar.addMenu(_tr("&Edit"))
    add(m, "act_undo", _tr("&Undo"), lambda: view().undo.undo(), QKeySequence.StandardKey.Undo)
    add(m, "act_redo", _tr("&Redo"), lambda: view().undo.redo(), QKeySequence.StandardKey.Redo)
    m.addSeparator()
    add(m, "act_edit_target", _tr("Edit &translation"), lambda: view().begin_edit_target(), "E")
    add(m, "act_accept", _tr("&Accept segment"), lambda: view().accept_and_next(), "A")
    add(m, "act_split", _tr("&Split at playhead"), lambda: view().split_at_playhead(), "S")
    add(m, "act_merge", _tr("&Merge with next"), lambda: view().merge_with_next(), "M")
    add(m, "act_speaker", _tr("Set s&peaker…"), lambda: view().set_speaker_dialog(), "Ctrl+P")
    t = m.addMenu(_tr("Timing (keyboard drags)"))
    for name, text, edge, delta, key in (
            ("act_start_earlier", _tr("Start earlier"), "start", -NUDGE_S, "Alt+Left"),
            ("act_start_later", _tr("Start later"), "start", NUDGE_S, "Alt+Right"),
            ("act_end_earlier", _tr("End earlier"), "end", -NUDGE_S, "Ctrl+Shift+Left"),
            ("act_end_later", _tr("End later"), "end", NUDGE_S, "Ctrl+Shift+Right"),
            ("act_move_earlier", _tr("Move segment earlier"), "body", -NUDGE_S, "Ctrl+Left"),
            ("act_move_later", _tr("Move segment later"), "body", NUDGE_S, "Ctrl+Right")):
        add(t, name, text, lambda e=edge, d=delta: view().nudge(e, d), key)
    add(t, "act_start_at_playhead", _tr("Start at playhead"), lambda: view().edge_to_playhead("start"), "[")
    add(t, "act_end_at_playhead", _tr("End at playhead"), lambda: view().edge_to_playhead("end"), "]")
    m.addSeparator()
    add(m, "act_customise_shortcuts", _tr("Customise s&hortcuts…"), studio.customise_shortcuts, None, False)

    m = bar.addMenu(_tr("&Play"))
    add(m, "act_play", _tr("Play / pause"), lambda: view().player.toggle_play(), "Space")
    add(m, "act_loop", _tr("Loop segment (with pre/post-roll)"), lambda: view().loop_current(), "Shift+Space")
    add(m, "act_ab", _tr("A/B: original ↔ dub"), lambda: view().player.toggle_mode(), "B")
    add(m, "act_take", _tr("Play dubbed take alone"), lambda: view().play_take(), "T")
    m.addSeparator()
    add(m, "act_shuttle_back", _tr("Shuttle back (J)"), lambda: view().player.shuttle_reverse(), "J")
    add(m, "act_stop", _tr("Stop (K)"), lambda: view().player.pause(), "K")
    add(m, "act_shuttle_forward", _tr("Shuttle forward (L)"), lambda: view().player.shuttle_forward(), "L")
    m.addSeparator()
    add(m, "act_next", _tr("Next segment"), lambda: view().step(1), "N")
    add(m, "act_prev", _tr("Previous segment"), lambda: view().step(-1), "P")

    m = bar.addMenu(_tr("&Run"))
    for spec in STAGES:
        if spec.stage in STAGE_SHORTCUTS:
            add(m, f"act_stage_{spec.stage.value}", _tr(spec.title), lambda s=spec.stage: studio.run_stage(s),
                STAGE_SHORTCUTS[spec.stage])
    m.addSeparator()
    add(m, "act_regenerate", _tr("&Regenerate segment (speak + fit)"), studio.regenerate_selected, "R")
    add(m, "act_refit", _tr("Re-&fit segment"), lambda: studio.regenerate_selected(("fit",)), "Shift+F")
    add(m, "act_relipsync", _tr("Re-&lipsync segment"), lambda: studio.regenerate_selected(("lipsync",)), "Shift+Y")
    add(m, "act_regenerate_stale", _tr("Regenerate all &stale"), studio.regenerate_stale, "Shift+R")
    add(m, "act_cancel_job", _tr("&Cancel job"), studio.cancel_current_job, "Ctrl+.", False)

    m = bar.addMenu(_tr("&View"))
    add(m, "act_zoom_in", _tr("Zoom in"), lambda: view().timeline.zoom(0.5), QKeySequence.StandardKey.ZoomIn)
    add(m, "act_zoom_out", _tr("Zoom out"), lambda: view().timeline.zoom(2.0), QKeySequence.StandardKey.ZoomOut)
    add(m, "act_whole", _tr("Whole lecture"), lambda: view().timeline.show_span(0, view().model.duration), "Ctrl+0")
    add(m, "act_scroll_back", _tr("Scroll back"), lambda: view().timeline.scroll(-0.5), "Alt+PgUp")
    add(m, "act_scroll_forward", _tr("Scroll forward"), lambda: view().timeline.scroll(0.5), "Alt+PgDown")
    m.addSeparator()
    for dock in docks:
        m.addAction(dock.toggleViewAction())

    m = bar.addMenu(_tr("&Help"))
    add(m, "act_shortcuts", _tr("&Keyboard shortcuts"), studio.show_shortcuts, "F1", False)
    add(m, "act_about", _tr("&About avdub"), studio.show_about, None, False)
