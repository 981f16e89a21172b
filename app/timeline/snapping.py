"""Where a dragged edge lands: neighbour-aware limits and snapping to nearby anchors.

Pure functions over seconds, so the rules are testable without a view. The snap tolerance is
given in seconds by the view (a fixed number of pixels at the current zoom).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import numpy as np

MIN_SEGMENT_S = 0.1  # shorter than a syllable: never a useful segment


class DragMode(enum.Enum):
    START = "start"
    END = "end"
    BODY = "body"


def snap(t: float, anchors: Iterable[float], silences: np.ndarray | None, tolerance: float) -> float:
    """``t`` moved to the nearest anchor or silence centre within ``tolerance``, else ``t``."""
    best, best_d = t, tolerance
    for a in anchors:
        if a is not None and abs(a - t) <= best_d:
            best, best_d = a, abs(a - t)
    if silences is not None and len(silences):
        i = int(np.searchsorted(silences, t))
        for j in (i - 1, i):
            if 0 <= j < len(silences) and abs(silences[j] - t) <= best_d:
                best, best_d = float(silences[j]), abs(silences[j] - t)
    return best


def constrain(mode: DragMode, start: float, end: float, delta: float, lo: float, hi: float,
              anchors: list[float], silences: np.ndarray | None, tolerance: float) -> tuple[float, float]:
    """New (start, end) after moving by ``delta`` s, kept inside [lo, hi] (the neighbours)."""
    if mode is DragMode.START:
        s = snap(start + delta, anchors, silences, tolerance)
        return min(max(lo, s), end - MIN_SEGMENT_S), end
    if mode is DragMode.END:
        e = snap(end + delta, anchors, silences, tolerance)
        return start, max(min(hi, e), start + MIN_SEGMENT_S)
    length = end - start
    s = start + delta
    snapped_s = snap(s, anchors, silences, tolerance)
    snapped_e = snap(s + length, anchors, silences, tolerance)
    if snapped_s != s:
        s = snapped_s
    elif snapped_e != s + length:
        s = snapped_e - length
    s = min(max(lo, s), hi - length)
    return s, s + length
