"""Checks and crop box of a clip for the lip-sync harness (:mod:`engine.lipsync.evaluate`).

A clip must have video and audio. The crop box is fixed for the whole clip (steady close-ups
only) and placed the way the face template places a face: the eye centres 0.344 of the box
apart, at 0.22 of its height, centred horizontally (``engine.faces.template``). The eye
positions are medians over frames sampled across the first seconds of the clip.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine.errors import MediaError

EYE_X = (0.328, 0.672)  # template eye centres (fractions of the crop)
EYE_Y = 0.22
SAMPLES = 12  # frames the box is estimated from
SAMPLE_STEP = 10  # frames between samples
RIGHT_EYE, LEFT_EYE = (33, 133), (263, 362)  # mesh eye corners


def check_clip(path: Path) -> None:
    """Raise a one-line MediaError unless ``path`` is a readable video with an audio track."""
    from engine.media.probe import probe

    info = probe(Path(path))
    info.require_video()
    info.require_audio()


def auto_box(path: Path, registry) -> tuple[int, int, int]:
    """(x, y, size) in source pixels: the template-like square around the clip's face."""
    from engine.faces.landmarks import FaceLandmarkDetector

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise MediaError(f"cannot open {path}")
    eyes, shape = [], None
    try:
        with FaceLandmarkDetector(registry, max_faces=1) as det:
            for k in range(SAMPLES * SAMPLE_STEP):
                ok, bgr = cap.read()
                if not ok:
                    break
                shape = bgr.shape
                if k % SAMPLE_STEP:
                    continue
                faces = det.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                if faces:
                    lm = faces[0].landmarks
                    eyes.append((lm[list(RIGHT_EYE)].mean(0), lm[list(LEFT_EYE)].mean(0)))
    finally:
        cap.release()
    if not eyes or shape is None:
        raise MediaError(f"no face found in the first frames of {path}; pass --box X Y SIZE")
    right, left = np.median(np.array([e[0] for e in eyes]), 0), np.median(np.array([e[1] for e in eyes]), 0)
    size = float(np.linalg.norm(left - right)) / (EYE_X[1] - EYE_X[0])
    h, w = shape[:2]
    size = min(size, h, w)
    mid = (left + right) / 2
    x = int(round(mid[0] - size / 2))
    y = int(round(mid[1] - EYE_Y * size))
    s = int(round(size))
    return int(np.clip(x, 0, w - s)), int(np.clip(y, 0, h - s)), s
