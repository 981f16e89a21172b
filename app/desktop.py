"""Desktop entry points into the studio: what a path given on the command line, by the desktop
entry or by drag and drop is (a project folder, its project.json, or a video to make a project
from), and the question that offers to create a video's project.
"""

from __future__ import annotations

import enum
from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QInputDialog, QWidget

from engine.languages import LANGUAGE_NAMES
from engine.project.store import PROJECT_FILE

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".avi", ".webm")  # as the desktop entry's MimeType declares
DEFAULT_TARGET = "es"


class PathKind(enum.Enum):
    PROJECT = "project"
    VIDEO = "video"
    OTHER = "other"


def classify(path: Path) -> PathKind:
    if path.is_dir() and (path / PROJECT_FILE).is_file():
        return PathKind.PROJECT
    if path.is_file() and path.name == PROJECT_FILE:
        return PathKind.PROJECT
    if path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES:
        return PathKind.VIDEO
    return PathKind.OTHER


def project_root(path: Path) -> Path:
    """The project folder for a path classified as PROJECT."""
    return path.parent if path.is_file() else path


def dropped_path(mime: QMimeData) -> Path | None:
    """The first local project or video in a drop, if any."""
    for url in mime.urls() if mime.hasUrls() else ():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if classify(path) is not PathKind.OTHER:
                return path
    return None


def language_dialog(parent: QWidget, video: Path) -> QInputDialog:
    """The (window-modal, not yet shown) question: dub ``video`` into which language?"""
    codes = sorted(LANGUAGE_NAMES, key=lambda c: LANGUAGE_NAMES[c])
    dialog = QInputDialog(parent)
    dialog.setObjectName("new_project_language")
    dialog.setWindowTitle(parent.tr("Create a project"))
    dialog.setLabelText(parent.tr("Create a project to dub {name} into:").format(name=video.name))
    dialog.setComboBoxItems([f"{LANGUAGE_NAMES[c]} ({c})" for c in codes])
    dialog.setTextValue(f"{LANGUAGE_NAMES[DEFAULT_TARGET]} ({DEFAULT_TARGET})")
    dialog.setComboBoxEditable(False)
    return dialog


def chosen_language(dialog: QInputDialog) -> str:
    """The language code of the item chosen in ``language_dialog``."""
    return dialog.textValue().rsplit("(", 1)[1].rstrip(")")
