"""Utterance chunks (paper §3.2.1): a track split into nearly equal pieces of at most M frames,
each with up to 10 buffer frames on either side.

For a track of N frames, k = ceil(N / M) chunks whose lengths differ by at most one. Buffer
frames give the model earlier and later audio context and are dropped after generation;
where a chunk touches the track's start or end there are no frames to borrow, so the
missing buffer is recorded as silence padding for the audio (``pad_before``/``pad_after``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BUFFER_FRAMES = 10  # paper §3.2.1
DEFAULT_MAX_FRAMES = 100  # M: 4 s at 25 fps


@dataclass(frozen=True)
class Chunk:
    track_id: str
    start: int  # first generated frame (absolute frame index)
    end: int  # exclusive
    buffer_start: int  # first frame fed to the model (start - buffer before)
    buffer_end: int  # exclusive
    pad_before: int  # frames of silence prepended to the audio (missing buffer at the track start)
    pad_after: int

    @property
    def frames(self) -> range:
        return range(self.start, self.end)

    @property
    def model_frames(self) -> range:
        return range(self.buffer_start, self.buffer_end)

    def __len__(self) -> int:
        return self.end - self.start


def split_even(n: int, max_len: int) -> list[tuple[int, int]]:
    """[start, end) pieces covering range(n): ceil(n / max_len) of them, lengths differing by ≤ 1."""
    if max_len < 1:
        raise ValueError("max_len must be ≥ 1")
    if n <= 0:
        return []
    k = math.ceil(n / max_len)
    base, extra = divmod(n, k)
    out, s = [], 0
    for i in range(k):
        e = s + base + (1 if i < extra else 0)
        out.append((s, e))
        s = e
    return out


def make_chunks(track_id: str, track_start: int, track_end: int, max_frames: int = DEFAULT_MAX_FRAMES,
                buffer: int = BUFFER_FRAMES) -> list[Chunk]:
    chunks = []
    for s, e in split_even(track_end - track_start, max_frames):
        start, end = track_start + s, track_start + e
        b0, b1 = max(track_start, start - buffer), min(track_end, end + buffer)
        chunks.append(Chunk(track_id, start, end, b0, b1, buffer - (start - b0), buffer - (b1 - end)))
    return chunks
