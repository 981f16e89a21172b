"""How much of the mouth the audio alone predicts on a clip: a linear ceiling for the harness.

A generated mouth can only be as close to the real one as the audio determines it. This
fits ridge regression from each training frame's log-mel window (what the model hears) to
its 40 mesh lip points, pose-normalised (each frame's eye/nose points mapped onto their
median place, :mod:`engine.faces.align`), chooses the ridge strength on the last fifth of
the training frames, refits, and predicts the held-out frames' lips, mapped back into each
frame's pose. Its lip distance and opening correlation are what the best *linear* audio →
shape map reaches on this clip: an estimate of how hard the ``lmd`` and ``opening_corr``
targets are, reported next to them. Pure landmark arithmetic; no images are generated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.faces.align import apply, fit_similarity, invert
from engine.faces.template import ALIGN_INDICES
from engine.lipsync import metrics as M
from engine.lipsync.shape_prior import ALPHAS, ridge_fit


def _poses(mesh: np.ndarray, target: np.ndarray) -> list[np.ndarray | None]:
    """(F, 478, 2) → per frame the (2, 3) similarity putting its eye/nose points on ``target``."""
    return [None if np.isnan(m).any() else fit_similarity(m[list(ALIGN_INDICES)], target) for m in mesh]


def linear_audio_ceiling(features_train: np.ndarray, train_mesh: np.ndarray, features_held: np.ndarray,
                         held_mesh: np.ndarray) -> dict[str, float | None]:
    """features (F, D) log-mel windows; meshes (F, 478, 2) with NaN rows → {lmd, opening_corr, alpha}."""
    lips = list(M.LIP_INDICES)
    target = np.nanmedian(train_mesh[:, list(ALIGN_INDICES)], axis=0)  # (P, 2)
    train_pose, held_pose = _poses(train_mesh, target), _poses(held_mesh, target)
    tr = [i for i, p in enumerate(train_pose) if p is not None]
    ho = [i for i, p in enumerate(held_pose) if p is not None]
    if len(tr) < 50 or len(ho) < 10:
        return {"lmd": None, "opening_corr": None, "alpha": None}
    x = features_train[tr].astype(np.float64)
    y = np.stack([apply(train_pose[i], train_mesh[i, lips]) for i in tr]).reshape(len(tr), -1)  # (n, 80)
    cut = int(len(tr) * 0.8)
    best_alpha, best_err = ALPHAS[0], np.inf
    for alpha in ALPHAS:
        w, b = ridge_fit(x[:cut], y[:cut], alpha)
        err = float(((x[cut:] @ w + b - y[cut:]) ** 2).mean())
        if err < best_err:
            best_alpha, best_err = alpha, err
    w, b = ridge_fit(x, y, best_alpha)
    pred = (features_held[ho].astype(np.float64) @ w + b).reshape(len(ho), len(lips), 2)
    back = np.array(held_mesh, np.float64)  # the real mesh with its lips replaced by the prediction
    for k, i in enumerate(ho):
        back[i, lips] = apply(invert(held_pose[i]), pred[k])
    opening, real_opening = M.inner_opening(back), M.inner_opening(held_mesh)
    ok = ~(np.isnan(opening) | np.isnan(real_opening))
    return {"lmd": M.lip_distance(back, held_mesh), "alpha": best_alpha,
            "opening_corr": M.correlation(opening[ok], real_opening[ok]) if ok.sum() > 2 else None}


def ceiling_for(source, train: Sequence[int], held: Sequence[int], train_mesh: np.ndarray, held_mesh: np.ndarray,
                bins: int, mel_frames: int) -> dict[str, float | None]:
    """:func:`linear_audio_ceiling` on a :class:`~engine.lipsync.data.WindowSource`'s own audio."""
    from engine.lipsync.baselines import audio_features

    return linear_audio_ceiling(audio_features(source, train, bins, mel_frames), train_mesh,
                                audio_features(source, held, bins, mel_frames), held_mesh)
