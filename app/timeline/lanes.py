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
        self.gain = 1.0

    def set_envelope(self, lo: np.ndarray, hi: np.ndarray, rate: int, peak: float) -> None:
        """``peak``: the level that fills the lane (normalising quiet recordings)."""
        self.lo, self.hi, self.rate = lo, hi, rate
        self.gain = 1.0 / max(peak, 1e-3)
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
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter, self.tr("reading audio…"))
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
        mid, half = band.center().y(), band.height() / 2 * self.gain
        painter.setPen(QPen(QColor("#6fb3e0"), 1))
        lim = band.height() / 2
        painter.drawLines([QLineF(x, mid - min(lim, h * half), x, mid - max(-lim, l * half)) for x, l, h in zip(xs, lo, hi)])
        painter.restore()


class SegmentLane(LaneItem):
    """Boxes for segments (source spans), or for the current takes of one speaker (dub lane).

    Spans, colours and labels are cached in arrays (rebuilt after a model change), and boxes
    closer than a pixel are drawn as one run, so a zoomed-out view of thousands of segments
    costs a few hundred QPainter calls.
    """

    def __init__(self, y: float, model: ProjectModel, kind: str, speaker_id: str | None = None,
                 color: QColor = PALETTE[0]):
        super().__init__(y, model.duration)
        self.model, self.kind, self.speaker_id, self.color = model, kind, speaker_id, color
        self.selected: set[str] = set()
        self.font = QFont()
        self.font.setPointSize(8)
        self._cache: tuple[np.ndarray, np.ndarray, list[int], list[str], list[str]] | None = None
        self._pos: dict[str, int] = {}
        self._palette = self._make_palette()

    def _make_palette(self) -> list[tuple[QBrush, QPen]]:
        """Brush and pen per colour code: 0 base, 1–3 fit ok/stretch/bad; +4 stale."""
        from app.segment_table import COLOR_BAD, COLOR_OK, COLOR_STRETCH

        out = []
        for stale in (False, True):
            for c in (self.color, COLOR_OK, COLOR_STRETCH, COLOR_BAD):
                fill = QColor(c)
                if stale:
                    fill.setAlpha(110)
                brush = QBrush(fill, Qt.BrushStyle.BDiagPattern) if stale else QBrush(fill)
                out.append((brush, QPen(QColor(c).darker(160), 1)))
        return out

    def invalidate(self) -> None:
        self._cache = None
        self.update()

    def _entry(self, seg) -> tuple[float, float, int, str] | None:
        """(start, end, colour code, label) of ``seg`` in this lane, or None when not shown."""
        if self.kind == "source":
            return seg.start, seg.end, 0, seg.source_text
        if seg.speaker_id != self.speaker_id:
            return None
        take = seg.current_take
        if take is None:
            return None
        s0 = seg.slot[0]
        r = take.fit_ratio
        code = 0 if r is None else 1 if r <= 1.0 else 2 if r <= 1.15 else 3
        if take.made_from_revision < seg.revision:
            code += 4
        return s0, s0 + take.duration / max(take.stretch, 1e-3), code, seg.target_text

    def _build(self) -> tuple[np.ndarray, np.ndarray, list[int], list[str], list[str]]:
        starts, ends, codes, labels, ids = [], [], [], [], []
        for seg in self.model.segments:
            entry = self._entry(seg)
            if entry is not None:
                starts.append(entry[0])
                ends.append(entry[1])
                codes.append(entry[2])
                labels.append(entry[3])
                ids.append(seg.id)
        self._pos = {sid: i for i, sid in enumerate(ids)}
        return np.asarray(starts, np.float64), np.asarray(ends, np.float64), codes, labels, ids

    def segments_changed(self, changed: list[str]) -> None:
        """Patch the cache for a few changed segments (a drag step): O(changed), not O(segments)."""
        if self._cache is None:
            return self.update()
        starts, ends, codes, labels, _ids = self._cache
        for sid in changed:
            entry = self._entry(self.model.segment(sid))
            i = self._pos.get(sid)
            if (entry is None) != (i is None):
                return self.invalidate()  # appears in or leaves this lane
            if entry is None:
                continue
            s = entry[0]
            if (i > 0 and starts[i - 1] > s) or (i + 1 < len(starts) and starts[i + 1] < s):
                return self.invalidate()  # the order changed
            starts[i], ends[i], codes[i], labels[i] = entry
        self.update()

    def paint(self, painter: QPainter, *_args) -> None:
        if self._cache is None:
            self._cache = self._build()
        starts, ends, codes, labels, ids = self._cache
        if not len(starts):
            return
        x0, x1 = self.visible_x()
        xf = painter.transform()
        band = xf.mapRect(QRectF(0.0, self.y, 1.0, LANE_H))
        a, b = band.width(), band.left()  # px = a * t + b
        top, height = band.top(), band.height()
        lo = max(0, int(np.searchsorted(starts, x0 - 60.0)))  # a take may run past its slot
        hi = int(np.searchsorted(starts, x1, side="right"))
        painter.save()
        painter.resetTransform()
        painter.setFont(self.font)
        fm = painter.fontMetrics()
        run: list[float] | None = None  # [px0, px1, code] of boxes narrower than a pixel, merged

        def flush() -> None:
            if run is not None:
                brush, pen = self._palette[int(run[2])]
                painter.setBrush(brush)
                painter.setPen(pen)
                painter.drawRect(QRectF(run[0], top, max(1.0, run[1] - run[0]), height))

        for i in range(lo, hi):
            if ends[i] < x0:
                continue
            p0, p1 = a * starts[i] + b, a * ends[i] + b
            if p1 - p0 < 3.0:
                if run is not None and run[2] == codes[i] and p0 - run[1] < 1.0:
                    run[1] = p1
                else:
                    flush()
                    run = [p0, p1, codes[i]]
                continue
            flush()
            run = None
            brush, pen = self._palette[codes[i]]
            painter.setBrush(brush)
            sel = ids[i] in self.selected
            painter.setPen(QPen(SELECTED, 2) if sel else pen)
            r = QRectF(p0, top, p1 - p0, height)
            painter.drawRect(r)
            if r.width() > MIN_TEXT_PX:
                painter.setPen(QColor("#f5f5f5"))
                painter.drawText(r.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                                 fm.elidedText(labels[i], Qt.TextElideMode.ElideRight, int(r.width()) - 8))
        flush()
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
        if not tracks:
            painter.setPen(QColor("#b08a8a"))
            painter.drawText(band.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter,
                             self.tr("no face tracks yet — run Track (Ctrl+5)"))
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
