"""Reference frames for the lip-sync model (paper §3.1.4): K-means over landmarks + head pose.

Each frame is described by its template-space landmarks (mouth/jaw shape and residual pose,
centred and divided by the eye distance) and its head rotation (roll from the alignment
transform; yaw and pitch from where the nose tip sits relative to the eyes). Features are
standardised, clustered with K-means (K = 10), and for each cluster the frame nearest its
centre that is *not excluded* is chosen, so the target frame (or the whole chunk being
generated) is never its own reference.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from engine.faces.align import rotation_of
from engine.faces.template import MOUTH_JAW, NOSE_TIP, eye_centres

N_REFERENCES = 10  # paper §3.1.4: 10 clusters, 10 references


def head_rotation(template_landmarks: np.ndarray, transforms: np.ndarray) -> np.ndarray:
    """(T, 3) approximate (yaw, pitch, roll): yaw/pitch from the nose tip offset in eye distances."""
    r, l = eye_centres(template_landmarks)
    mid = (r + l) / 2
    d = np.linalg.norm(l - r, axis=-1)[:, None]
    nose = (template_landmarks[:, NOSE_TIP] - mid) / d
    roll = np.array([rotation_of(m) for m in transforms])
    return np.column_stack([nose[:, 0], nose[:, 1], roll])


def mouth_shapes(mouth_jaw: np.ndarray, scale: np.ndarray | float = 1.0) -> np.ndarray:
    """(T, 13, 2) jaw/mouth points → (T, 26) shapes: centred on their mean, divided by ``scale``
    (per frame, e.g. the eye distance), flattened."""
    pts = np.asarray(mouth_jaw, np.float64)
    assert pts.ndim == 3 and pts.shape[1:] == (len(MOUTH_JAW), 2), pts.shape
    scale = np.broadcast_to(np.asarray(scale, np.float64), (len(pts),))[:, None, None]
    return ((pts - pts.mean(1, keepdims=True)) / scale).reshape(len(pts), -1)


def features(template_landmarks: np.ndarray, transforms: np.ndarray) -> np.ndarray:
    """(T, F) reference-selection features of a track."""
    lm = np.asarray(template_landmarks, np.float64)
    assert lm.ndim == 3 and lm.shape[1:] == (478, 2), lm.shape
    r, l = eye_centres(lm)
    shape = mouth_shapes(lm[:, list(MOUTH_JAW)], np.linalg.norm(l - r, axis=-1))
    return np.column_stack([shape, head_rotation(lm, transforms)])


def select_references(feats: np.ndarray, exclude: Iterable[int] = (), k: int = N_REFERENCES, seed: int = 0) -> list[int]:
    """Indices (into ``feats``) of up to ``k`` diverse references, none of them in ``exclude``."""
    from sklearn.cluster import KMeans

    excluded = set(int(i) for i in exclude)
    allowed = np.array([i for i in range(len(feats)) if i not in excluded], dtype=int)
    if len(allowed) == 0:
        return []
    if len(allowed) <= k:
        return allowed.tolist()
    x = feats[allowed].astype(np.float64)
    std = x.std(0)
    x = (x - x.mean(0)) / np.where(std > 1e-9, std, 1.0)
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
    chosen: list[int] = []
    for c in range(k):
        dist = np.linalg.norm(x - km.cluster_centers_[c], axis=1)
        for j in np.argsort(dist):
            if int(allowed[j]) not in chosen:
                chosen.append(int(allowed[j]))
                break
    return sorted(chosen)
