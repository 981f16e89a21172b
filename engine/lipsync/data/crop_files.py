"""Lip-sync chunk crops on disk: one JPEG per frame in a single file, with an offset table.

The lip-sync stage keeps every generated 256×256 crop in the project cache until the render
pastes it. Raw uint8 arrays (196 kB a frame) would fill tens of gigabytes for a long lecture;
JPEG at quality 95 without chroma subsampling is about a tenth of that and changes the crops
far less than the render's H.264 encoding does (sizes, PSNR and speed: ``docs/lipsync.md``).

``crops.jpeg`` holds the frames back to back; ``crops.jpeg.offsets.npy`` the (n + 1,) byte
offsets.
Both are written into a pending cache entry, so a killed run never leaves a torn chunk.
Chunks cached before this format (``crops.npy``) are still read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from engine.errors import ProjectError

CROPS_FILE = "crops.jpeg"
OFFSETS_SUFFIX = ".offsets.npy"  # beside the crops file: crops.jpeg → crops.jpeg.offsets.npy
JPEG_QUALITY = 95
_ENCODE = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY,
           cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]


def write_crops(directory: Path, frames: Iterable[np.ndarray]) -> Path:
    """Write (H, W, 3) uint8 RGB frames to ``directory``/crops.jpeg (+ offsets); returns its path."""
    path = Path(directory) / CROPS_FILE
    offsets = [0]
    with open(path, "wb") as out:
        for frame in frames:
            if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
                raise ValueError(f"crops must be (H, W, 3) uint8, got {frame.shape} {frame.dtype}")
            ok, blob = cv2.imencode(".jpg", np.ascontiguousarray(frame[..., ::-1]), _ENCODE)
            if not ok:
                raise ValueError("JPEG encoding of a crop failed")
            out.write(blob.tobytes())
            offsets.append(offsets[-1] + len(blob))
    np.save(_offsets_path(path), np.asarray(offsets, dtype=np.int64))
    return path


def _offsets_path(path: Path) -> Path:
    return path.with_name(path.name + OFFSETS_SUFFIX)


class CropFile:
    """Random access to the frames of a crops file: ``len(f)``, ``f[k]`` → (H, W, 3) uint8 RGB."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._offsets = np.load(_offsets_path(self.path))  # (n + 1,) int64
        self._data = np.memmap(self.path, dtype=np.uint8, mode="r") if self._offsets[-1] > 0 else np.zeros(0, np.uint8)
        if len(self._data) != self._offsets[-1]:
            raise ProjectError(f"{self.path} holds {len(self._data)} bytes, its offsets say {self._offsets[-1]} "
                               "(a damaged cache entry: run the lipsync stage again with --force)")

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, k: int) -> np.ndarray:
        if not 0 <= k < len(self):
            raise IndexError(f"frame {k} of a {len(self)}-frame crops file")
        blob = np.asarray(self._data[self._offsets[k]:self._offsets[k + 1]])
        image = cv2.imdecode(blob, cv2.IMREAD_COLOR)
        if image is None:
            raise ProjectError(f"frame {k} of {self.path} cannot be decoded (a damaged cache entry: "
                               "run the lipsync stage again with --force)")
        return image[..., ::-1].copy()


def open_crops(path: Path) -> CropFile | np.ndarray:
    """A chunk's crops, indexable by frame: a :class:`CropFile`, or a memory map of an older ``.npy``."""
    path = Path(path)
    if path.suffix == ".npy":
        return np.load(path, mmap_mode="r")  # (n, 256, 256, 3) uint8
    return CropFile(path)
