"""Checks and crop box of a clip for the lip-sync harness (:mod:`engine.lipsync.eval.harness`).

A clip must have video and audio. The crop box is fixed for the whole clip (steady close-ups
only) and placed the way the face template places a face: the eye centres 0.344 of the box
apart, at 0.22 of its height (``engine.faces.template``) — but grown, when needed, so that the
jaw and mouth points of every sampled frame stay inside the model's mouth rectangle with a
margin (:data:`JAW_LIMITS`); otherwise the data rules (engine.lipsync.data.windows, rule 2) reject the
windows where the chin or a mouth corner comes near the mask edge. Frames are sampled across
the whole clip, because the head moves.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine.errors import MediaError
from engine.faces.template import MOUTH_RECT
from engine.lipsync.data.windows import MASK_MARGIN
from engine.lipsync.masks import inner_bounds

EYE_X = (0.328, 0.672)  # template eye centres (fractions of the crop)
EYE_Y = 0.22
SAMPLES = 24  # frames the box is estimated from, spread over the clip
RIGHT_EYE, LEFT_EYE = (33, 133), (263, 362)  # mesh eye corners
MOTION_MARGIN = 0.03  # box fractions the jaw may move between the sampled frames


def jaw_limits(rect: tuple[float, float, float, float] = MOUTH_RECT) -> tuple[float, float, float, float]:
    """Where the jaw/mouth points may reach, in box fractions: where rule 2 lets them
    (:func:`~engine.lipsync.masks.inner_bounds`), shrunk by MOTION_MARGIN more."""
    x1, y1, x2, y2 = inner_bounds(rect, MASK_MARGIN)
    return x1 + MOTION_MARGIN, y1 + MOTION_MARGIN, x2 - MOTION_MARGIN, y2 - MOTION_MARGIN


JAW_LIMITS = jaw_limits()  # (0.13, 0.33, 0.87, 0.97) with the mouth rectangle reaching the bottom
STABILISE_SMOOTH = 5  # frames the alignment points are averaged over


def check_clip(path: Path) -> None:
    """Raise a one-line MediaError unless ``path`` is a readable video with an audio track."""
    from engine.media.probe import probe

    info = probe(Path(path))
    info.require_video()
    info.require_audio()


def auto_box(path: Path, registry) -> tuple[int, int, int]:
    """(x, y, size) in source pixels: the template-like square around the clip's face."""
    from engine.faces.landmarks import FaceLandmarkDetector

    from engine.faces.template import MOUTH_JAW

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise MediaError(f"cannot open {path}")
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or SAMPLES
    step = max(1, total // SAMPLES)
    eyes, jaws, shape = [], [], None
    try:
        with FaceLandmarkDetector(registry, max_faces=1) as det:
            k = 0
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                shape = bgr.shape
                k += 1
                if (k - 1) % step:
                    continue
                det.reset()  # samples are far apart: find the face afresh
                faces = det.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                if faces:
                    lm = faces[0].landmarks
                    eyes.append((lm[list(RIGHT_EYE)].mean(0), lm[list(LEFT_EYE)].mean(0)))
                    jaws.append(lm[list(MOUTH_JAW)])
    finally:
        cap.release()
    if not eyes or shape is None:
        raise MediaError(f"no face found in the frames of {path}; pass --box X Y SIZE")
    right, left = np.median(np.array([e[0] for e in eyes]), 0), np.median(np.array([e[1] for e in eyes]), 0)
    mid = (left + right) / 2
    jaw = np.concatenate(jaws)  # (K·samples, 2)
    (jx1, _), (jx2, jy2) = jaw.min(0), jaw.max(0)
    lx1, _, lx2, ly2 = JAW_LIMITS
    size = max(float(np.linalg.norm(left - right)) / (EYE_X[1] - EYE_X[0]),  # template eye distance
               (jy2 - mid[1]) / (ly2 - EYE_Y),  # the lowest chin point above the limit
               (jx2 - jx1) / (lx2 - lx1))  # the widest jaw span inside the limits
    h, w = shape[:2]
    size = min(size, h, w)
    s = int(round(size))
    x = int(round((jx1 + jx2) / 2 - size / 2))
    y = int(round(mid[1] - EYE_Y * size))
    return int(np.clip(x, 0, w - s)), int(np.clip(y, 0, h - s)), s


def stabilising_transforms(points: np.ndarray, smooth: int = STABILISE_SMOOTH) -> np.ndarray:
    """(F, P, 2) eye/nose points of the crops (NaN rows: no face) → (F, 2, 3) crop → crop similarities
    that hold those points where they sit on the median frame.

    A fixed box lets the head move inside the crop, so a reference mouth pasted in place would
    sit where the reference frame's head was; the product's crops are aligned per frame by the
    same points (:mod:`engine.faces.align`), and this gives the harness the same geometry. The
    points are smoothed over ``smooth`` frames first, as a tracker smooths its transforms, so
    mesh jitter does not shake the crop.
    """
    from engine.faces.align import fit_similarity

    pts = np.asarray(points, np.float64)
    assert pts.ndim == 3 and pts.shape[2] == 2, pts.shape
    known = ~np.isnan(pts).any((1, 2))
    if not known.any():
        raise MediaError("no face found in the clip's frames: cannot align the crops")
    idx = np.arange(len(pts))
    filled = np.stack([np.interp(idx, idx[known], pts[known, p, c]) for p in range(pts.shape[1])
                       for c in range(2)], axis=1).reshape(len(pts), pts.shape[1], 2)
    if smooth > 1:
        kernel = np.ones(smooth) / smooth
        padded = np.concatenate([filled[:1].repeat(smooth // 2, 0), filled, filled[-1:].repeat(smooth // 2, 0)])
        filled = np.apply_along_axis(lambda s: np.convolve(s, kernel, mode="valid"), 0, padded)
    target = np.median(filled[known], axis=0)  # (P, 2)
    return np.stack([fit_similarity(p, target) for p in filled])
