"""Help ▸ About: avdub's version and licence, the versions of the libraries it runs on (read from
package metadata, never by importing torch on the GUI thread) and every model in the registry
with its licence and purpose, so a user can check what they may do with a dub.
"""

from __future__ import annotations

import importlib.metadata
import platform

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

LIBRARIES = ("torch", "numpy", "mediapipe", "faster-whisper", "vosk", "argostranslate", "kokoro", "piper-tts",
             "pyqtgraph")
PROJECT_LICENCE = "Apache-2.0"


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions() -> list[tuple[str, str]]:
    """(component, version) for avdub, Python, Qt and the installed libraries it uses."""
    rows = [("avdub", package_version("avdub") or "source tree"), ("Python", platform.python_version()),
            ("Qt", qVersion()), ("PySide6", PYSIDE_VERSION)]
    rows += [(name, v) for name in LIBRARIES if (v := package_version(name))]
    return rows


def model_licences() -> list[tuple[str, str, str]]:
    """(model, licence, purpose) for every model the registry knows."""
    from engine.models.catalog import CATALOG

    return [(spec.title, spec.license, spec.purpose) for spec in CATALOG]


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("About avdub"))
        self.setAccessibleName(self.tr("About avdub"))
        self.resize(620, 560)
        head = QLabel(self.tr("<h2>avdub {version}</h2><p>Dubs lecture videos into other languages: voice, "
                              "timing and lips. Licensed under {licence}. Dubbed videos carry a visible "
                              "“synthetic” mark by default.</p>").format(
            version=package_version("avdub") or "", licence=PROJECT_LICENCE))
        head.setWordWrap(True)
        self.details = QTextBrowser()
        self.details.setObjectName("about_details")
        self.details.setOpenExternalLinks(True)
        rows = "".join(f"<tr><td>{name}</td><td>{version}</td></tr>" for name, version in versions())
        models = "".join(f"<tr><td>{title}</td><td>{licence}</td><td>{purpose}</td></tr>"
                         for title, licence, purpose in model_licences())
        self.details.setHtml(
            f"<h3>{self.tr('Versions')}</h3><table cellspacing=6>{rows}</table>"
            f"<h3>{self.tr('Models and their licences')}</h3>"
            f"<table cellspacing=6><tr><th align=left>{self.tr('Model')}</th><th align=left>"
            f"{self.tr('Licence')}</th><th align=left>{self.tr('Used for')}</th></tr>{models}</table>"
            f"<p>{self.tr('The lip-sync model is trained on each presenter by avdub itself.')}</p>")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.details, 1)
        lay.addWidget(buttons)
