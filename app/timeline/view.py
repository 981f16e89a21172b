"""The timeline widget: lanes over one time axis, playhead, zoom/scroll, and dragging.

Dragging a segment's edge or body in the source lane pushes one MoveSegmentCommand per mouse
move, all with the same drag token, so the undo stack folds the drag into one step. Moves
respect the neighbours and snap to neighbour edges, the playhead and silences within
SNAP_PX pixels. Mouse wheel zooms the time axis; the view never scrolls vertically.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from app.project_model import ProjectModel
from app.timeline.lanes import LANE_H, PALETTE, FaceLane, SegmentLane, WaveformLane
from app.timeline.snapping import DragMode, constrain

EDGE_PX = 6  # grab an edge within this many pixels
SNAP_PX = 8  # snap within this many pixels
MIN_VISIBLE_S = 0.5  # deepest zoom: half a second across the view

MoveCallback = Callable[[str, float, float, int], None]  # segment id, start, end, drag token


class SourceLane(SegmentLane):
    """The source-segment lane, the one that edits timing."""

    def __init__(self, y: float, model: ProjectModel, view: "TimelineView"):
        super().__init__(y, model, "source", color=QColor("#3d6fa8"))
        self.view = view
        self._drag: tuple[str, DragMode, float, float, float, float, int] | None = None

    def hit(self, t: float, direction: float = 0.0) -> tuple[str, DragMode] | None:
        """What a press at ``t`` grabs. Where two segments touch, the edge that can move in the
        drag's ``direction`` wins: leftwards the left segment's end, rightwards the right one's start."""
        px = self.pixelWidth() or 0.01
        seg = self.model.segment_at(t)
        edges: list[tuple[float, str, DragMode]] = []
        for cand in filter(None, (seg, *(self.model.neighbours(seg.id) if seg else ()))):
            for edge_t, mode in ((cand.start, DragMode.START), (cand.end, DragMode.END)):
                if abs(t - edge_t) <= EDGE_PX * px:
                    edges.append((abs(t - edge_t), cand.id, mode))
        if edges:
            edges.sort(key=lambda e: e[0])
            nearest = [e for e in edges if e[0] <= edges[0][0] + px]
            if len(nearest) > 1 and direction:
                want = DragMode.END if direction < 0 else DragMode.START
                nearest = [e for e in nearest if e[2] is want] or nearest
            return nearest[0][1], nearest[0][2]
        return (seg.id, DragMode.BODY) if seg is not None else None

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return ev.ignore()
        seg = self.model.segment_at(ev.pos().x())
        if seg is None:
            return ev.ignore()
        ev.accept()
        self.view.segment_clicked.emit(seg.id)

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return ev.ignore()
        if ev.isStart():
            hit = self.hit(ev.buttonDownPos().x(), ev.pos().x() - ev.buttonDownPos().x())
            if hit is None:
                return ev.ignore()
            seg = self.model.segment(hit[0])
            prev, nxt = self.model.neighbours(seg.id)
            lo = prev.end if prev else 0.0
            hi = nxt.start if nxt else self.model.duration
            from app.undo_commands import new_drag_token

            self._drag = (seg.id, hit[1], seg.start, seg.end, lo, hi, new_drag_token())
            self.view.segment_clicked.emit(seg.id)
        if self._drag is None:
            return ev.ignore()
        ev.accept()
        seg_id, mode, s0, e0, lo, hi, token = self._drag
        delta = ev.pos().x() - ev.buttonDownPos().x()
        anchors = [lo, hi, self.view.playhead_time()]
        start, end = constrain(mode, s0, e0, delta, lo, hi, anchors, self.view.silences,
                               SNAP_PX * (self.pixelWidth() or 0.01))
        cur = self.model.segment(seg_id)
        if (round(start, 4), round(end, 4)) != (round(cur.start, 4), round(cur.end, 4)):
            self.view.move_segment(seg_id, round(start, 4), round(end, 4), token)
        if ev.isFinish():
            self._drag = None


