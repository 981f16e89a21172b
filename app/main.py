"""Entry point of the studio (``avdub-studio``): the Qt application and its main window."""

from __future__ import annotations

import sys
from pathlib import Path


def create_window(argv: list[str]):
    """The application (created if needed, themed) and a shown main window; an optional
    argument is a project folder to open."""
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
        window.open_project(Path(argv[1]))
    return app, window


def main(argv: list[str] | None = None) -> int:
    app, _window = create_window(list(sys.argv if argv is None else argv))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
