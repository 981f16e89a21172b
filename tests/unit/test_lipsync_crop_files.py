"""Chunk crops on disk: JPEG frames with an offset table, read back frame by frame."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import ProjectError
from engine.lipsync.data.crop_files import CROPS_FILE, CropFile, open_crops, write_crops


def _frames(n: int) -> list[np.ndarray]:
    """Smooth face-like test images with a distinct bright square per frame (so frames differ)."""
    y, x = np.mgrid[0:256, 0:256]
    base = np.stack([128 + 60 * np.sin(x / 23.0), 110 + 50 * np.cos(y / 31.0), 90 + 0.2 * (x + y) / 2], -1)
    frames = []
    for k in range(n):
        f = base.copy()
        f[40 + 10 * k:80 + 10 * k, 100:140] = 230
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
    return frames


def test_round_trip_is_close_and_in_order(tmp_path):
    frames = _frames(5)
    path = write_crops(tmp_path, iter(frames))
    assert path.name == CROPS_FILE
    crops = CropFile(path)
    assert len(crops) == 5
    for k in (3, 0, 4, 1, 2):  # random access
        back = crops[k]
        assert back.shape == (256, 256, 3) and back.dtype == np.uint8
        err = np.abs(back.astype(int) - frames[k].astype(int))
        assert err.mean() < 1.0 and err.max() < 40
        # the right frame: nearer its own original than any other
        assert min(range(5), key=lambda j: np.abs(back.astype(int) - frames[j]).mean()) == k
    # colour order kept (RGB in, RGB out): the red channel stays the one that varies with x
    assert abs(int(crops[0][128, 0, 0]) - int(frames[0][128, 0, 0])) < 6
    assert path.stat().st_size < 5 * 256 * 256 * 3 / 4  # well under the raw size


def test_out_of_range_and_damage_are_clear_errors(tmp_path):
    path = write_crops(tmp_path, _frames(2))
    crops = CropFile(path)
    with pytest.raises(IndexError):
        crops[2]
    with open(path, "r+b") as f:  # truncate: the offsets no longer match
        f.truncate(path.stat().st_size - 10)
    with pytest.raises(ProjectError, match="damaged"):
        CropFile(path)


def test_rejects_non_image_frames(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        write_crops(tmp_path, [np.zeros((4, 4, 3), np.float32)])


def test_older_npy_chunks_still_open(tmp_path):
    frames = np.stack(_frames(3))
    np.save(tmp_path / "crops.npy", frames)
    crops = open_crops(tmp_path / "crops.npy")
    assert len(crops) == 3 and np.array_equal(np.asarray(crops[1]), frames[1])
