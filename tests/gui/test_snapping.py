"""Timeline drag rules: neighbour limits, minimum length, snapping to anchors and silences."""

from __future__ import annotations

import numpy as np
import pytest

from app.timeline.snapping import MIN_SEGMENT_S, DragMode, constrain, snap
from engine.waveform import Envelope


def test_snap_prefers_nearest_within_tolerance():
    assert snap(5.02, [5.0, 5.1], None, 0.05) == 5.0
    assert snap(5.2, [5.0], None, 0.05) == 5.2
    assert snap(7.01, [], np.array([3.0, 7.0]), 0.05) == 7.0


def test_edges_stay_between_neighbours_and_keep_min_length():
    assert constrain(DragMode.START, 2.0, 4.0, -5.0, 1.0, 6.0, [], None, 0.0) == (1.0, 4.0)
    s, e = constrain(DragMode.START, 2.0, 4.0, 5.0, 1.0, 6.0, [], None, 0.0)
    assert e == 4.0 and s == pytest.approx(4.0 - MIN_SEGMENT_S)
    assert constrain(DragMode.END, 2.0, 4.0, 9.0, 1.0, 6.0, [], None, 0.0) == (2.0, 6.0)
    assert constrain(DragMode.BODY, 2.0, 4.0, 9.0, 1.0, 6.0, [], None, 0.0) == (4.0, 6.0)
    assert constrain(DragMode.BODY, 2.0, 4.0, 0.5, 1.0, 6.0, [], None, 0.0) == (2.5, 4.5)


def test_body_snaps_by_either_edge():
    s, e = constrain(DragMode.BODY, 2.0, 4.0, 0.97, 0.0, 10.0, [5.0], None, 0.05)
    assert (s, e) == (3.0, 5.0)


def test_silences_from_envelope():
    rate = 100
    quiet = np.full(rate, -60.0, np.float32)
    loud = np.full(rate, -10.0, np.float32)
    rms = np.concatenate([loud, quiet[:50], loud, quiet[:5], loud])  # a 0.5 s pause, a 0.05 s one
    env = Envelope(rate, -np.ones_like(rms), np.ones_like(rms), rms)
    assert env.silences() == pytest.approx([1.25])
