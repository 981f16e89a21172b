"""Inference over chunks: buffer frames dropped, batch-size invariance, 256 px output, sources."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.lipsync.infer import WithAudio, generate_chunk, split_chunks
from engine.lipsync.model.generator import LipSyncModel
from tests.conftest import media_file
from tests.synthetic_head import SyntheticTalkingHead
from tests.unit.lipsync_helpers import TINY


@pytest.fixture(scope="module")
def model() -> LipSyncModel:
    torch.manual_seed(0)
    return LipSyncModel(TINY).eval()


def test_chunk_frames_only_at_256(model):
    src = SyntheticTalkingHead(60, num_references=TINY.num_references)
    frames = range(20, 32)
    refs = src.reference_indices(frames)
    out = generate_chunk(model, src, frames, refs, batch_size=5)
    assert sorted(out) == list(frames)  # buffer frames 10–19 and 32–41 were dropped
    assert all(img.shape == (256, 256, 3) and img.dtype == np.uint8 for img in out.values())
    # Outside the loss mask the crop is the original, untouched.
    mask = src.loss_mask(25) < 1e-3
    assert np.array_equal(out[25][mask], src.crop(25)[mask])


def test_split_chunks_nearly_equal_and_bounded():
    chunks = split_chunks(1000, 300)
    assert len(chunks) == 4 and all(len(c) <= 300 for c in chunks)
    assert {len(c) for c in chunks} == {250}
    assert [f for c in split_chunks(1001, 300) for f in c] == list(range(1001))
    assert max(len(c) for c in split_chunks(1001, 300)) - min(len(c) for c in split_chunks(1001, 300)) <= 1
    assert split_chunks(0, 10) == [] and split_chunks(5, 10) == [range(0, 5)]


def test_batching_does_not_change_the_result(model):
    """Each batch carries the temporal network's context, so results match whatever the batch size."""
    src = SyntheticTalkingHead(50, num_references=TINY.num_references)
    frames = range(5, 40)
    refs = src.reference_indices(frames)
    a = generate_chunk(model, src, frames, refs, batch_size=4)
    b = generate_chunk(model, src, frames, refs, batch_size=64)
    worst = max(int(np.abs(a[i].astype(int) - b[i].astype(int)).max()) for i in frames)
    assert worst <= 1  # float summation order only


def test_other_audio_changes_the_mouths(model):
    src = SyntheticTalkingHead(40, num_references=TINY.num_references)
    frames = range(10, 20)
    refs = src.reference_indices(frames)
    own = generate_chunk(model, src, frames, refs)
    dub = generate_chunk(model, WithAudio(src, np.random.default_rng(0).normal(0, 0.3, 16000 * 3)), frames, refs)
    assert np.mean([np.abs(own[i].astype(int) - dub[i].astype(int)).mean() for i in frames]) > 0.01
    with pytest.raises(ValueError):
        generate_chunk(model, src, frames, refs[:-1])
    with pytest.raises(ValueError):
        generate_chunk(model, src, range(35, 45), refs)


def test_real_clip_source_reads_crops_audio_and_references():
    from engine.lipsync.data.clip_source import ClipWindowSource
    from engine.lipsync.data.windows import WindowDataset

    clip = media_file("video/lecture_en_25s.mp4")
    src = ClipWindowSource(clip, box=(40, 40, 176), language="en", num_references=TINY.num_references,
                           max_frames=60)
    assert src.num_frames == 60 and src.fps == pytest.approx(30.0)
    assert src.crop(0).shape == (256, 256, 3) and src.crop(0).dtype == np.uint8
    assert len(src.samples) > 16000 * 20  # the whole track's audio, 16 kHz
    assert float(np.abs(src.audio(16000, 16000)).max()) > 0.01  # speech, not silence
    ds = WindowDataset(src, TINY, frames=range(0, 48))
    for k in range(0, len(ds), 7):
        window = range(ds.starts[k], ds.starts[k] + TINY.window)
        assert not set(ds.references_for(window)) & set(window)
    item = ds[0]
    assert not bool(item["landmarks_valid"].any())  # a fixed box knows no landmarks
