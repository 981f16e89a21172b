"""Training windows on the tensor side, fed by a :class:`WindowSource` per face track.

A window is ``config.window`` (9) consecutive frames of one track with their audio. The crop
pipeline provides, per track, aligned 256×256 crops, template-space landmarks, loss masks,
reference frames and audio (:class:`WindowSource`); :class:`WindowDataset` turns a track into
model-ready tensors and enforces the information-leak rules of paper §3.1.2:

1. the mouth rectangle is hidden in every input frame (here, and again inside the model);
2. the mask is large enough: a window with a frame whose jaw/mouth landmarks come within
   ``MASK_MARGIN`` of the rectangle's edge (mouth pixels would show) is never used;
3. crops are aligned from eye and nose landmarks only — the crop pipeline's duty (its
   WindowSource must not use lip or chin landmarks to place the crop);
4. no reference is a frame of the window (checked for every window; a violation raises), and
   references carry only the pixels inside the mouth rectangle.

Items also carry the references' landmarks (for the supervised reference attention) and, with
``config.silence_probability``, the nearly closed mouths of a window sometimes hear digital
silence instead of their audio (see :class:`~engine.lipsync.config.LipSyncConfig`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
import torch
from torch.utils.data import ConcatDataset, Dataset

from engine.errors import AvdubError
from engine.faces.masks import mouth_rect_mask
from engine.faces.template import CROP_SIZE
from engine.lipsync.config import LipSyncConfig, language_id
from engine.lipsync.data.recentre import mouth_place, recentred_reference
from engine.lipsync.masks import landmarks_inside
from engine.lipsync.mel import mel_windows
from engine.lipsync.mouth import lip_opening

MASK_MARGIN = 0.02  # crop fractions (≈ 5 px at 256) between any mouth landmark and the mask edge
HIDDEN = 0.5  # value of hidden pixels in [0, 1] images (0 after the model's [-1, 1] mapping)

REST_QUANTILE = 0.05  # openings at most this quantile of a pool count as a mouth at rest


def with_rest_reference(clusters: list[list[int]], shapes: dict[int, np.ndarray]) -> list[list[int]]:
    """Reference clusters (members in order of preference) with one guaranteed closed mouth.

    Clusters of mouth appearance can all be open for a presenter who seldom closes the lips,
    and then nothing can show silence — the gaps of a dub — as a closed mouth. If no cluster's
    first choice is at rest (inner-lip opening at most the pool's REST_QUANTILE), the cluster
    whose first choice is most closed is replaced by the resting frames, the most typical one
    first: nearest the resting frames' mean centred shape by mean point distance over all 13
    jaw/mouth points (the attention itself compares only the lip points), which is also what the shape prior
    asks for in silence — a resting frame with an unusual jaw or width would lose to an open
    mouth with the usual ones.
    ``shapes``: frame → its (13, 2) jaw/mouth landmarks, for the frames where they are known."""
    known = {i: np.asarray(shapes[i], np.float64) for c in clusters for i in c if i in shapes}
    if len(known) <= len(clusters):
        return clusters
    opening = {i: lip_opening(v) for i, v in known.items()}
    limit = float(np.quantile(list(opening.values()), REST_QUANTILE))
    rest = [i for i, o in opening.items() if o <= limit]
    if any(c and c[0] in rest for c in clusters):
        return clusters
    centred_shapes = {i: known[i] - known[i].mean(0) for i in rest}
    typical = np.mean([centred_shapes[i] for i in rest], axis=0)
    rest.sort(key=lambda i: float(np.linalg.norm(centred_shapes[i] - typical, axis=-1).mean()))
    target = min(range(len(clusters)), key=lambda k: opening.get(clusters[k][0], np.inf) if clusters[k] else np.inf)
    out = [list(c) for c in clusters]
    out[target] = rest + [m for m in clusters[target] if m not in rest]
    return out


def _silence(start: int, length: int) -> np.ndarray:
    return np.zeros(length, dtype=np.float32)


class LeakError(AvdubError):
    """Data that would let the model see the mouth it must generate."""


@runtime_checkable
class WindowSource(Protocol):
    """One face track, as the crop pipeline delivers it (frame indices are track-relative)."""

    language: str  # ISO 639-1 code of the speech ("" when unknown)

    @property
    def num_frames(self) -> int: ...

    def crop(self, i: int) -> np.ndarray:
        """(256, 256, 3) uint8 RGB crop of frame i, aligned to the template by eyes and nose only."""

    def landmarks(self, i: int) -> np.ndarray | None:
        """(13, 2) float jaw/mouth landmarks of frame i in template pixels, or None when unknown."""

    def loss_mask(self, i: int) -> np.ndarray:
        """(256, 256) float32 in [0, 1]: the face polygon (slightly larger than the paste mask)."""

    def reference_indices(self, window: range) -> Sequence[int]:
        """N (config.num_references) frame indices of this track to use as references for the
        frames in ``window``; none of them may lie in ``window``."""

    def frame_time(self, i: int) -> float:
        """Presentation time of frame i in seconds on the track's audio clock."""

    def audio(self, start: int, length: int) -> np.ndarray:
        """(length,) float32 samples at 16 kHz from sample ``start``; silence outside the recording."""


def to_tensor(image: np.ndarray, size: int) -> torch.Tensor:
    """(H, W, 3) uint8 → (3, size, size) float32 in [0, 1] (area-averaged when shrinking)."""
    if image.shape[0] != size:
        interp = cv2.INTER_AREA if image.shape[0] > size else cv2.INTER_CUBIC
        image = cv2.resize(image, (size, size), interpolation=interp)
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / 255.0


def frame_landmarks(source: WindowSource, frames: Sequence[int],
                    num_landmarks: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The frames' jaw/mouth landmarks (M, K, 2) in crop fractions and which are known (M,)."""
    return landmarks_tensor([source.landmarks(i) for i in frames], num_landmarks)


def landmarks_tensor(points: Sequence[np.ndarray | None], num_landmarks: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Jaw/mouth landmarks (K, 2) in template px, None when unknown → (M, K, 2) in crop
    fractions and which are known (M,)."""
    lm = torch.zeros(len(points), num_landmarks, 2)
    valid = torch.zeros(len(points), dtype=torch.bool)
    for j, p in enumerate(points):
        if p is not None:
            lm[j] = torch.as_tensor(np.asarray(p, np.float32) / CROP_SIZE)
            valid[j] = True
    return lm, valid


def resize_mask(mask: np.ndarray, size: int) -> torch.Tensor:
    """(H, W) float → (1, size, size) float32."""
    if mask.shape[0] != size:
        mask = cv2.resize(mask.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32))[None]


class WindowDataset(Dataset):
    """Windows of one track: item k starts at frame ``starts[k]``.

    ``frames`` limits the windows to part of the track (e.g. the first 80% for training); the
    references may come from anywhere the source chooses. ``starts`` (optional) names the
    candidate window starts instead of every ``stride``-th frame of ``frames`` — e.g. the
    windows whose crops a long track has cached — and only their frames are checked.
    """

    def __init__(self, source: WindowSource, config: LipSyncConfig, frames: range | None = None,
                 stride: int = 1, cache_images: bool = False, starts: Sequence[int] | None = None,
                 augment: bool = True):
        self.source, self.config = source, config
        # Resized crops kept as uint8 (R² · 3 bytes a frame): worth it for short tracks on CPU.
        self._cache: dict[int, torch.Tensor] | None = {} if cache_images else None
        # References as the model sees them (moved to the usual mouth place, engine.lipsync.data.recentre):
        # few distinct frames, so always kept.
        self._reference_cache: dict[int, tuple[torch.Tensor, np.ndarray | None]] = {}
        frames = frames if frames is not None else range(source.num_frames)
        if frames.start < 0 or frames.stop > source.num_frames:
            raise ValueError(f"frames {frames} outside the track's {source.num_frames} frames")
        self.mouth_place = mouth_place(source, frames)  # None without landmarks
        t = config.window
        candidates = (list(range(frames.start, frames.stop - t + 1, stride)) if starts is None else
                      sorted(int(s) for s in starts if frames.start <= s and s + t <= frames.stop))
        checked = sorted({f for s in candidates for f in range(s, s + t)})
        self.unsafe_frames = self._frames_with_visible_mouth(checked)
        self.starts = [s for s in candidates if not any(f in self.unsafe_frames for f in range(s, s + t))]
        self.rejected_windows = len(candidates) - len(self.starts)
        r = config.resolution
        self._mouth = torch.from_numpy(mouth_rect_mask(r, config.mouth_rect))  # (R, R) bool
        self._language = language_id(source.language)
        self.closed_frames = self._closed_frames(checked) if augment and config.silence_probability > 0 else set()

    def _closed_frames(self, frames: Sequence[int]) -> set[int]:
        """Frames whose known inner-lip opening is at most the track's silence quantile."""
        openings = {}
        for i in frames:
            lm = self.source.landmarks(i)
            if lm is not None:
                openings[i] = lip_opening(np.asarray(lm))
        if len(openings) < 2:
            return set()
        limit = float(np.quantile(list(openings.values()), self.config.silence_quantile))
        return {i for i, o in openings.items() if o <= limit}

    def _frames_with_visible_mouth(self, frames: Sequence[int]) -> set[int]:
        """Rule 2: frames whose mouth landmarks are not well inside the input mask."""
        unsafe = set()
        for i in frames:
            lm = self.source.landmarks(i)
            if lm is not None and not landmarks_inside(np.asarray(lm) / CROP_SIZE, self.config.mouth_rect,
                                                       MASK_MARGIN):
                unsafe.add(i)
        return unsafe

    def __len__(self) -> int:
        return len(self.starts)

    def references_for(self, window: range) -> list[int]:
        """Rule 4: the source's references, checked: N of them, none in the window."""
        refs = [int(i) for i in self.source.reference_indices(window)]
        if len(refs) != self.config.num_references:
            raise LeakError(f"the source gave {len(refs)} references, the model needs {self.config.num_references}")
        inside = [i for i in refs if i in window]
        if inside:
            raise LeakError(f"reference frames {inside} lie inside the window {window.start}–{window.stop - 1}: "
                            "the model could copy the target's mouth")
        return refs

    def image(self, i: int) -> torch.Tensor:
        """(3, R, R) float32 in [0, 1]: crop i at the model's resolution."""
        if self._cache is None:
            return to_tensor(self.source.crop(i), self.config.resolution)
        if i not in self._cache:
            self._cache[i] = (to_tensor(self.source.crop(i), self.config.resolution) * 255).round().to(torch.uint8)
        return self._cache[i].float() / 255.0

    def reference(self, i: int) -> tuple[torch.Tensor, np.ndarray | None]:
        """Frame i as a reference: (3, R, R) float32 in [0, 1] and its (13, 2) landmarks (template
        px, or None), both moved to the track's usual mouth place."""
        if i not in self._reference_cache:
            crop, points = recentred_reference(self.source, i, self.mouth_place)
            image = (to_tensor(crop, self.config.resolution) * 255).round().to(torch.uint8)
            self._reference_cache[i] = image, points
        image, points = self._reference_cache[i]
        return image.float() / 255.0, points

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        cfg, src, r = self.config, self.source, self.config.resolution
        window = range(self.starts[k], self.starts[k] + cfg.window)
        refs = self.references_for(window)
        targets = torch.stack([self.image(i) for i in window])  # (T, 3, R, R)
        inputs = torch.where(self._mouth, torch.full_like(targets, HIDDEN), targets)  # rule 1
        picked = [self.reference(i) for i in refs]
        references = torch.stack([image for image, _ in picked])  # (N, 3, R, R)
        references = torch.where(self._mouth, references, torch.full_like(references, HIDDEN))  # rule 4
        times = np.array([src.frame_time(i) for i in window])
        mel = mel_windows(src.audio, times, cfg.mel_bins, cfg.mel_frames)  # (T, F, L)
        silenced = torch.tensor([i in self.closed_frames for i in window])  # (T,)
        if bool(silenced.any()) and random.random() < cfg.silence_probability:
            mel[silenced] = mel_windows(_silence, times[:1], cfg.mel_bins, cfg.mel_frames)
        else:
            silenced[:] = False
        masks = torch.stack([resize_mask(src.loss_mask(i), r) for i in window])  # (T, 1, R, R)
        landmarks, valid = frame_landmarks(src, window, cfg.num_landmarks)
        ref_landmarks, ref_valid = landmarks_tensor([points for _, points in picked], cfg.num_landmarks)
        if cfg.attention == "shape" and not bool(ref_valid.any()):
            raise AvdubError(f"no reference of the window at frame {window.start} has known landmarks: "
                             "this model's attention is keyed by the references' mouth shapes")
        return {
            "inputs": inputs, "references": references, "mel": mel, "targets": targets, "loss_mask": masks,
            "landmarks": landmarks, "landmarks_valid": valid,
            "reference_landmarks": ref_landmarks, "reference_landmarks_valid": ref_valid,
            "silenced": silenced,
            "language": torch.tensor(self._language, dtype=torch.long),
            "frames": torch.tensor(list(window)), "reference_frames": torch.tensor(refs),
        }


def window_datasets(dataset: Dataset) -> list[WindowDataset] | None:
    """The WindowDatasets a training set is made of (itself, or the parts of a ConcatDataset,
    nested); None when any part is something else."""
    if isinstance(dataset, WindowDataset):
        return [dataset]
    if isinstance(dataset, ConcatDataset):
        parts = [window_datasets(d) for d in dataset.datasets]
        return None if any(p is None for p in parts) else [d for p in parts for d in p]
    return None
