"""The canonical 256×256 face template and the MediaPipe mesh indices the faces code uses.

The template (``resources/face_template.json``, made by ``scripts/make_face_template.py``)
holds the mean position of every mesh landmark after similarity-normalising real frontal
frames, scaled so the eye centres sit at (0.328, 0.22) and (0.672, 0.22) of the crop: eyes
88 px apart (just above the paper's 80 px minimum, so a usable face is never upsampled
much), nose tip at 0.43, mouth at 0.6 and chin at 0.88, which puts the average mouth and jaw inside the
paper's mouth rectangle [0.08, 0.28, 0.92, 0.95]. Faces are not average, so our rectangle
(:data:`MOUTH_RECT`) reaches the crop's bottom edge. Only the ALIGN_INDICES points (eye corners and
the nasal bridge; no lid, iris, lip or jaw point) fix the crop, so neither speech nor blinks nor gaze
move it (paper §3.1.2, information leak point 3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

# px: side of the aligned face crop (template space): what the face pipeline cuts, the lip-sync
# model's landmarks and generated crops are measured in (it may work at a lower resolution
# inside), and the render pastes back.
CROP_SIZE = 256

# The mouth rectangle (x1, y1, x2, y2), in crop fractions, hidden from the lip-sync model's
# input frames and kept in its references. The paper's (appendix A) ends at y2 = 0.95; ours
# reaches the crop's bottom edge, because with this template a long chin or a head tilted down
# puts the chin below 0.95 (lecture_en_25s: 0.94 in the median frame, 0.98 at most), where the
# input frame would show the jaw opening, and leak rule 2 rejected 82 % of that presenter's
# frames. Below the chin there is only neck and collar: nothing the model needs for context.
MOUTH_RECT = (0.08, 0.28, 0.92, 1.0)
PAPER_MOUTH_RECT = (0.08, 0.28, 0.92, 0.95)  # appendix A, for comparison and the harness's face scores

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
TEMPLATE_FILE = RESOURCES / "face_template.json"

# MediaPipe face mesh indices (subject's right eye is on the image's left).
RIGHT_EYE_CORNERS = (33, 133, 130, 243)  # outer, inner, and their neighbours on the lid line
LEFT_EYE_CORNERS = (263, 362, 359, 463)
# The nasal bridge, top to mid-nose: bone and cartilage. The tip (1, 4, 5) and the alar points
# (98, 327) are left out: they move with the upper lip when speaking, and measured on the shared
# clips they made the crop follow jaw opening more and jitter ~40 % more.
NOSE = (168, 6, 197, 195)
ALIGN_INDICES = RIGHT_EYE_CORNERS + LEFT_EYE_CORNERS + NOSE

# Mask polygon points (paper §3.2, fig. 6): ears, half-way up the nose (mid of 168 and 1),
# the nose tip, and the chin's left, centre and right (shifted down when used).
EARS = (234, 454)
NOSE_TOP, NOSE_TIP = 168, 1
CHIN = (148, 152, 377)  # left, centre, right of the chin
MOUTH_CORNERS = (61, 291)  # outer lip corners (right, left)

# Mouth opening, for the speaking-face score and stability checks: inner lips, mid-line.
UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14
# 13 jaw / mouth landmarks the lip-sync landmark head regresses (paper appendix A).
MOUTH_JAW = (61, 291, 0, 17, 13, 14, 78, 308, 152, 148, 377, 172, 397)

# Iris centres (only for measuring eye distance, never for alignment).
RIGHT_IRIS, LEFT_IRIS = 468, 473


@dataclass(frozen=True)
class FaceTemplate:
    points: np.ndarray  # (478, 2) float64, crop pixels at CROP_SIZE

    @property
    def align_points(self) -> np.ndarray:
        return self.points[list(ALIGN_INDICES)]  # (12, 2)


@lru_cache(maxsize=1)
def load_template(path: Path = TEMPLATE_FILE) -> FaceTemplate:
    data = json.loads(Path(path).read_text())
    pts = np.asarray(data["points"], dtype=np.float64)
    assert pts.shape == (478, 2), pts.shape
    assert data["crop_size"] == CROP_SIZE
    return FaceTemplate(pts)


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, left) eye centres from the eye corners of (..., 478, 2) landmarks."""
    right = (points[..., 33, :] + points[..., 133, :]) / 2
    left = (points[..., 263, :] + points[..., 362, :]) / 2
    return right, left


def eye_distance(points: np.ndarray) -> np.ndarray:
    """Eye-centre distance (corner midpoints) of (..., 478, 2) landmarks."""
    right, left = eye_centres(points)
    return np.linalg.norm(left - right, axis=-1)