class TimelineView(pg.PlotWidget):
    segment_clicked = Signal(str)
    seek_requested = Signal(float)

    def __init__(self, model: ProjectModel, move_segment: MoveCallback, fps: Callable[[], float], parent=None):
        super().__init__(parent, background="#14181d")
        self.setAccessibleName(self.tr("Timeline"))
        self.setAccessibleDescription(self.tr("Lanes: waveform, source segments, dubbed takes per speaker, face tracks"))
        self.model = model
        self.move_segment = move_segment
        self._fps = fps
        self.silences: np.ndarray | None = None
        item = self.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.showGrid(x=True, y=False, alpha=0.15)
        item.getAxis("bottom").setLabel(self.tr("time"), units="s")
        vb = item.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        vb.invertY(True)
        vb.setLimits(xMin=-1.0, xMax=max(model.duration, 1.0) + 1.0, minXRange=MIN_VISIBLE_S)
        self.playhead = pg.InfiniteLine(0.0, angle=90, movable=True, pen=pg.mkPen("#ffd54f", width=2), hoverPen=pg.mkPen("#fff59d", width=3))
        self.playhead.setZValue(100)
        self.playhead.sigDragged.connect(lambda line: self.seek_requested.emit(float(line.value())))
        self.scene().sigMouseClicked.connect(self._scene_clicked)
        self.lanes: list[pg.GraphicsObject] = []
        self.build_lanes()
        model.segments_changed.connect(self._segments_changed)
        model.segments_reset.connect(self._repaint_lanes)
        model.speakers_changed.connect(self.build_lanes)
        model.project_replaced.connect(self.build_lanes)
        self.setXRange(0.0, min(model.duration, 60.0) or 1.0, padding=0)

    # ---- lanes ----------------------------------------------------------------------------
    def build_lanes(self) -> None:
        item = self.getPlotItem()
        old_wave = next((l for l in self.lanes if isinstance(l, WaveformLane)), None)
        for lane in self.lanes:
            item.removeItem(lane)
        item.removeItem(self.playhead)
        d = self.model.duration
        self.wave = WaveformLane(0.0, d)
        if old_wave is not None and old_wave.lo is not None:
            self.wave.set_envelope(old_wave.lo, old_wave.hi, old_wave.rate, 1.0 / old_wave.gain)
        self.source = SourceLane(1.0, self.model, self)
        names = [(self.tr("waveform")), self.tr("source")]
        self.lanes = [self.wave, self.source]
        speakers = self.model.project.speakers or ()
        dub_ids = [s.id for s in speakers] or [None]
        if any(seg.speaker_id is None for seg in self.model.segments) and None not in dub_ids:
            dub_ids.append(None)
        self.dub_lanes = []
        for i, sid in enumerate(dub_ids):
            lane = SegmentLane(2.0 + i, self.model, "dub", sid, PALETTE[i % len(PALETTE)])
            self.dub_lanes.append(lane)
            self.lanes.append(lane)
            name = self.model.project.speaker(sid).name if sid else self.tr("dub")
            names.append(self.tr("dub · {name}").format(name=name) if sid else name)
        self.face = FaceLane(2.0 + len(dub_ids), self.model, self._fps)
        self.lanes.append(self.face)
        names.append(self.tr("faces"))
        for lane in self.lanes:
            item.addItem(lane)
        item.addItem(self.playhead)
        item.getAxis("left").setTicks([[(i + LANE_H / 2, n) for i, n in enumerate(names)]])
        item.getAxis("left").setWidth(118)
        self.setYRange(-0.1, len(self.lanes) + 0.0, padding=0)

    def _repaint_lanes(self, *_args) -> None:
        for lane in self.lanes:
            if isinstance(lane, SegmentLane):
                lane.invalidate()
            else:
                lane.update()

    def _segments_changed(self, ids: list) -> None:
        for lane in self.lanes:
            if isinstance(lane, SegmentLane):
                lane.segments_changed(ids)

    def set_envelope(self, lo: np.ndarray, hi: np.ndarray, rate: int, silences: np.ndarray, peak: float) -> None:
        self.wave.set_envelope(lo, hi, rate, peak)
        self.silences = silences

    def set_selected(self, ids: set[str]) -> None:
        for lane in [self.source, *self.dub_lanes]:
            lane.selected = ids
            lane.update()

    def _scene_clicked(self, ev) -> None:
        """A left click anywhere over the lanes puts the playhead there (and seeks)."""
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        t = min(max(0.0, vb.mapSceneToView(ev.scenePos()).x()), self.model.duration)
        self.playhead.setValue(t)
        self.seek_requested.emit(t)

    # ---- playhead and view range -------------------------------------------------------------
    def playhead_time(self) -> float:
        return float(self.playhead.value())

    def set_playhead(self, t: float, follow: bool = True) -> None:
        self.playhead.setValue(t)
        if follow:
            (x0, x1), _ = self.getPlotItem().getViewBox().viewRange()
            if not x0 <= t <= x1:
                w = x1 - x0
                self.setXRange(t - 0.1 * w, t + 0.9 * w, padding=0)

    def zoom(self, factor: float, center: float | None = None) -> None:
        """Scale the visible span by ``factor`` (< 1 zooms in) around ``center`` (the playhead)."""
        (x0, x1), _ = self.getPlotItem().getViewBox().viewRange()
        c = self.playhead_time() if center is None else center
        w = max(MIN_VISIBLE_S, min((x1 - x0) * factor, self.model.duration + 2.0))
        frac = 0.5 if not x0 <= c <= x1 else (c - x0) / (x1 - x0)
        self.setXRange(c - frac * w, c + (1 - frac) * w, padding=0)

    def scroll(self, pages: float) -> None:
        (x0, x1), _ = self.getPlotItem().getViewBox().viewRange()
        d = (x1 - x0) * pages
        self.setXRange(x0 + d, x1 + d, padding=0)

    def show_span(self, t0: float, t1: float) -> None:
        self.setXRange(t0, t1, padding=0.02)
