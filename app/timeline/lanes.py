"""Lane items of the timeline, each a pyqtgraph GraphicsObject painting only what is visible.

A lane occupies ``[y, y + LANE_H]`` in view coordinates (y grows downward). Items map their
data rectangles to device pixels and paint there, so text stays crisp at any zoom and the cost
of a repaint is proportional to what is on screen, not to the length of the lecture.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen

from app.project_model import ProjectModel
from app.segment_table import fit_color
from engine.project.model import Segment

LANE_H = 0.8  # of 1.0 per lane: a gap between lanes
MIN_TEXT_PX = 40  # narrower boxes get no label
PALETTE = [QColor(c) for c in ("#4f8fd8", "#d8884f", "#5fb07a", "#b06fc4", "#c9b04a", "#4fc4c0")]
SELECTED = QColor("#ffd54f")


class LaneItem(pg.GraphicsObject):
    """Base: a horizontal band of the timeline spanning the lecture."""

    def __init__(self, y: float, duration: float):
        super().__init__()
        self.y, self.duration = y, duration

    def boundingRect(self) -> QRectF:
        return QRectF(0.0, self.y, max(self.duration, 1e-3), LANE_H)

    def visible_x(self) -> tuple[float, float]:
        vb = self.getViewBox()
        if vb is None:
            return 0.0, self.duration
        (x0, x1), _ = vb.viewRange()
        return x0, x1

    def to_px(self, painter: QPainter, t0: float, t1: float) -> QRectF:
        return painter.transform().mapRect(QRectF(t0, self.y, t1 - t0, LANE_H))


class WaveformLane(LaneItem):
    """Min/max envelope drawn one line per pixel column."""

    def __init__(self, y: float, duration: float):
        super().__init__(y, duration)
        self.lo = self.hi = None
        self.rate = 100

    def set_envelope(self, lo: np.ndarray, hi: np.ndarray, rate: int) -> None:
        self.lo, self.hi, self.rate = lo, hi, rate
        self.update()

    def paint(self, painter: QPainter, *_args) -> None:
        x0, x1 = self.visible_x()
        x0, x1 = max(0.0, x0), min(self.duration, x1)
        if x1 <= x0:
            return
        band = self.to_px(painter, x0, x1)
        painter.save()
        painter.resetTransform()
        painter.fillRect(band, QColor("#1c2128"))
        if self.lo is None:
            painter.setPen(QColor("#8a96a3"))
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter, "reading audio…")
            painter.restore()
            return
        cols = max(1, int(band.width()))
        b0, b1 = int(x0 * self.rate), min(len(self.lo), int(np.ceil(x1 * self.rate)))
        if b1 - b0 < 1:
            painter.restore()
            return
        edges = np.linspace(b0, b1, min(cols, b1 - b0) + 1).astype(np.int64)[:-1]
        lo = np.minimum.reduceat(self.lo[b0:b1], edges - b0)  # (columns,)
        hi = np.maximum.reduceat(self.hi[b0:b1], edges - b0)
        xs = band.left() + (edges - b0) / (b1 - b0) * band.width()
        mid, half = band.center().y(), band.height() / 2
        painter.setPen(QPen(QColor("#6fb3e0"), 1))
        painter.drawLines([QLineF(x, mid - h * half, x, mid - l * half) for x, l, h in zip(xs, lo, hi)])
        painter.restore()


class SegmentLane(LaneItem):
    """Boxes for segments (source spans), or for the current takes of one speaker (dub lane)."""

    def __init__(self, y: float, model: ProjectModel, kind: str, speaker_id: str | None = None,
                 color: QColor = PALETTE[0]):
        super().__init__(y, model.duration)
        self.model, self.kind, self.speaker_id, self.color = model, kind, speaker_id, color
        self.selected: set[str] = set()
        self.font = QFont()
        self.font.setPointSize(8)

    def spans(self, seg: Segment) -> tuple[float, float] | None:
        if self.kind == "source":
            return seg.start, seg.end
        if seg.speaker_id != self.speaker_id:
            return None
        take = seg.current_take
        if take is None:
            return None
        s0, _ = seg.slot
        return s0, s0 + take.duration / max(take.stretch, 1e-3)

    def label(self, seg: Segment) -> str:
        return seg.source_text if self.kind == "source" else seg.target_text

    def paint(self, painter: QPainter, *_args) -> None:
        x0, x1 = self.visible_x()
        painter.save()
        xf = painter.transform()
        painter.resetTransform()
        painter.setFont(self.font)
        segs = self.model.segments
        for row in self.model.visible_range(x0 - 30.0, x1):  # a take may run past its slot
            seg = segs[row]
            span = self.spans(seg)
            if span is None or span[1] < x0:
                continue
            r = xf.mapRect(QRectF(span[0], self.y, span[1] - span[0], LANE_H))
            fill = QColor(self.color)
            if self.kind == "dub":
                take = seg.current_take
                c = fit_color(take.fit_ratio if take else None)
                if c is not None:
                    fill = c
                if seg.is_stale:
                    fill.setAlpha(90)
            painter.setBrush(QBrush(fill))
            sel = seg.id in self.selected
            painter.setPen(QPen(SELECTED if sel else fill.darker(160), 2 if sel else 1))
            if self.kind == "dub" and seg.is_stale:
                painter.setBrush(QBrush(fill, Qt.BrushStyle.BDiagPattern))
            painter.drawRect(r)
            if r.width() > MIN_TEXT_PX:
                painter.setPen(QColor("#f5f5f5"))
                painter.drawText(r.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                                 painter.fontMetrics().elidedText(self.label(seg), Qt.TextElideMode.ElideRight,
                                                                  int(r.width()) - 8))
        painter.restore()


class FaceLane(LaneItem):
    """Face tracks as bars (gaps are where no face was tracked); speaking segments outlined."""

    def __init__(self, y: float, model: ProjectModel, fps: Callable[[], float]):
        super().__init__(y, model.duration)
        self.model, self.fps = model, fps

    def paint(self, painter: QPainter, *_args) -> None:
        x0, x1 = self.visible_x()
        fps = self.fps() or 25.0
        painter.save()
        xf = painter.transform()
        painter.resetTransform()
        band = xf.mapRect(QRectF(max(0.0, x0), self.y, max(0.0, min(self.duration, x1) - max(0.0, x0)), LANE_H))
        painter.fillRect(band, QColor("#2a1f1f"))  # no face unless a track covers it
        tracks = self.model.project.face_tracks
        speaking = {}
        for spk in self.model.project.speakers:
            for tid in spk.face_track_ids:
                speaking[tid] = spk.name
        for i, track in enumerate(tracks):
            t0, t1 = track.start_frame / fps, track.end_frame / fps
            if t1 < x0 or t0 > x1:
                continue
            r = xf.mapRect(QRectF(t0, self.y, t1 - t0, LANE_H))
            color = PALETTE[i % len(PALETTE)]
            if track.low_quality:
                color = color.darker(180)
            painter.fillRect(r, color)
            if r.width() > MIN_TEXT_PX:
                painter.setPen(QColor("#ffffff"))
                name = speaking.get(track.id)
                painter.drawText(r.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter,
                                 f"{track.id}" + (f" → {name}" if name else ""))
        painter.restore()


def lane_label_point(y: float) -> QPointF:
    return QPointF(0.0, y + LANE_H / 2)
