"""What the studio remembers between sessions, kept with QSettings (an INI file in the user's
configuration folder): recent projects, the last folder of each file dialog, the window and dock
layout, the export dialog's choices and the user's shortcuts. Every reader tolerates a missing
or damaged value (it falls back to the default), so a bad settings file never stops the studio.
Tests point ``QSettings.setPath`` (INI, user scope) at a temporary folder.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

ORGANISATION, APPLICATION = "avdub", "studio"
RECENT_MAX = 8  # File ▸ Open recent lists this many projects, newest first
LAYOUT_VERSION = 1  # bump when the docks change so an old saved layout is not applied to new docks


class Folder(enum.Enum):
    """The file dialogs that remember where the user last was."""

    VIDEO = "video"
    PROJECT = "project"
    EXPORT = "export"


def studio_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


def _strings(settings: QSettings, key: str) -> list[str]:
    value = settings.value(key, [])
    if isinstance(value, str):  # an INI list of one item reads back as a plain string
        return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list) else []


# ---- recent projects and folders -----------------------------------------------------------------
def recent_projects() -> list[Path]:
    return [Path(p) for p in _strings(studio_settings(), "recent/projects")]


def add_recent_project(root: Path) -> None:
    root = Path(root).resolve()
    kept = [p for p in recent_projects() if p != root]
    studio_settings().setValue("recent/projects", [str(p) for p in [root, *kept][:RECENT_MAX]])


def forget_recent_project(root: Path) -> None:
    kept = [p for p in recent_projects() if p != Path(root)]
    studio_settings().setValue("recent/projects", [str(p) for p in kept])


def last_folder(kind: Folder) -> str:
    """The folder the ``kind`` dialog last used ("" lets the dialog choose)."""
    value = studio_settings().value(f"folders/{kind.value}", "")
    return value if isinstance(value, str) and Path(value).is_dir() else ""


def remember_folder(kind: Folder, path: Path) -> None:
    path = Path(path)
    studio_settings().setValue(f"folders/{kind.value}", str(path if path.is_dir() else path.parent))


# ---- window layout ------------------------------------------------------------------------------
def save_layout(window: QMainWindow) -> None:
    settings = studio_settings()
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/state", window.saveState(LAYOUT_VERSION))


def restore_layout(window: QMainWindow) -> bool:
    """Apply the saved geometry and dock layout; False when there is none (or it does not fit)."""
    settings = studio_settings()
    geometry, state = settings.value("window/geometry"), settings.value("window/state")
    if not isinstance(geometry, QByteArray) or not isinstance(state, QByteArray):
        return False
    return window.restoreGeometry(geometry) and window.restoreState(state, LAYOUT_VERSION)


# ---- shortcuts and export choices ---------------------------------------------------------------------
def shortcut_overrides() -> dict[str, str]:
    """Action name → key text the user chose instead of the default ("" removes the shortcut)."""
    settings = studio_settings()
    settings.beginGroup("shortcuts")
    try:
        return {name: str(settings.value(name, "")) for name in settings.childKeys()}
    finally:
        settings.endGroup()


def save_shortcut_overrides(overrides: Mapping[str, str]) -> None:
    settings = studio_settings()
    settings.remove("shortcuts")
    settings.beginGroup("shortcuts")
    for name, key in overrides.items():
        settings.setValue(name, key)
    settings.endGroup()


def export_choices() -> dict[str, str]:
    settings = studio_settings()
    settings.beginGroup("export")
    try:
        return {key: str(settings.value(key, "")) for key in settings.childKeys()}
    finally:
        settings.endGroup()


def save_export_choices(choices: Mapping[str, str]) -> None:
    settings = studio_settings()
    settings.beginGroup("export")
    for key, value in choices.items():
        settings.setValue(key, value)
    settings.endGroup()
