"""Entry point of the studio (``avdub-studio``): the Qt application and its main window."""

from __future__ import annotations

import sys
from pathlib import Path


def create_window(argv: list[str]):
    """The application (created if needed, themed) and a shown main window; an optional
    argument is a project folder to open, or a video to create a project for (the question
    comes once the window is up)."""
    # Qt is imported here, not at module level: worker processes (spawned) re-import this
    # module as their __main__ and must not pay for, or initialise, Qt.
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("avdub")
    app.setOrganizationName("avdub")
    from app.main_window import MainWindow  # after QApplication: widgets need it
    from app.theme import apply_dark_theme

    apply_dark_theme(app)
    window = MainWindow()
    window.show()
    if len(argv) > 1:
        from app.desktop import PathKind, classify

        path = Path(argv[1])
        if classify(path) is PathKind.PROJECT:
            window.open_path(path)
        else:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, lambda: window.open_path(path))
    return app, window


SMOKE_TEST = "--smoke-test"  # start, show the window, quit: proves a build can start


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    smoke = SMOKE_TEST in args
    if smoke:
        args.remove(SMOKE_TEST)
    app, window = create_window(args)
    if smoke:
        return _smoke_test(app, window)
    return app.exec()


def _smoke_test(app, window) -> int:
    """Quit once the window is up and every job it started (e.g. reading a project's waveform in
    a worker process) has finished; report them. Non-zero when a job failed or none finished."""
    import time

    from PySide6.QtCore import QTimer

    deadline = time.monotonic() + 120

    def check() -> None:
        jobs = list(window.jobs.jobs.values())
        if all(j.state.finished for j in jobs) or time.monotonic() > deadline:
            app.quit()
        else:
            QTimer.singleShot(100, check)

    QTimer.singleShot(500, check)
    app.exec()
    jobs = list(window.jobs.jobs.values())
    print(f"avdub-studio started: {window.windowTitle()!r}, {len(window.menuBar().actions())} menus, "
          + ", ".join(f"job {j.name}: {j.state.value}" for j in jobs))
    return 0 if all(j.state.value == "done" for j in jobs) else 1


if __name__ == "__main__":
    sys.exit(main())
