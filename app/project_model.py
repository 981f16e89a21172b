"""The app-side project model: one QObject wrapping the engine's Project, emitting changes.

Views read from it and subscribe to its signals; only undo commands (and project loads) call
its mutators, so every change is undoable and every view hears of it. It keeps an id → row
index so that a change to one segment costs O(1) to locate among thousands.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from engine.project.model import Project, Segment, Speaker
from engine.project.store import ProjectFolder


class ProjectModel(QObject):
    segments_changed = Signal(list)  # ids of segments whose value changed (same rows)
    segments_reset = Signal()  # segments added, removed or reordered
    speakers_changed = Signal()
    project_replaced = Signal()  # a whole new project (opened, or a stage result)

    def __init__(self, folder: ProjectFolder, project: Project, parent: QObject | None = None):
        super().__init__(parent)
        self.folder = folder
        self.project = project
        self.generation = 0  # grows with every change: tells a finished job whether edits happened meanwhile
        self._rows: dict[str, int] = {}
        self._starts: list[float] = []
        self._reindex()

    # ---- reading ---------------------------------------------------------------------------
    @property
    def segments(self) -> tuple[Segment, ...]:
        return self.project.segments

    def segment(self, segment_id: str) -> Segment:
        return self.project.segments[self._rows[segment_id]]

    def row_of(self, segment_id: str) -> int:
        return self._rows[segment_id]

    def neighbours(self, segment_id: str) -> tuple[Segment | None, Segment | None]:
        row = self._rows[segment_id]
        segs = self.project.segments
        return (segs[row - 1] if row > 0 else None, segs[row + 1] if row + 1 < len(segs) else None)

    def segment_at(self, t: float) -> Segment | None:
        """The segment spanning time ``t`` (seconds), if any."""
        i = bisect.bisect_right(self._starts, t) - 1
        if i >= 0 and self.project.segments[i].end > t:
            return self.project.segments[i]
        return None

    def visible_range(self, t0: float, t1: float) -> range:
        """Rows of segments that may overlap [t0, t1] (segments are sorted, ≤ 1 overlap back)."""
        lo = max(0, bisect.bisect_left(self._starts, t0) - 1)
        hi = bisect.bisect_right(self._starts, t1)
        return range(lo, hi)

    @property
    def duration(self) -> float:
        return self.project.source.duration

    # ---- mutation (undo commands only) ------------------------------------------------------
    def replace_segments(self, segments: Sequence[Segment]) -> None:
        """Swap in new values of existing segments with unchanged timing order."""
        for seg in segments:
            self.project.replace_segment(seg)
        self.generation += 1
        order_kept = all(a.start <= b.start for a, b in zip(self.project.segments, self.project.segments[1:]))
        if order_kept:
            self._starts = [s.start for s in self.project.segments]
            self.segments_changed.emit([s.id for s in segments])
        else:
            self.set_segments(self.project.segments)

    def set_segments(self, segments: Sequence[Segment]) -> None:
        self.generation += 1
        self.project.set_segments(list(segments))
        self._reindex()
        self.segments_reset.emit()

    def set_speakers(self, speakers: Sequence[Speaker]) -> None:
        self.generation += 1
        self.project.speakers = tuple(speakers)
        self.speakers_changed.emit()
        self.segments_changed.emit([s.id for s in self.project.segments])

    def replace_project(self, project: Project) -> None:
        self.generation += 1
        self.project = project
        self._reindex()
        self.project_replaced.emit()

    def _reindex(self) -> None:
        self._rows = {s.id: i for i, s in enumerate(self.project.segments)}
        self._starts = [s.start for s in self.project.segments]
