"""Every edit the studio makes, as a QUndoCommand over the ProjectModel.

Commands hold the old and new *values* of frozen entities, so undo is a swap. Drags push one
command per mouse move with the same merge id and a drag token; ``mergeWith`` folds them, so a
whole drag undoes in one step.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand

from app.project_model import ProjectModel
from app.timeline.snapping import MIN_SEGMENT_S
from engine.project.model import Project, Segment, Speaker, new_id

MERGE_MOVE = 1001
_drag_tokens = itertools.count(1)


def tr(text: str) -> str:
    return QCoreApplication.translate("undo", text)


def new_drag_token() -> int:
    return next(_drag_tokens)


def edited(seg: Segment, **changes: Any) -> Segment:
    """``seg`` with ``changes``; bumps the revision when what is spoken changes (as the engine does)."""
    bump = any(k in Project._SPOKEN_FIELDS and getattr(seg, k) != v for k, v in changes.items())
    new = dataclasses.replace(seg, **changes)
    return dataclasses.replace(new, revision=seg.revision + 1) if bump else new


class ReplaceSegmentsCommand(QUndoCommand):
    """Replace values of existing segments (same ids); the base of most edits."""

    def __init__(self, model: ProjectModel, new: Sequence[Segment], text: str):
        super().__init__(text)
        self.model = model
        self.old = [model.segment(s.id) for s in new]
        self.new = list(new)

    def redo(self) -> None:
        self.model.replace_segments(self.new)

    def undo(self) -> None:
        self.model.replace_segments(self.old)


class EditSegmentCommand(ReplaceSegmentsCommand):
    def __init__(self, model: ProjectModel, segment_id: str, text: str | None = None, **changes: Any):
        seg = model.segment(segment_id)
        label = text or tr("Edit {fields}").format(fields=", ".join(k.replace("_", " ") for k in changes))
        super().__init__(model, [edited(seg, **changes)], label)


class MoveSegmentCommand(ReplaceSegmentsCommand):
    """Change a segment's start/end; consecutive moves of one drag merge."""

    def __init__(self, model: ProjectModel, segment_id: str, start: float, end: float, drag: int = 0):
        seg = model.segment(segment_id)
        super().__init__(model, [dataclasses.replace(seg, start=start, end=end)], tr("Move segment"))
        self.drag = drag

    def id(self) -> int:
        return MERGE_MOVE

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveSegmentCommand) or not self.drag or other.drag != self.drag:
            return False
        if other.new[0].id != self.new[0].id:
            return False
        self.new = other.new
        return True


class SetSegmentsCommand(QUndoCommand):
    """Replace the whole segment list (split, merge, stage results touching many rows)."""

    def __init__(self, model: ProjectModel, segments: Sequence[Segment], text: str):
        super().__init__(text)
        self.model = model
        self.old = model.segments
        self.new = tuple(segments)

    def redo(self) -> None:
        self.model.set_segments(self.new)

    def undo(self) -> None:
        self.model.set_segments(self.old)


def split_segment(seg: Segment, t: float) -> tuple[Segment, Segment]:
    """Split at time ``t``: words go by time; texts without words split at a word boundary."""
    if not seg.start + MIN_SEGMENT_S <= t <= seg.end - MIN_SEGMENT_S:
        raise ValueError("split point too close to the segment's edge")
    frac = (t - seg.start) / seg.duration

    def cut(text: str) -> tuple[str, str]:
        words = text.split()
        k = max(0, min(len(words), round(len(words) * frac)))
        return " ".join(words[:k]), " ".join(words[k:])

    if seg.words:
        left_w = tuple(w for w in seg.words if (w.start + w.end) / 2 < t)
        right_w = tuple(w for w in seg.words if (w.start + w.end) / 2 >= t)
        src = (" ".join(w.text for w in left_w), " ".join(w.text for w in right_w))
    else:
        left_w, right_w = (), ()
        src = cut(seg.source_text)
    tgt = cut(seg.target_text)
    first = dataclasses.replace(seg, end=t, source_text=src[0], target_text=tgt[0], words=left_w,
                                target_start=None, target_end=None, revision=seg.revision + 1)
    second = Segment(id=new_id("seg"), start=t, end=seg.end, source_text=src[1], target_text=tgt[1],
                     speaker_id=seg.speaker_id, words=right_w, face_track_id=seg.face_track_id,
                     flags=seg.flags)
    return first, second


def merge_segments(a: Segment, b: Segment) -> Segment:
    """One segment spanning ``a`` then ``b``; its takes (of ``a``) become stale."""
    join = lambda x, y: " ".join(p for p in (x.strip(), y.strip()) if p)  # noqa: E731
    return dataclasses.replace(
        a, start=min(a.start, b.start), end=max(a.end, b.end), source_text=join(a.source_text, b.source_text),
        target_text=join(a.target_text, b.target_text), words=a.words + b.words, target_start=None,
        target_end=None, revision=max(a.revision, b.revision) + 1, flags=a.flags | b.flags)


class SpeakersCommand(QUndoCommand):
    """Change the speaker list (voice, face tracks, names)."""

    def __init__(self, model: ProjectModel, speakers: Sequence[Speaker], text: str):
        super().__init__(text)
        self.model = model
        self.old = model.project.speakers
        self.new = tuple(speakers)

    def redo(self) -> None:
        self.model.set_speakers(self.new)

    def undo(self) -> None:
        self.model.set_speakers(self.old)


class ReplaceProjectCommand(QUndoCommand):
    """Swap in the project a stage job returned; undo brings back the one before."""

    def __init__(self, model: ProjectModel, project: Project, text: str):
        super().__init__(text)
        self.model = model
        self.old = copy.copy(model.project)
        self.new = project

    def redo(self) -> None:
        self.model.replace_project(copy.copy(self.new))

    def undo(self) -> None:
        self.model.replace_project(copy.copy(self.old))
