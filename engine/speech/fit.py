"""Fit each take into the timeline: borrow silence, time-stretch within bounds, flag the rest.

Per segment, in order (all pure arithmetic here; the audio work is in :mod:`dubtrack`):

1. **Borrow silence.** The take may use the silence after its source span up to the next
   segment's speech (minus a guard), and — when it would not fit otherwise — the silence
   before it back to the end of the previous placed take. It never overlaps another
   segment's speech. ``fit_ratio`` = take duration ÷ that available window.
2. **Stretch.** A take that is still too long is sped up with Rubber Band (pitch kept) by at
   most ``max_speed`` (1.25 by default: the paper's range of natural speaking rates); a take
   shorter than ``min_speed`` × window is never slowed (``min_speed`` < 1 only allows slowing
   when the user asks to fill slots).
3. **Overflow.** What still does not fit is flagged, with remedies: the translation should
   shrink to ``1 / residual`` of its length, or the renderer may slow the video down locally
   by ``residual`` over the segment span. The take is cut at the window's end with a fade, so
   the dub track keeps its sync and length.

``speed`` is the time-stretch factor applied (> 1: faster; 1.0: untouched).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GUARD_SECONDS = 0.05  # kept free before the next segment's speech starts
BORROW_BEFORE_MAX = 1.0  # seconds a take may start early: beyond that lips and voice drift apart


@dataclass(frozen=True)
class FitSettings:
    min_speed: float = 0.80
    max_speed: float = 1.25
    stretch_short: bool = False  # slow short takes down to fill their slot (within min_speed)


@dataclass(frozen=True)
class FitItem:
    segment_id: str
    start: float  # source span of the segment (its speech), seconds
    end: float
    take_duration: float  # 0: no take (empty translation): the segment stays silent


@dataclass(frozen=True)
class Placement:
    segment_id: str
    start: float  # where the (stretched) take starts in the dub track
    window_start: float
    window_end: float
    fit_ratio: float  # take duration ÷ available window, before stretching
    speed: float  # applied time-stretch factor (> 1 faster)
    overflow: bool
    residual: float  # fit ratio after stretching (≤ 1: fits)

    @property
    def duration(self) -> float:
        """Placed duration after stretching, cut at the window end."""
        return min(self.window_end - self.start, self.residual * (self.window_end - self.window_start))


def room_after(items: Sequence[FitItem], total: float) -> dict[str, float]:
    """Seconds each segment's take may last from its start without touching the next speech."""
    items = sorted(items, key=lambda i: i.start)
    out = {}
    for k, item in enumerate(items):
        end = items[k + 1].start - GUARD_SECONDS if k + 1 < len(items) else total
        out[item.segment_id] = max(item.end, min(end, total)) - item.start
    return out


def plan_fit(items: Sequence[FitItem], total: float, settings: FitSettings = FitSettings()) -> list[Placement]:
    """Place every take; ``items`` sorted by start, ``total`` the video duration."""
    items = sorted(items, key=lambda i: i.start)
    out: list[Placement] = []
    prev_end = 0.0  # end of the previous segment's speech or of its placed take, whichever later
    for k, item in enumerate(items):
        nxt = items[k + 1].start if k + 1 < len(items) else total
        window_end = max(item.end, nxt - GUARD_SECONDS) if k + 1 < len(items) else total
        window_end = min(window_end, total)
        earliest = max(prev_end + (GUARD_SECONDS if k else 0.0), item.start - BORROW_BEFORE_MAX, 0.0)
        earliest = min(earliest, item.start)
        after = window_end - item.start
        window_start = item.start if item.take_duration <= after else earliest
        available = max(window_end - window_start, 1e-3)
        ratio = item.take_duration / available
        speed = 1.0
        if ratio > 1.0:
            speed = min(ratio, settings.max_speed)
        elif settings.stretch_short and 0 < ratio < settings.min_speed:
            speed = max(ratio, settings.min_speed)  # slow down toward the slot, never below min_speed
        residual = ratio / speed
        placed = item.take_duration / speed
        start = max(window_start, min(item.start, window_end - placed))
        out.append(Placement(item.segment_id, round(start, 6), window_start, window_end, round(ratio, 4),
                             round(speed, 4), residual > 1.0 + 1e-6, round(residual, 4)))
        prev_end = max(item.end, start + min(placed, window_end - start))
    return out
