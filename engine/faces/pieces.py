"""The render in pieces: which frames form a piece, and what a piece's picture depends on.

A render is cut at fixed frame indices into pieces of about :data:`PIECE_SECONDS` (multiples
of one length from frame 0, so an edit never moves a boundary). Each piece is encoded on its
own into the project cache, keyed by everything its pixels depend on: the source and the
frame range, the output's size and rate, the render settings, and for every rendered track
that overlaps the range a digest of its transforms and landmarks on those frames plus the
*identity of the crops* the provider serves for them (:data:`CropIdentity`). Pieces whose key
is found are reused; the pieces are then joined without re-encoding
(:func:`engine.media.join.join_pieces`). After one segment's translation changed, only the
pieces overlapping the lip-sync chunks generated again are encoded again.

Ten seconds per piece costs one ffmpeg start and one keyframe each (measured in
``docs/faces.md``), and makes a one-segment re-render encode a few tens of seconds of video.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.faces.store import TrackData

PIECE_SECONDS = 10.0  # default piece length (setting ``render.piece_seconds``)
PIECE_VERSION = 2  # bump when the pixels of a piece change for the same inputs
PIECE_STAGE = "render-pieces"  # the cache's folder of encoded pieces
PIECE_FILE = "piece.mp4"

# (track id, first frame, end frame) → a JSON-able value that is equal for two calls exactly
# when the provider serves the same crops for those frames of that track (for lip-sync
# crops: the content-addressed chunk files covering them).
CropIdentity = Callable[[str, int, int], Any]


@dataclass(frozen=True)
class Piece:
    index: int
    start: int  # first frame index
    end: int  # one past the last

    @property
    def frames(self) -> int:
        return self.end - self.start


def piece_length(fps: float, piece_seconds: float) -> int:
    """Frames per piece: ``piece_seconds`` at ``fps``, at least one."""
    return max(1, round(piece_seconds * fps))


def plan_pieces(frame_count: int, fps: float, piece_seconds: float = PIECE_SECONDS) -> list[Piece]:
    length = piece_length(fps, piece_seconds)
    return [Piece(i, a, min(a + length, frame_count)) for i, a in enumerate(range(0, frame_count, length))]


def track_digest(track: TrackData, start: int, end: int) -> str:
    """Hash of what the blend reads from ``track`` for frames [start, end): transforms and landmarks."""
    rows = slice(start - track.start_frame, end - track.start_frame)
    digest = hashlib.sha256(f"{track.id}:{start}:{end}".encode())
    digest.update(np.ascontiguousarray(track.transforms[rows], dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(track.landmarks[rows], dtype=np.float32).tobytes())
    return digest.hexdigest()


def piece_inputs(piece: Piece, picture: Mapping[str, Any], tracks: Sequence[TrackData],
                 crop_identity: CropIdentity) -> dict[str, Any]:
    """The cache key of ``piece``: ``picture`` (source, size, rate, settings) plus what each
    overlapping track contributes to these frames."""
    covering = []
    for t in tracks:
        a, b = max(piece.start, t.start_frame), min(piece.end, t.end_frame)
        if a < b:
            covering.append([t.id, track_digest(t, a, b), crop_identity(t.id, a, b)])
    return {**picture, "frames": [piece.start, piece.end], "tracks": covering, "version": PIECE_VERSION}
