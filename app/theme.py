"""The studio's look: Qt's Fusion style with a dark palette (video tools are dark so that the
picture, not the chrome, draws the eye), matching the timeline's colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

COLORS = {
    QPalette.ColorRole.Window: "#23272e",
    QPalette.ColorRole.WindowText: "#d7dae0",
    QPalette.ColorRole.Base: "#1b1e23",
    QPalette.ColorRole.AlternateBase: "#22262c",
    QPalette.ColorRole.ToolTipBase: "#2c313a",
    QPalette.ColorRole.ToolTipText: "#d7dae0",
    QPalette.ColorRole.Text: "#d7dae0",
    QPalette.ColorRole.Button: "#2c313a",
    QPalette.ColorRole.ButtonText: "#d7dae0",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Highlight: "#3d6fa8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6fb3e0",
    QPalette.ColorRole.PlaceholderText: "#7f8691",
}


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    for role, color in COLORS.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b717b"))
    app.setPalette(palette)
