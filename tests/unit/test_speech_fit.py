"""Fit planning and dub-track assembly (pure arithmetic and numpy; no models)."""

from __future__ import annotations

import numpy as np

from engine.speech.dubtrack import assemble, duck_mix, fade
from engine.speech.fit import GUARD_SECONDS, FitItem, FitSettings, plan_fit


def test_take_that_fits_starts_with_its_segment_and_is_untouched():
    [p] = plan_fit([FitItem("a", 1.0, 3.0, 1.5)], total=10.0)
    assert p.start == 1.0 and p.speed == 1.0 and not p.overflow
    assert p.fit_ratio == round(1.5 / 9.0, 4)  # borrowed the silence up to the video's end


def test_borrowing_stops_before_the_next_segment_speech():
    items = [FitItem("a", 0.0, 2.0, 2.6), FitItem("b", 3.0, 5.0, 1.0)]
    a, b = plan_fit(items, total=6.0)
    assert a.window_end == 3.0 - GUARD_SECONDS and a.speed == 1.0 and not a.overflow
    assert a.start + 2.6 <= b.start  # no overlap with b's speech
    assert b.start == 3.0


def test_stretch_within_bounds_then_overflow_with_remedies():
    items = [FitItem("a", 0.0, 2.0, 2.2), FitItem("b", 2.1, 4.0, 4.0), FitItem("c", 4.5, 6.0, 1.0)]
    a, b, c = plan_fit(items, total=7.0)
    assert 1.0 < a.speed <= 1.25 and not a.overflow  # 2.2 s into 2.05 s: stretched, fits
    assert b.speed == 1.25 and b.overflow and b.residual > 1.0  # 4 s into ~2.35 s: cannot
    assert b.start >= a.start + 2.2 / a.speed  # b borrowed what it could before, after a's take
    assert b.duration <= b.window_end - b.start + 1e-9
    assert c.start == 4.5


def test_configurable_bounds_and_slowing_short_takes():
    [p] = plan_fit([FitItem("a", 0.0, 2.0, 3.0)], total=2.0, settings=FitSettings(max_speed=1.6))
    assert p.speed == 1.5 and not p.overflow
    [q] = plan_fit([FitItem("a", 0.0, 2.0, 1.0)], total=2.0, settings=FitSettings(stretch_short=True))
    assert q.speed == 0.8  # slowed down only as far as allowed


def test_empty_take_is_harmless():
    [p] = plan_fit([FitItem("a", 0.0, 2.0, 0.0)], total=3.0)
    assert p.fit_ratio == 0.0 and not p.overflow


def test_assembly_is_sample_accurate_and_exact_length_without_drift():
    sr = 24_000
    total = 3600.123  # an hour: rounding must not accumulate
    click = np.ones(480, dtype=np.float32) * 0.5
    starts = [i * 10.0 + 0.333333 for i in range(360)]
    track = assemble(total, [(s, 1.0, click) for s in starts], sr)
    assert track.size == round(total * sr)
    for s in starts[::37]:
        a = round(s * sr)
        assert track[a - 1] == 0.0 and track[a + 240] == 0.5  # starts exactly at its sample; fades only edges


def test_assembly_cuts_overlong_take_at_its_window():
    sr = 1000
    track = assemble(2.0, [(0.5, 0.5, np.ones(2000, np.float32))], sr)
    assert track[1000:].max() == 0.0 and track[995] < 0.5 and track[600] == 1.0 and track.size == 2000


def test_fade_and_duck_mix():
    y = fade(np.ones(1000, np.float32), 1000, 0.01)
    assert y[0] == 0.0 and y[500] == 1.0 and y[-1] == 0.0
    dub = np.zeros(8000, np.float32)
    orig = np.ones(8000, np.float32) * 0.5
    mixed = duck_mix(dub, orig, 1000, [(2.0, 6.0)])
    assert mixed[4000] < 0.05 < mixed[500]
