"""Screenshots of the studio's dialogs (docs/studio-*.png), offscreen, on the GUI tests' project:
the shortcut editor, About (versions and model licences), export (folder and name) and the
question that creates a video's project. Settings go to a temporary folder.
Run: PYTHONPATH=$PWD python scripts/studio_dialog_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402


def grab(app: QApplication, dialog: QDialog, path: Path) -> None:
    dialog.show()
    for _ in range(20):
        app.processEvents()
    dialog.grab().save(str(path))
    dialog.close()
    print(path)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs"
    shared = Path(os.environ.get("AVDUB_SHARED") or REPO.parent / "shared")
    clip = shared / "media" / "video" / "lecture_en_25s.mp4"
    app = QApplication.instance() or QApplication(sys.argv)
    from app.theme import apply_dark_theme

    apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        from app.about_dialog import AboutDialog
        from app.desktop import language_dialog
        from app.export_dialog import ExportDialog
        from app.main_window import MainWindow
        from app.shortcuts_dialog import ShortcutsDialog
        from tests.gui.lecture_project import build_project

        build_project(Path(tmp) / "lecture.avdub", clip)
        win = MainWindow()
        win.show()
        win.open_project(Path(tmp) / "lecture.avdub")
        shortcuts = ShortcutsDialog(win.commands, win)
        shortcuts.resize(560, 520)
        grab(app, shortcuts, out / "studio-shortcuts.png")
        grab(app, AboutDialog(win), out / "studio-about.png")
        export = ExportDialog(win, "lecture_en_25s")
        export.folder.setText("/home/presenter/Videos/handouts")
        grab(app, export, out / "studio-export.png")
        grab(app, language_dialog(win, clip), out / "studio-new-from-video.png")
        win.jobs.wait_all(30)
        win.view.autosaver.write_now(wait=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
