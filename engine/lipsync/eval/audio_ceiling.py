"""How much of the mouth the audio alone predicts on a clip: a linear ceiling for the harness.

A generated mouth can only be as close to the real one as the audio determines it. This
fits ridge regression from each training frame's log-mel window (what the model hears) to
its 40 mesh lip points, pose-normalised (each frame's eye/nose points mapped onto their
median place, :mod:`engine.faces.align`), chooses the ridge strength on the last fifth of
the training frames, refits, and predicts the held-out frames' lips, mapped back into each
frame's pose. Its lip distance and opening correlation are what the best *linear* audio →
shape map reaches on this clip: an estimate of how hard the ``lmd`` and ``opening_corr``
targets are, reported next to them. Pure landmark arithmetic; no images are generated.
:mod:`engine.lipsync.eval.lip_predictor_bounds` adds further predictors and oracles on the same footing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.faces.align import apply, fit_similarity, invert
from engine.faces.template import ALIGN_INDICES
from engine.lipsync.eval import metrics as M
from engine.lipsync.mouth import LIP_INDICES, inner_opening
from engine.lipsync.training.shape_prior import ALPHAS, ridge_fit

MIN_TRAIN, MIN_HELD = 50, 10  # frames with a mesh needed for a figure


class PoseLips:
    """The lip points of a training and a held-out mesh series, each frame in a common pose.

    ``train`` (n, 80) and ``held`` (h, 80) are the lip points (flattened x, y) of the frames
    where a face was meshed (``train_rows``, ``held_rows``), mapped by the similarity that puts
    the frame's eye/nose points on their median place over the training frames.
    """

    def __init__(self, train_mesh: np.ndarray, held_mesh: np.ndarray):
        """meshes (F, 478, 2) with NaN rows where no face was found."""
        self.lips = list(LIP_INDICES)
        self.held_mesh = held_mesh
        target = np.nanmedian(train_mesh[:, list(ALIGN_INDICES)], axis=0)  # (P, 2)
        train_pose, self._held_pose = _poses(train_mesh, target), _poses(held_mesh, target)
        self.train_rows = [i for i, p in enumerate(train_pose) if p is not None]
        self.held_rows = [i for i, p in enumerate(self._held_pose) if p is not None]
        self.enough = len(self.train_rows) >= MIN_TRAIN and len(self.held_rows) >= MIN_HELD
        self.train = self._flat([apply(train_pose[i], train_mesh[i, self.lips]) for i in self.train_rows])
        self.held = self._flat([apply(self._held_pose[i], held_mesh[i, self.lips]) for i in self.held_rows])

    def _flat(self, points: list[np.ndarray]) -> np.ndarray:
        if not points:
            return np.zeros((0, 2 * len(self.lips)))
        return np.stack(points).reshape(len(points), -1).astype(np.float64)

    def mesh_with(self, predicted: np.ndarray) -> np.ndarray:
        """(h, 80) predicted pose-normalised lips → the held-out mesh with its lips replaced."""
        back = np.array(self.held_mesh, np.float64)
        for k, i in enumerate(self.held_rows):
            back[i, self.lips] = apply(invert(self._held_pose[i]), predicted[k].reshape(-1, 2))
        return back

    def lip_distance(self, predicted: np.ndarray) -> float:
        """``lmd`` of predicted (h, 80) pose-normalised lips against the real held-out frames."""
        return M.lip_distance(self.mesh_with(predicted), self.held_mesh)


def _poses(mesh: np.ndarray, target: np.ndarray) -> list[np.ndarray | None]:
    """(F, 478, 2) → per frame the (2, 3) similarity putting its eye/nose points on ``target``."""
    return [None if np.isnan(m).any() else fit_similarity(m[list(ALIGN_INDICES)], target) for m in mesh]


def ridge_predict(x: np.ndarray, y: np.ndarray, x_held: np.ndarray,
                  alphas: Sequence[float] = ALPHAS) -> tuple[np.ndarray, float]:
    """Ridge from x (n, D) to y (n, T), its strength chosen on the last fifth; → (prediction for
    x_held (h, T), the strength)."""
    cut = int(len(x) * 0.8)
    best_alpha, best_err = alphas[0], np.inf
    for alpha in alphas:
        w, b = ridge_fit(x[:cut], y[:cut], alpha)
        err = float(((x[cut:] @ w + b - y[cut:]) ** 2).mean())
        if err < best_err:
            best_alpha, best_err = alpha, err
    w, b = ridge_fit(x, y, best_alpha)
    return x_held @ w + b, best_alpha


def linear_audio_ceiling(features_train: np.ndarray, train_mesh: np.ndarray, features_held: np.ndarray,
                         held_mesh: np.ndarray) -> dict[str, float | None]:
    """features (F, D) log-mel windows; meshes (F, 478, 2) with NaN rows → {lmd, opening_corr, alpha}."""
    lips = PoseLips(train_mesh, held_mesh)
    if not lips.enough:
        return {"lmd": None, "opening_corr": None, "alpha": None}
    pred, alpha = ridge_predict(features_train[lips.train_rows].astype(np.float64), lips.train,
                                features_held[lips.held_rows].astype(np.float64))
    back = lips.mesh_with(pred)
    opening, real_opening = inner_opening(back), inner_opening(held_mesh)
    ok = ~(np.isnan(opening) | np.isnan(real_opening))
    return {"lmd": M.lip_distance(back, held_mesh), "alpha": alpha,
            "opening_corr": M.correlation(opening[ok], real_opening[ok]) if ok.sum() > 2 else None}


def ceiling_for(source, train: Sequence[int], held: Sequence[int], train_mesh: np.ndarray, held_mesh: np.ndarray,
                bins: int, mel_frames: int) -> dict[str, float | None]:
    """:func:`linear_audio_ceiling` on a :class:`~engine.lipsync.data.windows.WindowSource`'s own audio."""
    from engine.lipsync.eval.baselines import audio_features

    return linear_audio_ceiling(audio_features(source, train, bins, mel_frames), train_mesh,
                                audio_features(source, held, bins, mel_frames), held_mesh)
