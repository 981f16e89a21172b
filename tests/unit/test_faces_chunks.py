"""Chunking of tracks into near-equal pieces with buffer frames (paper §3.2.1)."""

import pytest

from engine.faces.chunks import BUFFER_FRAMES, make_chunks, split_even


@pytest.mark.parametrize("n, m", [(1, 100), (100, 100), (101, 100), (250, 100), (999, 37), (7, 1)])
def test_split_even_covers_everything_with_near_equal_lengths(n, m):
    pieces = split_even(n, m)
    lengths = [e - s for s, e in pieces]
    assert pieces[0][0] == 0 and pieces[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))
    assert max(lengths) <= m and max(lengths) - min(lengths) <= 1
    assert len(pieces) == -(-n // m)


def test_buffers_and_silence_padding_at_track_edges():
    chunks = make_chunks("t", 1000, 1250, max_frames=100)
    assert [len(c) for c in chunks] == [84, 83, 83]
    first, mid, last = chunks
    assert first.buffer_start == 1000 and first.pad_before == BUFFER_FRAMES  # track start: silence
    assert first.buffer_end == first.end + BUFFER_FRAMES and first.pad_after == 0
    assert mid.buffer_start == mid.start - 10 and mid.buffer_end == mid.end + 10 and mid.pad_before == mid.pad_after == 0
    assert last.buffer_end == 1250 and last.pad_after == BUFFER_FRAMES


def test_short_track_has_partial_padding():
    (c,) = make_chunks("t", 0, 5, max_frames=100)
    assert (c.buffer_start, c.buffer_end, c.pad_before, c.pad_after) == (0, 5, 10, 10)


def test_empty_track_and_bad_max():
    assert make_chunks("t", 5, 5) == []
    with pytest.raises(ValueError):
        split_even(10, 0)
