"""The ranges and shapes a project must keep, beyond what its types say.

:mod:`engine.project.codec` checks types; this module checks what a hand-edited or hostile
project.json could still get wrong, before anything acts on it:

- the document's nesting depth (a few thousand brackets crash a recursive reader);
- times: finite, not negative, ``start < end``, within the video's duration (plus
  :data:`TIME_SLACK`, for word timings a recogniser places a little past the end), segments in
  time order and not overlapping (the editor's drags stop at the neighbours; the timeline,
  fitting and subtitles rely on it), word and retimed spans well formed;
- sizes and counts not negative, take stretch positive;
- every path the project stores for its own files (takes, face-track data, the dub track)
  relative and inside the project folder, so no field makes avdub read or pack a file elsewhere.
  The source video is the one path allowed outside; it is checked by its fingerprint.

``settings`` is typed by its own module and is not walked here. Errors name file, field and reason.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from engine.errors import ProjectValidationError
from engine.project.model import Project

MAX_DEPTH = 64  # nesting of the JSON document; avdub itself writes at most 6 levels (settings aside, ~10)
TIME_SLACK = 1.0  # seconds a time may pass the video's end (recogniser word timings overshoot a little)
OVERLAP_TOLERANCE = 1e-6  # seconds: float noise where one segment ends and the next starts


def check_depth(doc: Any, file: str) -> None:
    """Refuse a document nested deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise ProjectValidationError(file, path or "(document)", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack += [(v, depth + 1, f"{path}.{k}" if path else str(k)) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, depth + 1, f"{path}[{i}]") for i, v in enumerate(value)]


def is_inside_project(relative: str) -> bool:
    """True when ``relative`` names a place inside the project folder (judged on the text alone,
    so a folder the user links elsewhere, such as the cache, still counts as inside)."""
    if not relative or "\0" in relative or os.path.isabs(relative) or posixpath.isabs(relative.replace("\\", "/")):
        return False
    if len(relative) > 1 and relative[1] == ":":  # a Windows drive, even when read on POSIX
        return False
    normal = posixpath.normpath(relative.replace("\\", "/"))
    return normal != "." and normal != ".." and not normal.startswith("../")


def check_project(project: Project, file: str) -> None:
    """Ranges, order and paths of a decoded project; raises ProjectValidationError."""
    def fail(field: str, reason: str) -> None:
        raise ProjectValidationError(file, field, reason)

    duration = project.source.duration
    limit = duration + TIME_SLACK

    def check_time(field: str, value: float) -> None:
        if value < 0:
            fail(field, f"must not be negative ({value})")
        if duration > 0 and value > limit:
            fail(field, f"is past the end of the video ({value} s; the video lasts {duration:g} s)")

    def check_path(field: str, value: str) -> None:
        if not is_inside_project(value):
            fail(field, f"must be a path inside the project folder, got {value!r}")

    if not project.source.path or "\0" in project.source.path:
        fail("project.source.path", "must name the video file")
    if project.source.size_bytes < 0:
        fail("project.source.size_bytes", "must not be negative")
    if project.dub_track is not None:
        check_path("project.dub_track", project.dub_track)
    previous_end, previous_id = 0.0, None
    for i, seg in enumerate(project.segments):
        where = f"project.segments[{i}]"
        check_time(f"{where}.start", seg.start)
        check_time(f"{where}.end", seg.end)
        if previous_id is not None and seg.start < previous_end - OVERLAP_TOLERANCE:
            fail(f"{where}.start", f"overlaps segment {previous_id!r} (which ends at {previous_end} s); "
                                   "segments are in time order and do not overlap")
        previous_end, previous_id = max(previous_end, seg.end), seg.id
        for name in ("target_start", "target_end"):
            value = getattr(seg, name)
            if value is not None:
                check_time(f"{where}.{name}", value)
        if seg.target_start is not None and seg.target_end is not None and seg.target_end <= seg.target_start:
            fail(f"{where}.target_end", f"must be after target_start ({seg.target_end} <= {seg.target_start})")
        for j, word in enumerate(seg.words):
            check_time(f"{where}.words[{j}].start", word.start)
            check_time(f"{where}.words[{j}].end", word.end)
            if word.end < word.start:
                fail(f"{where}.words[{j}].end", f"must not be before start ({word.end} < {word.start})")
            if not 0.0 <= word.confidence <= 1.0:
                fail(f"{where}.words[{j}].confidence", f"must be between 0 and 1, got {word.confidence}")
        for j, take in enumerate(seg.takes):
            tw = f"{where}.takes[{j}]"
            check_path(f"{tw}.audio_path", take.audio_path)
            if take.duration < 0:
                fail(f"{tw}.duration", f"must not be negative ({take.duration})")
            if take.made_from_revision < 0:
                fail(f"{tw}.made_from_revision", "must not be negative")
            if take.stretch <= 0:
                fail(f"{tw}.stretch", f"must be positive, got {take.stretch}")
            if take.fit_ratio is not None and take.fit_ratio < 0:
                fail(f"{tw}.fit_ratio", f"must not be negative ({take.fit_ratio})")
    for i, track in enumerate(project.face_tracks):
        where = f"project.face_tracks[{i}]"
        if track.start_frame < 0:
            fail(f"{where}.start_frame", "must not be negative")
        if track.data_path:
            check_path(f"{where}.data_path", track.data_path)
        if track.mean_eye_distance < 0:
            fail(f"{where}.mean_eye_distance", "must not be negative")
    for name, record in project.stages.items():
        if record.seconds < 0:
            fail(f"project.stages.{name}.seconds", "must not be negative")
