"""The studio's acceptance flows, driving the real main window offscreen on a real project."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.main_window import MainWindow
from app.segment_table import Column
from engine.jobs.events import JobState
from engine.project.store import load_project

JOB_TIMEOUT_MS = 60_000  # a worker process starts in ~1 s; espeak-ng takes ~0.1 s per take


def wait_job(qtbot, win: MainWindow, job) -> None:
    qtbot.waitUntil(lambda: win.jobs.jobs[job.id].state.finished, timeout=JOB_TIMEOUT_MS)


def test_edit_translation_makes_take_stale_then_regenerate(qtbot, window: MainWindow):
    view = window.view
    table = view.table
    seg = view.model.segments[2]
    assert not seg.is_stale and seg.current_take.fit_ratio is not None
    # edit in place through the table's model, as the delegate does
    index = table.table_model.index(2, Column.TARGET)
    assert table.table_model.setData(index, "Fue antes de la pandemia y lo dije en el escenario.")
    seg = view.model.segment(seg.id)
    assert seg.is_stale and seg.revision == 2
    assert "stale" in table.table_model.data(table.table_model.index(2, Column.BADGES))
    old_take = seg.current_take_id
    view.set_current(seg.id)
    job = window.regenerate_selected()
    wait_job(qtbot, window, job)
    assert job.state is JobState.DONE, job.error
    seg = view.model.segment(seg.id)
    assert not seg.is_stale and seg.current_take_id != old_take and len(seg.takes) == 2
    take = seg.current_take
    assert take.made_from_revision == 2 and take.engine == "espeak-ng"
    assert (view.model.folder.resolve(take.audio_path)).stat().st_size > 1000
    assert table.table_model.data(table.table_model.index(2, Column.FIT)) == f"{take.fit_ratio:.2f}"
    assert "stale" not in table.table_model.data(table.table_model.index(2, Column.BADGES))
    # undo removes the regeneration, then the edit
    view.undo.undo()
    assert view.model.segment(seg.id).is_stale
    view.undo.undo()
    assert not view.model.segment(seg.id).is_stale and view.model.segment(seg.id).revision == 1


def drag(qtbot, win: MainWindow, x0: float, x1: float, lane_y: float) -> None:
    """Drag with the real mouse over the timeline widget, from time x0 to x1 in the given lane."""
    tl = win.view.timeline
    vb = tl.getPlotItem().getViewBox()

    def widget_point(t: float):
        scene = vb.mapViewToScene(QPointF(t, lane_y))
        return tl.mapFromScene(scene)

    a, b = widget_point(x0), widget_point(x1)
    vp = tl.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=a)
    steps = 6
    for i in range(1, steps + 1):
        p = a + (b - a) * (i / steps)
        qtbot.mouseMove(vp, p)
        qtbot.wait(15)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=b)


def test_drag_edge_then_undo_redo(qtbot, window: MainWindow):
    view = window.view
    tl = view.timeline
    tl.resize(1200, 300)
    tl.setXRange(9.0, 15.0, padding=0)
    qtbot.wait(50)
    seg = view.model.segments[2]  # 10.84 – 13.76
    before = view.model.undo_count = view.undo.count()
    drag(qtbot, window, seg.end, seg.end - 0.8, 1.4)
    moved = view.model.segment(seg.id)
    assert moved.start == seg.start and moved.end < seg.end - 0.3, (moved, seg)
    assert view.undo.count() == before + 1  # the whole drag is one command
    view.undo.undo()
    assert view.model.segment(seg.id).end == seg.end
    view.undo.redo()
    assert view.model.segment(seg.id).end == moved.end
    # a body drag is neighbour-aware: it cannot cross the previous segment
    drag(qtbot, window, (seg.start + moved.end) / 2, (seg.start + moved.end) / 2 - 3.0, 1.4)
    assert view.model.segment(seg.id).start == pytest.approx(view.model.segments[1].end, abs=1e-3)


def test_keyboard_nudges_merge_and_undo(qtbot, window: MainWindow):
    view = window.view
    seg = view.model.segments[1]
    view.set_current(seg.id)
    view.table.setFocus()
    n = view.undo.count()
    for _ in range(3):
        qtbot.keyClick(view.table, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert view.model.segment(seg.id).start == pytest.approx(seg.start + 0.15, abs=1e-3)
    assert view.undo.count() == n + 1
    view.undo.undo()
    assert view.model.segment(seg.id).start == seg.start


def test_split_and_merge(qtbot, window: MainWindow):
    view = window.view
    seg = view.model.segments[1]
    view.timeline.set_playhead(7.5)
    assert view.split_at_playhead()
    assert len(view.model.segments) == 6
    left, right = view.model.segments[1], view.model.segments[2]
    assert left.end == right.start == 7.5 and left.target_text and right.target_text
    view.set_current(left.id)
    assert view.merge_with_next()
    assert len(view.model.segments) == 5 and view.model.segments[1].end == seg.end
    view.undo.undo()
    view.undo.undo()
    assert view.model.segments[1] == seg


def answer_recovery(button: QMessageBox.StandardButton, seen: list) -> None:
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox) and box.objectName() == "recovery_prompt":
        seen.append(box.text())
        box.button(button).click()
    else:
        QTimer.singleShot(50, lambda: answer_recovery(button, seen))


def test_autosave_crash_recovery(qtbot, real_project: Path):
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.open_project(real_project)
    seg_id = win.view.model.segments[0].id
    win.view.edit_target(seg_id, "Texto recuperado tras un fallo.")
    sidecar = win.view.model.folder.autosave_file
    qtbot.waitUntil(sidecar.is_file, timeout=5000)
    # Simulated crash: the window goes away without saving or closing; project.json is old.
    _, on_disk = load_project(real_project)
    assert on_disk.segment(seg_id).target_text != "Texto recuperado tras un fallo."
    win.jobs.wait_all(10)
    win.view.autosaver.timer.stop()
    win.hide()
    win2 = MainWindow()
    qtbot.addWidget(win2)
    seen: list[str] = []
    QTimer.singleShot(0, lambda: answer_recovery(QMessageBox.StandardButton.Yes, seen))
    assert win2.open_project(real_project)
    assert seen, "the recovery prompt was not shown"
    seg = win2.view.model.segment(seg_id)
    assert seg.target_text == "Texto recuperado tras un fallo." and seg.is_stale
    assert win2.isWindowModified() or win2.view.autosaver.dirty
    assert win2.save()
    assert not sidecar.exists()
    assert load_project(real_project)[1].segment(seg_id).target_text == "Texto recuperado tras un fallo."
    win2.jobs.wait_all(10)


def test_cancel_running_job_leaves_project_unchanged(qtbot, window: MainWindow):
    view = window.view
    before = view.model.segments
    first_progress = threading.Event()
    job = window.regenerate([s.id for s in before])
    window.jobs.job_progress.connect(lambda jid: jid == job.id and first_progress.set())
    qtbot.waitUntil(first_progress.is_set, timeout=JOB_TIMEOUT_MS)
    assert window.jobs_panel.cancel_button.isEnabled()
    window.jobs_panel.list.setCurrentRow(0)
    window.jobs_panel.cancel_current()
    wait_job(qtbot, window, job)
    assert job.state is JobState.CANCELLED
    assert view.model.segments == before
    assert any("cancel" in line for line in job.log)
    # still usable: an edit and a new job work
    view.edit_target(before[0].id, "Sigue funcionando.")
    assert view.model.segment(before[0].id).is_stale
    job2 = window.regenerate([before[0].id])
    wait_job(qtbot, window, job2)
    assert job2.state is JobState.DONE and not view.model.segment(before[0].id).is_stale


def test_failing_stage_fails_cleanly(qtbot, window: MainWindow):
    from engine.pipeline import Stage

    view = window.view
    before = view.model.segments
    job = window.run_stage(Stage.RENDER)  # this project has no face tracks: render must refuse
    wait_job(qtbot, window, job)
    assert job.state is JobState.FAILED
    assert "face tracks are missing" in job.error and "track" in job.error
    assert window.last_error == job.error
    assert any("face tracks are missing" in line for line in job.log)
    assert "face tracks are missing" in (view.model.folder.backups_dir / "jobs.log").read_text()
    assert view.model.segments == before
    assert not (view.model.folder.exports_dir / "dubbed.mp4").exists()
    view.edit_target(before[1].id, "Todavía editable.")
    assert view.model.segment(before[1].id).target_text == "Todavía editable."


def test_export_subtitles_and_missing_video(qtbot, window: MainWindow):
    from app.export_dialog import ExportRequest

    exports = window.view.model.folder.exports_dir
    job = window.export(ExportRequest(video=True, subtitles=("srt",), subtitle_text="target"))
    wait_job(qtbot, window, job)
    assert job.state is JobState.FAILED and "no rendered video" in job.error
    assert not exports.exists() or not any(exports.iterdir())  # nothing half-exported

    job = window.export(ExportRequest(video=False, subtitles=("srt", "vtt"), subtitle_text="bilingual", stems=False))
    wait_job(qtbot, window, job)
    assert job.state is JobState.DONE, job.error
    written = sorted(p.name for p in exports.iterdir())
    assert [n.rsplit(".", 2)[1:] for n in written] == [["bilingual", "srt"], ["bilingual", "vtt"]]
    seg = window.view.model.segments[0]
    text = (exports / written[0]).read_text(encoding="utf-8")
    assert seg.source_text.split()[0] in text and seg.target_text.split()[0] in text


def test_speaker_voice_persists(qtbot, window: MainWindow, real_project: Path):
    import dataclasses

    view = window.view
    spk = view.model.project.speakers[0]
    new = dataclasses.replace(spk, voice=dataclasses.replace(spk.voice, voice="es+f3"))
    view.push_speakers((new,), "voice")
    assert window.save()
    doc = json.loads((real_project / "project.json").read_text())
    assert doc["project"]["speakers"][0]["voice"]["voice"] == "es+f3"


def test_engine_regenerate_respeaks_and_refits_one_segment(qtbot, window: MainWindow):
    from engine.regenerate import regenerate_segments

    from app.player import AudioMode
    from engine.pipeline import Stage

    window.regenerate_function = regenerate_segments  # the engine's own speak and fit hooks
    view = window.view
    fit = window.run_stage(Stage.FIT)  # an assembled dub track holding the current takes
    wait_job(qtbot, window, fit)
    assert fit.state is JobState.DONE and view.model.project.dub_track, fit.error
    fitted_track = view.model.project.dub_track
    seg, other = view.model.segments[0], view.model.segments[1]
    assert view.player._track_has(seg) and view.player._track_has(other)
    view.edit_target(seg.id, "Una frase nueva.")
    assert view.model.segment(seg.id).is_stale
    job = window.regenerate([seg.id])
    wait_job(qtbot, window, job)
    assert job.state is JobState.DONE, job.error
    new = view.model.segment(seg.id)
    assert not new.is_stale and new.current_take.id != seg.current_take.id
    assert new.current_take.fit_ratio is not None and new.current_take.fit_ratio > 0
    assert view.model.segment(other.id) == other
    # The re-fit reassembled the dub track with the new take: the dub (B) plays the track there.
    track = view.model.project.dub_track
    assert track != fitted_track and view.player._track_has(new)
    assert view.model.project.settings["speech"]["placements"][seg.id]["take"] == new.current_take.id
    view.player.set_mode(AudioMode.DUB)
    view.player.seek(new.slot[0] + 0.2)
    view.player.play()
    qtbot.waitUntil(lambda: view.player._dub_take == "track", timeout=5000)
    view.player.pause()
    # A take made without a re-fit (espeak-ng directly) is not in the track yet: B plays it alone.
    from tests.gui.espeak_jobs import regenerate_with_espeak

    window.regenerate_function = regenerate_with_espeak
    view.edit_target(seg.id, "Otra frase más.")
    job = window.regenerate([seg.id])
    wait_job(qtbot, window, job)
    assert job.state is JobState.DONE, job.error
    newer = view.model.segment(seg.id)
    assert view.model.project.dub_track == track
    assert not view.player._track_has(newer) and view.player._track_has(view.model.segment(other.id))
    view.player.seek(newer.slot[0] + 0.2)
    view.player.play()
    qtbot.waitUntil(lambda: view.player._dub_take == newer.current_take.id, timeout=5000)
    view.player.seek(other.slot[0] + 0.2)
    qtbot.waitUntil(lambda: view.player._dub_take == "track", timeout=5000)
    view.player.pause()


def test_shared_edge_follows_drag_direction_and_click_seeks(qtbot, window: MainWindow):
    view = window.view
    tl = view.timeline
    tl.resize(1200, 300)
    tl.setXRange(9.0, 15.0, padding=0)
    qtbot.wait(50)
    left, right = view.model.segments[2], view.model.segments[3]  # they touch at 13.76
    drag(qtbot, window, right.start, right.start + 0.6, 1.4)
    assert view.model.segment(right.id).start > right.start + 0.3  # rightwards: the right one's start
    assert view.model.segment(left.id).end == left.end
    seen: list[float] = []
    tl.seek_requested.connect(seen.append)
    tl.setXRange(9.0, 15.0, padding=0)  # selecting the dragged segment scrolled it into view
    qtbot.wait(50)
    vb = tl.getPlotItem().getViewBox()
    qtbot.mouseClick(tl.viewport(), Qt.MouseButton.LeftButton, pos=tl.mapFromScene(vb.mapViewToScene(QPointF(10.0, 3.4))))
    assert seen and seen[-1] == pytest.approx(10.0, abs=0.05)
    assert tl.playhead_time() == pytest.approx(10.0, abs=0.05)


def test_regenerate_all_stale(qtbot, window: MainWindow):
    view = window.view
    a, b = view.model.segments[0].id, view.model.segments[4].id
    view.edit_target(a, "Mi mejor ejemplo fue la peluquería.")
    view.edit_target(b, "de pie y señaló mi cabeza.")
    assert {s.id for s in view.model.project.stale_segments()} == {a, b}
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    job = next(j for j in window.jobs.jobs.values() if j.name == "regenerate")
    wait_job(qtbot, window, job)
    assert job.state is JobState.DONE, job.error
    assert view.model.project.stale_segments() == []
    assert view.undo.undoText() == "Regenerate 2 segment(s)"


def test_pipeline_panel_shows_the_disk_use_of_the_project(qtbot, window: MainWindow):
    from engine.project.disk import disk_use

    panel = window.pipeline_dock.widget()
    qtbot.waitUntil(lambda: " free" in panel.disk_label.text(), timeout=10_000)
    use = disk_use(window.view.model.folder)
    assert panel.disk_label.text().startswith("On disk: ")
    tip = panel.disk_label.toolTip()
    assert all(f"cache/{name}:" in tip for name in use.cache_bytes) or tip == "The cache is empty."
