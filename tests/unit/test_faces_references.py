"""K-means reference selection: diverse, and never the target frame (no models)."""

import numpy as np

from engine.faces.references import features, select_references
from engine.faces.template import load_template


def synthetic_track(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Template faces with the mouth opening and the head turning over time."""
    base = load_template().points
    lms, ms = [], []
    for t in range(n):
        lm = base.copy()
        lm[[14, 17, 152, 148, 377]] += [0, 15 * abs(np.sin(t / 7))]  # jaw opens and closes
        lms.append(lm)
        a = 0.1 * np.sin(t / 30)
        ms.append(np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0]]))
    return np.stack(lms), np.stack(ms)


def test_features_shape_and_selection_size():
    lm, ms = synthetic_track()
    f = features(lm, ms)
    assert f.shape[0] == 200 and np.isfinite(f).all()
    refs = select_references(f, exclude=[50])
    assert len(refs) == 10 and len(set(refs)) == 10 and 50 not in refs


def test_excluded_frames_are_never_chosen_even_when_they_are_cluster_centres():
    lm, ms = synthetic_track()
    f = features(lm, ms)
    free = select_references(f)
    refs = select_references(f, exclude=free)
    assert not set(refs) & set(free) and len(refs) == 10


def test_references_span_the_mouth_openings():
    lm, ms = synthetic_track()
    refs = select_references(features(lm, ms))
    opening = lm[refs, 14, 1] - load_template().points[14, 1]
    assert opening.max() - opening.min() > 10  # both closed and open mouths


def test_small_tracks():
    lm, ms = synthetic_track(8)
    f = features(lm, ms)
    assert select_references(f, exclude=[3]) == [0, 1, 2, 4, 5, 6, 7]
    assert select_references(f, exclude=range(8)) == []
