"""Mouth geometry shared by the lip-sync data, training and harness: which points are the lips,
and how far the mouth is open.

Two landmark sets meet here. The model works on the 13 jaw/mouth points of
:data:`engine.faces.template.MOUTH_JAW` (template pixels); the harness measures whole 478-point
face meshes, whose lips are the 40 points of :data:`LIP_INDICES`. The *inner-lip opening* —
the distance between the middles of the inner upper and lower lip — is the one measure of an
open mouth both sides use (silence detection, reference choice, the harness's motion figures).
"""

from __future__ import annotations

import numpy as np

from engine.faces.template import LOWER_LIP_INNER, MOUTH_JAW, UPPER_LIP_INNER

# MediaPipe face-mesh lip contour (outer and inner rings, 40 points: FACEMESH_LIPS).
LIP_INDICES = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
               78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415)
# Rows of the upper and lower inner-lip points among the 13 MOUTH_JAW landmarks: (4, 5).
INNER_LIPS = (MOUTH_JAW.index(UPPER_LIP_INNER), MOUTH_JAW.index(LOWER_LIP_INNER))


def lip_opening(landmarks: np.ndarray) -> float:
    """Inner-lip opening of (13, 2) jaw/mouth landmarks, in their units."""
    return float(np.linalg.norm(landmarks[INNER_LIPS[0]] - landmarks[INNER_LIPS[1]]))


def inner_opening(landmarks: np.ndarray) -> np.ndarray:
    """(F, 478, 2) mesh landmarks → (F,) inner-lip opening in pixels (NaN where missing)."""
    return np.linalg.norm(landmarks[:, UPPER_LIP_INNER] - landmarks[:, LOWER_LIP_INNER], axis=-1)
