"""The export dialog: dubbed mp4, subtitles (SRT/VTT; source, target or bilingual) and audio
stems. It only gathers the request; the window runs it as the engine's export stage in a
worker process, so a missing engine piece shows as that stage's error, never a fake success.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QVBoxLayout, QWidget,
)

SUBTITLE_FORMATS = ("srt", "vtt")
SUBTITLE_TEXTS = ("target", "source", "bilingual")


@dataclass(frozen=True)
class ExportRequest:
    video: bool = True
    subtitles: tuple[str, ...] = ("srt",)  # formats
    subtitle_text: str = "target"
    stems: bool = False
    watermark: bool = True  # the paper's "synthetic" mark; on unless the user turns it off
    extra: dict = field(default_factory=dict)

    def as_options(self) -> dict:
        """What the export stage reads from ``ctx.options.extra``."""
        return {"video": self.video, "subtitles": list(self.subtitles), "subtitle_text": self.subtitle_text,
                "stems": self.stems, "watermark": self.watermark}

    @property
    def empty(self) -> bool:
        return not (self.video or self.subtitles or self.stems)


class ExportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export"))
        self.setAccessibleName(self.tr("Export dialog"))
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.video)
        lay.addWidget(self.watermark)
        lay.addWidget(subs)
        lay.addWidget(self.stems)
        lay.addWidget(buttons)

    def request(self) -> ExportRequest:
        formats = tuple(f for f, box in (("srt", self.srt), ("vtt", self.vtt)) if box.isChecked())
        return ExportRequest(video=self.video.isChecked(), subtitles=formats,
                             subtitle_text=self.text.currentData(), stems=self.stems.isChecked(),
                             watermark=self.watermark.isChecked())
