"""The editor for one open project: model, undo stack, table, timeline, player, autosave.

Every operation here turns into an undo command on ``self.undo``; the views follow the model's
signals. Keyboard equivalents of the drags (nudge an edge or the body, set an edge at the
playhead) and the review loop (next, loop, A/B, edit, accept) are methods the window binds.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QInputDialog, QLabel, QSplitter, QVBoxLayout, QWidget

from app.player import FrameView, Player
from app.project_model import ProjectModel
from app.recovery import Autosaver
from app.segment_table import Column, SegmentTable, fmt_time
from app.timeline import TimelineView
from app.timeline.snapping import MIN_SEGMENT_S
from app.undo_commands import (
    EditSegmentCommand, MoveSegmentCommand, ReplaceProjectCommand, SetSegmentsCommand, SpeakersCommand, merge_segments,
    new_drag_token, split_segment,
)
from engine.project.model import Project, Segment, SegmentFlag, Speaker
from engine.project.store import ProjectFolder
from engine.regenerate import Regenerated

NUDGE_S = 0.05  # one keyboard nudge: finer than a syllable, ~1.5 frames at 30 fps
NUDGE_MERGE_MS = 800  # nudges in a row within this form one undo step, like one drag


class ProjectView(QWidget):
    current_changed = Signal(str)
    message = Signal(str)

    def __init__(self, folder: ProjectFolder, project: Project, fps: float = 25.0, parent: QWidget | None = None):
        super().__init__(parent)
        self.fps = fps
        self.model = ProjectModel(folder, project, self)
        self.undo = QUndoStack(self)
        self.autosaver = Autosaver(self.model, parent=self)
        self.frame = FrameView()
        self.player = Player(self.model, self.frame, self)
        self.table = SegmentTable(self.model, self.edit_text)
        self.timeline = TimelineView(self.model, self._drag_move, lambda: self.fps)
        self.timeline.setMinimumHeight(200)
        self.transport = QLabel()
        self.transport.setAccessibleName(self.tr("Playback position"))
        self.transport.setStyleSheet("font-family: monospace; padding: 2px 6px;")
        top = QSplitter(Qt.Orientation.Horizontal)
        video_box = QWidget()
        vl = QVBoxLayout(video_box)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.addWidget(self.frame, 1)
        vl.addWidget(self.transport)
        top.addWidget(video_box)
        top.addWidget(self.table)
        top.setSizes([460, 820])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.timeline)
        split.setSizes([480, 280])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.current_id: str | None = None
        self.table.current_segment_changed.connect(self.set_current)
        self.timeline.segment_clicked.connect(self.set_current)
        self.timeline.seek_requested.connect(self.player.seek)
        self.player.position_changed.connect(self._on_position)
        self.player.mode_changed.connect(lambda _m: self._update_transport())
        self.model.segments_reset.connect(self._keep_current)
        self.model.project_replaced.connect(self._keep_current)
        self._nudge_token, self._nudge_seg, self._nudge_at, self._nudge_index = 0, None, 0.0, -1
        self._update_transport()
        if self.model.segments:
            self.set_current(self.model.segments[0].id)

    # ---- selection and transport -------------------------------------------------------------
    def set_current(self, segment_id: str) -> None:
        if segment_id == self.current_id:
            return
        self.current_id = segment_id
        self.table.select_segment(segment_id)
        self.timeline.set_selected({segment_id})
        seg = self.model.segment(segment_id)
        (x0, x1), _ = self.timeline.getPlotItem().getViewBox().viewRange()
        if not (x0 <= seg.start and seg.end <= x1):
            w = x1 - x0
            self.timeline.setXRange(seg.start - 0.2 * w, seg.start + 0.8 * w, padding=0)
        self.current_changed.emit(segment_id)

    def current(self) -> Segment | None:
        try:
            return None if self.current_id is None else self.model.segment(self.current_id)
        except KeyError:
            return None

    def _keep_current(self) -> None:
        if self.current() is None and self.model.segments:
            self.current_id = None
            self.set_current(self.model.segments[0].id)
        elif self.current_id:
            self.table.select_segment(self.current_id)

    def _on_position(self, t: float) -> None:
        self.timeline.set_playhead(t)
        seg = self.model.segment_at(t)
        following = self.player.playing and self.player.loop is None
        editing = self.table.state() == self.table.State.EditingState
        if following and not editing and seg is not None and seg.id != self.current_id:
            self.set_current(seg.id)  # the table and timeline follow playback
        self.frame.caption = "" if seg is None else (
            seg.target_text if self.player.mode.value == "B" else seg.source_text)
        self._update_transport()

    def _update_transport(self) -> None:
        mode = self.tr("B · dub") if self.player.mode.value == "B" else self.tr("A · original")
        loop = self.tr("  loop") if self.player.loop else ""
        self.transport.setText(f"{fmt_time(self.player.position)} / {fmt_time(self.model.duration)}   [{mode}]{loop}")

    def step(self, delta: int) -> None:
        """Next (+1) or previous (−1) segment, and put the playhead at its start."""
        segs = self.model.segments
        if not segs:
            return
        row = 0 if self.current() is None else self.model.row_of(self.current_id) + delta
        seg = segs[max(0, min(len(segs) - 1, row))]
        self.set_current(seg.id)
        self.player.clear_loop()
        self.player.seek(seg.start)
        self.timeline.set_playhead(seg.start)

    def accept_and_next(self) -> None:
        self.toggle_accept()
        self.step(1)

    def loop_current(self) -> None:
        if self.current_id:
            self.player.loop_segment(self.current_id)

    def play_take(self) -> None:
        if self.current_id and not self.player.play_take(self.current_id):
            self.message.emit(self.tr("This segment has no take yet: regenerate it (R)."))

    def set_speaker_dialog(self) -> None:
        speakers = self.model.project.speakers
        if not speakers:
            self.message.emit(self.tr("Add a speaker in the Speakers panel first."))
            return
        names = [s.name for s in speakers]
        name, ok = QInputDialog.getItem(self, self.tr("Speaker"), self.tr("Speaker of the selected segments:"),
                                        names, 0, False)
        if ok:
            self.set_speaker(speakers[names.index(name)].id)

    # ---- edits ------------------------------------------------------------------------------------
    def edit_target(self, segment_id: str, text: str) -> None:
        self.undo.push(EditSegmentCommand(self.model, segment_id, self.tr("Edit translation"), target_text=text))

    def edit_text(self, segment_id: str, field: str, text: str) -> None:
        """From the table: ``field`` is "target_text" or "source_text" (a transcript fix)."""
        label = self.tr("Edit translation") if field == "target_text" else self.tr("Edit transcript")
        self.undo.push(EditSegmentCommand(self.model, segment_id, label, **{field: text}))

    def begin_edit_target(self) -> None:
        if self.current_id is not None:
            index = self.table.table_model.index(self.model.row_of(self.current_id), Column.TARGET)
            self.table.setFocus()
            self.table.setCurrentIndex(index)
            self.table.edit(index)

    def _drag_move(self, segment_id: str, start: float, end: float, token: int) -> None:
        self.undo.push(MoveSegmentCommand(self.model, segment_id, start, end, token))

    def nudge(self, edge: str, seconds: float) -> None:
        """Keyboard drag: move ``edge`` ("start", "end" or "body") by ``seconds``, neighbour-aware."""
        seg = self.current()
        if seg is None:
            return
        prev, nxt = self.model.neighbours(seg.id)
        lo, hi = (prev.end if prev else 0.0), (nxt.start if nxt else self.model.duration)
        s, e = seg.start, seg.end
        if edge == "start":
            s = min(max(lo, s + seconds), e - MIN_SEGMENT_S)
        elif edge == "end":
            e = max(min(hi, e + seconds), s + MIN_SEGMENT_S)
        else:
            d = min(max(seconds, lo - s), hi - e)
            s, e = s + d, e + d
        if (round(s, 4), round(e, 4)) == (round(seg.start, 4), round(seg.end, 4)):
            return
        now = time.monotonic()
        follows = (self._nudge_seg == seg.id and now - self._nudge_at < NUDGE_MERGE_MS / 1000.0
                   and self.undo.index() == self._nudge_index)
        if not follows:
            self._nudge_token = new_drag_token()
        self._nudge_seg, self._nudge_at = seg.id, now
        self.undo.push(MoveSegmentCommand(self.model, seg.id, round(s, 4), round(e, 4), self._nudge_token))
        self._nudge_index = self.undo.index()

    def end_nudges(self) -> None:
        self._nudge_seg = None

    def edge_to_playhead(self, edge: str) -> None:
        seg = self.current()
        if seg is None:
            return
        t = self.timeline.playhead_time()
        delta = t - (seg.start if edge == "start" else seg.end)
        self.end_nudges()
        self.nudge(edge, delta)
        self.end_nudges()

    def split_at_playhead(self) -> bool:
        t = self.timeline.playhead_time()
        seg = self.model.segment_at(t)
        if seg is None:
            self.message.emit(self.tr("Put the playhead inside a segment to split it."))
            return False
        try:
            first, second = split_segment(seg, t)
        except ValueError:
            self.message.emit(self.tr("The playhead is too close to the segment's edge to split there."))
            return False
        segs = [s for s in self.model.segments if s.id != seg.id] + [first, second]
        self.undo.push(SetSegmentsCommand(self.model, segs, self.tr("Split segment")))
        return True

    def merge_with_next(self) -> bool:
        seg = self.current()
        nxt = self.model.neighbours(seg.id)[1] if seg else None
        if seg is None or nxt is None:
            return False
        merged = merge_segments(seg, nxt)
        segs = [merged if s.id == seg.id else s for s in self.model.segments if s.id != nxt.id]
        self.undo.push(SetSegmentsCommand(self.model, segs, self.tr("Merge segments")))
        return True

    def toggle_accept(self) -> None:
        seg = self.current()
        if seg is None:
            return
        flags = seg.flags ^ {SegmentFlag.ACCEPTED}
        label = self.tr("Accept segment") if SegmentFlag.ACCEPTED in flags else self.tr("Unaccept segment")
        self.undo.push(EditSegmentCommand(self.model, seg.id, label, flags=frozenset(flags)))

    def set_speaker(self, speaker_id: str | None) -> None:
        ids = self.table.selected_ids() or ([self.current_id] if self.current_id else [])
        self.undo.beginMacro(self.tr("Set speaker"))
        for seg_id in ids:
            self.undo.push(EditSegmentCommand(self.model, seg_id, speaker_id=speaker_id))
        self.undo.endMacro()

    def push_speakers(self, speakers: tuple[Speaker, ...], text: str) -> None:
        self.undo.push(SpeakersCommand(self.model, speakers, text))

    def apply_regenerated(self, result: Regenerated) -> None:
        """Apply what a regeneration returned (takes, dub track, placements, stage records) as one
        undoable step; edits made meanwhile are kept (their takes stay stale, and the stages whose
        inputs they changed read as stale since the records hash the inputs)."""
        segments = []
        for new in result.segments:
            try:
                cur = self.model.segment(new.id)
            except KeyError:
                continue  # deleted (merged away) while the job ran
            known = {t.id: t for t in new.takes}
            takes = tuple(known.get(t.id, t) for t in cur.takes)  # fit ratios and stretches as fitted
            takes += tuple(t for t in new.takes if t.id not in {c.id for c in cur.takes})
            segments.append(dataclasses.replace(cur, takes=takes, current_take_id=new.current_take_id,
                                                flags=(cur.flags - {SegmentFlag.OVERFLOW}) | (new.flags & {SegmentFlag.OVERFLOW})))
        if not segments:
            return
        project = dataclasses.replace(self.model.project, stages=dict(self.model.project.stages),
                                      settings=dict(self.model.project.settings))
        dataclasses.replace(result, segments=tuple(segments)).apply_to(project)
        label = self.tr("Regenerate {n} segment(s)").format(n=len(segments))
        self.undo.push(ReplaceProjectCommand(self.model, project, label))

    @property
    def root(self) -> Path:
        return self.model.folder.root
