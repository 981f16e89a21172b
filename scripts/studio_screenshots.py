"""Screenshots of the studio on a real project (docs/studio-*.png), offscreen.

Builds a project on ../shared/media/video/lecture_en_25s.mp4 with its transcript, translation
and espeak-ng takes (the GUI tests' project), tracks the face, opens it in the main window and
grabs the window; then runs the fit stage as a job and grabs the zoomed timeline with the log.
Run: PYTHONPATH=$PWD python scripts/studio_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtWidgets import QApplication  # noqa: E402


def wait(app: QApplication, seconds: float, until=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until is not None and until():
            return
        time.sleep(0.01)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"
    out.mkdir(parents=True, exist_ok=True)
    shared = Path(os.environ.get("AVDUB_SHARED") or REPO.parent / "shared")
    clip = shared / "media" / "video" / "lecture_en_25s.mp4"
    from tests.gui.lecture_project import build_project

    app = QApplication.instance() or QApplication(sys.argv)
    from app.theme import apply_dark_theme

    apply_dark_theme(app)
    from app.main_window import MainWindow
    from tests.gui.espeak_jobs import regenerate_with_espeak

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lecture.avdub"
        folder, project = build_project(root, clip)
        from engine.models.registry import ModelRegistry
        from engine.pipeline import ContextFactory, Stage, plan, run_stages

        # Face tracks, so the faces lane shows the presenter's track.
        run_stages(ContextFactory(folder, project, ModelRegistry.from_environment()), plan(only=Stage.TRACK))
        win = MainWindow()
        win.regenerate_function = regenerate_with_espeak
        win.resize(1600, 960)
        win.show()
        win.open_project(root)
        view = win.view
        wait(app, 20, lambda: view.timeline.wave.lo is not None)
        wait(app, 5, lambda: view.frame.image is not None)
        view.edit_target(view.model.segments[3].id, "Una amiga, investigadora de robótica, estaba entre el público y luego se levantó")
        view.set_current(view.model.segments[2].id)
        view.timeline.setXRange(0.0, 25.1, padding=0.01)
        view.player.seek(11.6)
        wait(app, 1.5)
        view.timeline.set_playhead(11.6)
        wait(app, 0.5)
        win.grab().save(str(out / "studio-main.png"))
        job = win.run_stage(Stage.FIT)
        wait(app, 60, lambda: job.state.finished)
        if win._error_box is not None:
            win._error_box.close()
        win.pipeline_dock.raise_()
        view.timeline.setXRange(9.5, 16.0, padding=0)
        wait(app, 3.0)  # the pipeline panel refreshes 0.6 s after the result, then computes each stage's inputs
        win.grab().save(str(out / "studio-zoomed.png"))
        win.close()
        wait(app, 0.5)
    for p in sorted(out.glob("studio-*.png")):
        print(p, p.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
