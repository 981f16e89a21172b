"""Re-dubbing one segment from the studio: R, Shift+Y and a render redo only that segment's work.

The real window on a fully dubbed small project (:mod:`tests.gui.dubbed_project`: every stage
run, 4 lip-sync chunks, 7 render pieces), with the engine's own regeneration. After an edit,
R must reassemble the dub track with the new take and show lip-sync and render stale; Shift+Y
must generate only the chunks that hear the edited segment's placement; the render then encodes
only the pieces those chunks show.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.main_window import MainWindow
from engine.faces.chunks import BUFFER_FRAMES
from engine.faces.store import load_track
from engine.jobs.events import JobState
from engine.pipeline import Stage
from tests.conftest import face_models_registry, media_file
from tests.gui.dubbed_project import CLIP, build_dubbed, copy_dubbed

JOB_TIMEOUT_MS = 120_000  # lip-sync on the cpu preset: a few seconds a chunk on this machine
MEL_REACH_S = 0.15  # a frame hears its 24 mel frames (240 ms) centred on it, plus the STFT window
EDITED, NEW_TEXT = "seg-b", "Muy bien, gracias."


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_dubbed(tmp_path_factory.mktemp("dubbed") / "p", media_file(CLIP), face_models_registry())


@pytest.fixture
def window(qtbot, template: Path, tmp_path: Path):
    copy_dubbed(template, tmp_path / "p", media_file(CLIP))
    win = MainWindow()  # the engine's regeneration (speak, fit, lipsync hooks)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(tmp_path / "p")
    win.activateWindow()
    yield win
    win.view.player.pause()
    win.jobs.wait_all(10)


def press(qtbot, win: MainWindow, k, mod=Qt.KeyboardModifier.NoModifier):
    """A key on the segment table, and the job it started (finished, successfully)."""
    before = set(win.jobs.jobs)
    qtbot.keyClick(win.view.table, k, mod)
    (job_id,) = set(win.jobs.jobs) - before
    qtbot.waitUntil(lambda: win.jobs.jobs[job_id].state.finished, timeout=JOB_TIMEOUT_MS)
    job = win.jobs.jobs[job_id]
    assert job.state is JobState.DONE, job.error
    return job


def chunk_files(win: MainWindow) -> dict[tuple[int, int], str]:
    (chunks,) = win.view.model.project.settings["lipsync"]["chunks"].values()
    return {(c["start"], c["end"]): c["file"] for c in chunks}


@pytest.mark.slow
def test_redub_one_segment_reaches_the_lips(qtbot, window: MainWindow):
    view = window.view
    panel = window.pipeline_dock.widget()
    status = lambda stage: panel.status_of(stage)  # noqa: E731
    assert all(status(s) == "done" for s in (Stage.SPEAK, Stage.FIT, Stage.LIPSYNC, Stage.RENDER))
    old_seg, old_track, old_chunks = view.model.segment(EDITED), view.model.project.dub_track, chunk_files(window)
    old_window = view.model.project.settings["speech"]["placements"][EDITED]["window"]

    view.set_current(EDITED)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_E)  # edit the translation in place
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, NEW_TEXT)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.segment(EDITED).target_text == NEW_TEXT, timeout=2000)
    qtbot.waitUntil(lambda: status(Stage.SPEAK) == "stale", timeout=5000)

    press(qtbot, window, Qt.Key.Key_R)  # re-speak and re-fit: the dub track now holds the new take
    seg = view.model.segment(EDITED)
    assert not seg.is_stale and seg.current_take_id != old_seg.current_take_id
    assert view.model.project.dub_track != old_track and view.player._track_has(seg)
    assert view.model.project.settings["speech"]["placements"][EDITED]["take"] == seg.current_take_id
    qtbot.waitUntil(lambda: status(Stage.LIPSYNC) == "stale", timeout=5000)  # the mouths hear the old take
    assert [status(s) for s in (Stage.SPEAK, Stage.FIT, Stage.TRACK, Stage.TRAIN, Stage.RENDER)] == \
        ["done", "done", "done", "done", "stale"]

    press(qtbot, window, Qt.Key.Key_Y, Qt.KeyboardModifier.ShiftModifier)  # re-lipsync
    last = view.model.project.settings["lipsync"]["last_run"]
    new_chunks = chunk_files(window)
    redone = {span for span, file in new_chunks.items() if old_chunks[span] != file}
    assert set(new_chunks) == set(old_chunks) and last["generated"] == len(redone) > 0
    assert last["reused"] == len(new_chunks) - len(redone) > 0
    # Only chunks that hear the edited segment's placement (old or new) were generated again.
    new_window = view.model.project.settings["speech"]["placements"][EDITED]["window"]
    lo, hi = min(old_window[0], new_window[0]), max(old_window[1], new_window[1])
    (track,) = view.model.project.face_tracks
    times = load_track(view.model.folder, track).times
    first, last_row = track.start_frame, len(times) - 1

    def hears_edit(span: tuple[int, int]) -> bool:
        t0 = float(times[max(span[0] - BUFFER_FRAMES - first, 0)]) - MEL_REACH_S
        t1 = float(times[min(span[1] - 1 + BUFFER_FRAMES - first, last_row)]) + MEL_REACH_S
        return t0 <= hi and lo <= t1

    assert all(hears_edit(span) for span in redone)
    qtbot.waitUntil(lambda: status(Stage.LIPSYNC) == "done", timeout=5000)
    assert status(Stage.RENDER) == "stale"

    job = window.run_stage(Stage.RENDER)  # as the Pipeline dock starts it
    qtbot.waitUntil(lambda: window.jobs.jobs[job.id].state.finished, timeout=JOB_TIMEOUT_MS)
    assert window.jobs.jobs[job.id].state is JobState.DONE, window.jobs.jobs[job.id].error
    render = view.model.project.settings["render"]["last_run"]
    assert 0 < render["encoded"] < render["pieces"] == 7
    qtbot.waitUntil(lambda: status(Stage.RENDER) == "done", timeout=5000)
    print(f"\nR on {EDITED}: lip-sync chunks generated {last['generated']} of {len(new_chunks)}, "
          f"render pieces encoded {render['encoded']} of {render['pieces']}")


@pytest.mark.slow
def test_regenerate_all_stale_refits_once_and_marks_the_lips_stale(qtbot, window: MainWindow):
    view = window.view
    panel = window.pipeline_dock.widget()
    old_track = view.model.project.dub_track
    view.edit_target("seg-a", "Buenos días a todos.")
    view.edit_target("seg-c", "Hoy hablamos de robots.")  # unchanged text: not stale
    view.edit_target("seg-c", "Hoy hablamos de máquinas.")
    assert [s.id for s in view.model.project.stale_segments()] == ["seg-a", "seg-c"]
    view.table.setFocus()
    press(qtbot, window, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)  # regenerate every stale segment
    assert not view.model.project.stale_segments() and view.model.project.dub_track != old_track
    placements = view.model.project.settings["speech"]["placements"]
    assert all(placements[s.id]["take"] == s.current_take_id for s in view.model.segments)
    qtbot.waitUntil(lambda: panel.status_of(Stage.LIPSYNC) == "stale", timeout=5000)
    assert [panel.status_of(s) for s in (Stage.SPEAK, Stage.FIT, Stage.RENDER)] == ["done", "done", "stale"]
    view.undo.undo()  # one undoable step: the old takes, track and records come back
    assert view.model.project.dub_track == old_track
    assert [s.id for s in view.model.project.stale_segments()] == ["seg-a", "seg-c"]
    qtbot.waitUntil(lambda: panel.status_of(Stage.SPEAK) == "stale", timeout=5000)
    assert [panel.status_of(s) for s in (Stage.FIT, Stage.LIPSYNC, Stage.RENDER)] == ["done", "done", "done"]
