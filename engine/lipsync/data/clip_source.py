"""A :class:`~engine.lipsync.data.windows.WindowSource` over a talking-head clip with a fixed crop box.

A stand-in for the face pipeline, for footage that is already a steady close-up (such as the
256×256 test clips): every frame is cut at the same square box (OpenCV decode, resampled to
the 256×256 template), so there is no tracking and no landmark information until a caller
sets them (:meth:`set_landmarks`); :meth:`warp` re-cuts the crops through per-frame transforms
(the harness holds the head still with it, as the product's per-frame alignment does). The
loss mask is the mouth rectangle grown by ``LOSS_MARGIN`` and feathered. References are chosen
by K-means (10 clusters) over the reference pool (e.g. the training part of the clip): over
mouth shapes once landmarks are set, as the product's tracks choose them, else over small grey
thumbnails of the mouth region; for each cluster, the member closest to its centre that is not
in the window; with landmarks set, one of them is a mouth at rest
(:func:`~engine.lipsync.data.windows.with_rest_reference`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from engine.errors import MediaError
from engine.faces.masks import rect_pixels
from engine.faces.references import mouth_shapes
from engine.faces.template import CROP_SIZE, MOUTH_RECT
from engine.lipsync.config import NUM_LANDMARKS
from engine.lipsync.data.windows import with_rest_reference
from engine.lipsync.mel import array_span
from engine.media.audio import SAMPLE_RATE, decode_audio

LOSS_MARGIN = 0.03  # crop fractions the loss mask extends beyond the mouth rectangle
THUMB = 16  # px: mouth thumbnails for reference clustering


class ClipWindowSource:
    def __init__(self, path: Path, box: tuple[int, int, int] | None = None, language: str = "",
                 num_references: int = 10, reference_pool: range | None = None, max_frames: int | None = None):
        """``box`` = (x, y, size) in source pixels (default: the centred largest square)."""
        self.path, self.language, self.num_references = Path(path), language, num_references
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            raise MediaError(f"cannot open {path}")
        self.fps = float(cap.get(cv2.CAP_PROP_FPS)) or 25.0
        frames = []
        try:
            while max_frames is None or len(frames) < max_frames:
                ok, bgr = cap.read()
                if not ok:
                    break
                if box is None:
                    h, w = bgr.shape[:2]
                    s = min(h, w)
                    box = ((w - s) // 2, (h - s) // 2, s)
                x, y, s = box
                face = bgr[y:y + s, x:x + s]
                if face.shape[:2] != (s, s):
                    raise MediaError(f"crop box {box} leaves the {bgr.shape[1]}×{bgr.shape[0]} frame of {path}")
                interp = cv2.INTER_AREA if s > CROP_SIZE else cv2.INTER_CUBIC
                frames.append(cv2.cvtColor(cv2.resize(face, (CROP_SIZE, CROP_SIZE), interpolation=interp),
                                           cv2.COLOR_BGR2RGB))
        finally:
            cap.release()
        if not frames:
            raise MediaError(f"no video frames could be read from {path}")
        self.box = box
        self._landmarks: np.ndarray | None = None
        self.frames = np.stack(frames)  # (F, 256, 256, 3) uint8
        self.samples = decode_audio(self.path, SAMPLE_RATE)
        self._span = array_span(self.samples)
        self._mask = self._make_loss_mask()
        self._clusters = self._cluster(reference_pool or range(len(frames)))

    def warp(self, transforms: np.ndarray) -> None:
        """Re-cut every crop through its (2, 3) crop → crop similarity (e.g. to hold the head still);
        landmarks set before are mapped along. Choose references afterwards."""
        transforms = np.asarray(transforms, np.float64)
        if transforms.shape != (self.num_frames, 2, 3):
            raise ValueError(f"transforms {transforms.shape}, expected ({self.num_frames}, 2, 3)")
        for i, m in enumerate(transforms):
            self.frames[i] = cv2.warpAffine(self.frames[i], m, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_CUBIC,
                                            borderMode=cv2.BORDER_REPLICATE)
        if self._landmarks is not None:
            lm = self._landmarks.astype(np.float64)
            self._landmarks = (np.einsum("fkc,fdc->fkd", lm, transforms[:, :, :2])
                               + transforms[:, None, :, 2]).astype(np.float32)

    def choose_references_from(self, pool: range) -> None:
        """Draw references only from ``pool`` (e.g. the training frames)."""
        self._clusters = self._cluster(pool)

    @property
    def num_frames(self) -> int:
        return len(self.frames)

    def crop(self, i: int) -> np.ndarray:
        return self.frames[i]

    def set_landmarks(self, landmarks: np.ndarray) -> None:
        """(F, NUM_LANDMARKS, 2) template pixels of the crops, NaN rows for frames without a face."""
        landmarks = np.asarray(landmarks, dtype=np.float32)
        if landmarks.shape != (self.num_frames, NUM_LANDMARKS, 2):
            raise ValueError(f"landmarks {landmarks.shape}, expected ({self.num_frames}, {NUM_LANDMARKS}, 2)")
        self._landmarks = landmarks

    def landmarks(self, i: int) -> np.ndarray | None:
        if self._landmarks is None or np.isnan(self._landmarks[i]).any():
            return None
        return self._landmarks[i]

    def loss_mask(self, i: int) -> np.ndarray:
        return self._mask

    def frame_time(self, i: int) -> float:
        return i / self.fps

    def audio(self, start: int, length: int) -> np.ndarray:
        return self._span(start, length)

    def reference_indices(self, window: range) -> Sequence[int]:
        picks = []
        for members in self._clusters:  # members sorted by distance to the cluster centre
            # Prefer members with known landmarks (shape attention keys on them), then any.
            choice = next((m for m in members if m not in window and m not in picks
                           and self.landmarks(m) is not None), None)
            if choice is None:
                choice = next((m for m in members if m not in window and m not in picks), None)
            if choice is None:  # the whole cluster lies in the window: take any other frame
                choice = next(m for c in self._clusters for m in c if m not in window and m not in picks)
            picks.append(choice)
        return picks

    def _make_loss_mask(self) -> np.ndarray:
        x1, y1, x2, y2 = MOUTH_RECT
        m = LOSS_MARGIN
        px = rect_pixels(CROP_SIZE, (max(0, x1 - m), max(0, y1 - m), min(1, x2 + m), min(1, y2 + m)))
        mask = np.zeros((CROP_SIZE, CROP_SIZE), np.float32)
        mask[px[1]:px[3], px[0]:px[2]] = 1.0
        return cv2.GaussianBlur(mask, (0, 0), 3)

    def _cluster(self, pool: range) -> list[list[int]]:
        """K-means clusters of the pool (members nearest the centre first): over mouth shapes, as
        the product's tracks choose them (:func:`engine.faces.references.features`; the crops are
        held still here, so without its head-rotation term), once landmarks are set; over grey
        thumbnails of the mouth rectangle before that."""
        from sklearn.cluster import KMeans  # deferred: sklearn import is slow

        idx = np.array(list(pool))
        if len(idx) < self.num_references + 1:
            raise MediaError(f"{self.path}: too few frames ({len(idx)}) to choose {self.num_references} references")
        shapes = {int(i): lm for i in idx if (lm := self.landmarks(int(i))) is not None}
        if len(shapes) > self.num_references:
            idx = np.array(sorted(shapes))
            feats = mouth_shapes(np.stack([shapes[int(i)] for i in idx]))
            std = feats.std(0)
            feats = (feats - feats.mean(0)) / np.where(std > 1e-9, std, 1.0)
        else:
            x1, y1, x2, y2 = rect_pixels(CROP_SIZE, MOUTH_RECT)
            feats = np.stack([cv2.resize(cv2.cvtColor(self.frames[i, y1:y2, x1:x2], cv2.COLOR_RGB2GRAY),
                                         (THUMB, THUMB), interpolation=cv2.INTER_AREA).ravel() for i in idx]) / 255.0
        km = KMeans(n_clusters=self.num_references, n_init=4, random_state=0).fit(feats)
        dist = np.linalg.norm(feats - km.cluster_centers_[km.labels_], axis=1)
        clusters = [[int(i) for i in idx[km.labels_ == c][np.argsort(dist[km.labels_ == c])]]
                    for c in range(self.num_references)]
        return with_rest_reference(clusters, shapes)
