"""Build resources/face_template.json: the mean frontal face mesh, placed in the 256×256 crop.

Landmarks of near-frontal faces from the shared talking-head clips are normalised with a
similarity that puts the two eye centres at (-0.5, 0) and (0.5, 0), averaged, then scaled
and shifted so the eye centres land at (0.328, 0.22) and (0.672, 0.22) of the crop.
Run: PYTHONPATH=. AVDUB_SHARED=../shared python scripts/make_face_template.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from engine.faces.align import apply, fit_similarity
from engine.faces.landmarks import FaceLandmarkDetector
from engine.faces.template import CROP_SIZE, TEMPLATE_FILE, eye_centres
from engine.media import iter_frames, probe
from engine.models.registry import ModelRegistry

CLIPS = ("vr_face2.mp4", "vr_face3.mp4", "vr_face4.mp4", "vr_face5.mp4", "hdtf_aoc.mp4", "hdtf_katiehill.mp4",
         "news_de_20s.mp4", "lecture_en_25s.mp4", "address_en_26s.mp4", "speech_en_60s.mp4")
EYE_Y, EYE_X = 0.22, (0.328, 0.672)  # crop fractions of the eye centres
FRAMES_PER_CLIP, STRIDE = 20, 5


def main() -> None:
    media = Path(os.environ.get("AVDUB_SHARED", "../shared")) / "media" / "video"
    unit = np.array([[-0.5, 0.0], [0.5, 0.0]])
    normalised = []
    with FaceLandmarkDetector(ModelRegistry.from_environment()) as det:
        for name in CLIPS:
            path = media / name
            det.reset()
            for frame in iter_frames(path, 0, FRAMES_PER_CLIP * STRIDE, rotation=probe(path).require_video().rotation):
                faces = det.detect(frame.image)
                if frame.index % STRIDE or not faces:
                    continue
                pts = faces[0].landmarks.astype(np.float64)
                r, l = eye_centres(pts)
                m = fit_similarity(np.stack([r, l]), unit)
                n = apply(m, pts)
                if abs(n[1, 0]) < 0.08:  # nose tip near the eyes' mid-line: frontal enough
                    normalised.append(n)
    mean = np.mean(normalised, axis=0)
    target = np.array([[EYE_X[0], EYE_Y], [EYE_X[1], EYE_Y]]) * CROP_SIZE
    pts = apply(fit_similarity(unit, target), mean)
    TEMPLATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE_FILE.write_text(json.dumps({
        "crop_size": CROP_SIZE,
        "source": f"mean of {len(normalised)} near-frontal MediaPipe meshes from {len(CLIPS)} clips; "
                  f"eye centres at {EYE_X} × {EYE_Y} of the crop",
        "points": np.round(pts, 3).tolist(),
    }))
    print(f"{len(normalised)} faces → {TEMPLATE_FILE}; nose tip {pts[1]}, chin {pts[152]}, mouth {pts[13]}")


if __name__ == "__main__":
    main()
