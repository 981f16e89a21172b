"""The export dialog: dubbed mp4, subtitles (SRT/VTT; source, target or bilingual) and audio
stems. It only gathers the request; the window runs it as the engine's export stage in a
worker process, so a missing engine piece shows as that stage's error, never a fake success.
The choices made at the last export are offered again (kept in the studio's settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit,
    QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from app.export_publish import PlannedFile, planned_files
from app.studio_settings import Folder, export_choices, last_folder, remember_folder, save_export_choices

SUBTITLE_FORMATS = ("srt", "vtt")
SUBTITLE_TEXTS = ("target", "source", "bilingual")


@dataclass(frozen=True)
class ExportRequest:
    video: bool = True
    subtitles: tuple[str, ...] = ("srt",)  # formats
    subtitle_text: str = "target"
    stems: bool = False
    watermark: bool = True  # the paper's "synthetic" mark; on unless the user turns it off
    folder: str = ""  # where the files go; "" keeps them in the project's exports/ only
    name: str = ""  # the files' base name there; "" keeps the video's name
    extra: dict = field(default_factory=dict)

    def as_options(self) -> dict:
        """What the export stage reads from ``ctx.options.extra``."""
        return {"video": self.video, "subtitles": list(self.subtitles), "subtitle_text": self.subtitle_text,
                "stems": self.stems, "watermark": self.watermark}

    @property
    def empty(self) -> bool:
        return not (self.video or self.subtitles or self.stems)


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, default_name: str = ""):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export"))
        self.setAccessibleName(self.tr("Export dialog"))
        self.setMinimumWidth(460)  # room for a folder path
        self.video = QCheckBox(self.tr("Dubbed video (mp4)"))
        self.video.setChecked(True)
        self.watermark = QCheckBox(self.tr("Visible “synthetic” watermark"))
        self.watermark.setChecked(True)
        self.srt = QCheckBox(self.tr("SRT"))
        self.srt.setChecked(True)
        self.vtt = QCheckBox(self.tr("WebVTT"))
        self.text = QComboBox()
        self.text.setAccessibleName(self.tr("Subtitle text"))
        for key, label in zip(SUBTITLE_TEXTS, (self.tr("Target language"), self.tr("Source language"),
                                               self.tr("Bilingual (source and target)"))):
            self.text.addItem(label, key)
        self.stems = QCheckBox(self.tr("Audio stems (dub, original, mix)"))
        subs = QGroupBox(self.tr("Subtitles"))
        form = QFormLayout(subs)
        form.addRow(self.srt)
        form.addRow(self.vtt)
        form.addRow(self.tr("Text:"), self.text)
        self.folder = QLineEdit(last_folder(Folder.EXPORT))
        self.folder.setAccessibleName(self.tr("Export folder"))
        self.folder.setPlaceholderText(self.tr("the project's exports folder"))
        choose = QPushButton(self.tr("Choose…"))
        choose.clicked.connect(self._choose_folder)
        self.name = QLineEdit(default_name)
        self.name.setAccessibleName(self.tr("File name"))
        where = QGroupBox(self.tr("Save to"))
        where_form = QFormLayout(where)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        where_form.addRow(self.tr("Folder:"), folder_row)
        where_form.addRow(self.tr("Name:"), self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.video)
        lay.addWidget(self.watermark)
        lay.addWidget(subs)
        lay.addWidget(self.stems)
        lay.addWidget(where)
        lay.addWidget(buttons)
        self._boxes = {"video": self.video, "watermark": self.watermark, "srt": self.srt, "vtt": self.vtt,
                       "stems": self.stems}
        self._restore(export_choices())

    def _restore(self, choices: dict[str, str]) -> None:
        for key, box in self._boxes.items():
            if choices.get(key) in ("true", "false"):
                box.setChecked(choices[key] == "true")
        index = self.text.findData(choices.get("subtitle_text"))
        if index >= 0:
            self.text.setCurrentIndex(index)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export to"), self.folder.text() or last_folder(Folder.EXPORT))
        if folder:
            self.folder.setText(folder)

    def remember(self) -> None:
        """Keep these choices (and the folder) for the next export."""
        if self.folder.text().strip():
            remember_folder(Folder.EXPORT, Path(self.folder.text().strip()))
        choices = {key: "true" if box.isChecked() else "false" for key, box in self._boxes.items()}
        save_export_choices({**choices, "subtitle_text": self.text.currentData()})

    def request(self) -> ExportRequest:
        formats = tuple(f for f, box in (("srt", self.srt), ("vtt", self.vtt)) if box.isChecked())
        return ExportRequest(video=self.video.isChecked(), subtitles=formats,
                             subtitle_text=self.text.currentData(), stems=self.stems.isChecked(),
                             watermark=self.watermark.isChecked(), folder=self.folder.text().strip(),
                             name=self.name.text().strip())


def export_plan(request: ExportRequest, source_name: str, language: str, exports_dir: Path) -> tuple[Path, list[PlannedFile]]:
    """Where the request's files go and under which names (empty when they stay in exports/ as named)."""
    base = Path(source_name).stem
    folder = Path(request.folder) if request.folder else exports_dir
    name = request.name or base
    if folder.resolve() == exports_dir.resolve() and name == base:
        return folder, []
    return folder, planned_files(base, name, language, request.video, request.subtitles, request.subtitle_text,
                                 request.stems)


def confirm_overwrite(parent: QWidget, folder: Path, plan: list[PlannedFile]) -> bool:
    """True when none of the planned files exists, or the user agrees to replace those that do."""
    existing = [p.destination for p in plan if (folder / p.destination).exists()]
    if not existing:
        return True
    box = QMessageBox(QMessageBox.Icon.Warning, parent.tr("Replace files?"),
                      parent.tr("{folder} already has {names}. Replace them?").format(
                          folder=folder, names=", ".join(existing)),
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("overwrite_prompt")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes
