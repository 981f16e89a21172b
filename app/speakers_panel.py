"""Speakers: name, voice (TTS engine and voice) and face tracks, edited through undo commands.

These assignments live in the project (Speaker.voice, Speaker.face_track_ids), so the choices
persist across sessions and re-runs instead of being asked again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from app.project_model import ProjectModel
from engine.project.model import Speaker, new_id

COLUMNS = ("Name", "TTS engine", "Voice", "Face tracks")


class SpeakersPanel(QWidget):
    def __init__(self, model: ProjectModel, push_speakers: Callable[[tuple[Speaker, ...], str], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("Speakers"))
        self.model, self.push = model, push_speakers
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName(self.tr("Speaker voices and face tracks"))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        add = QPushButton(self.tr("Add speaker"))
        add.clicked.connect(self.add_speaker)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.table)
        lay.addLayout(row)
        self._filling = False
        self.table.itemChanged.connect(self._edited)
        model.speakers_changed.connect(self.refresh)
        model.project_replaced.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self._filling = True
        speakers = self.model.project.speakers
        self.table.setRowCount(len(speakers))
        for r, spk in enumerate(speakers):
            values = (spk.name, spk.voice.engine, spk.voice.voice, ", ".join(spk.face_track_ids))
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                item.setData(Qt.ItemDataRole.UserRole, spk.id)
                self.table.setItem(r, c, item)
        self._filling = False

    def add_speaker(self) -> None:
        n = len(self.model.project.speakers) + 1
        spk = Speaker(id=new_id("spk"), name=self.tr("Speaker {n}").format(n=n))
        self.push(self.model.project.speakers + (spk,), self.tr("Add speaker"))

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        spk = self.model.project.speaker(item.data(Qt.ItemDataRole.UserRole))
        text = item.text().strip()
        col = item.column()
        if col == 0:
            new = dataclasses.replace(spk, name=text or spk.name)
        elif col in (1, 2):
            field = "engine" if col == 1 else "voice"
            new = dataclasses.replace(spk, voice=dataclasses.replace(spk.voice, **{field: text}))
        else:
            known = {t.id for t in self.model.project.face_tracks}
            ids = tuple(t.strip() for t in text.split(",") if t.strip() in known)
            new = dataclasses.replace(spk, face_track_ids=ids)
        if new != spk:
            speakers = tuple(new if s.id == spk.id else s for s in self.model.project.speakers)
            self.push(speakers, self.tr("Edit speaker {name}").format(name=spk.name))
        else:
            self.refresh()
