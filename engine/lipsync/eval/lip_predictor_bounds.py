"""How close to the real lips any mouth predictor can come on a clip: bounds for ``lmd``.

The harness's ``lmd`` target asks for a generated mouth within 0.6 × the best baseline's
landmark distance. Before any image is drawn, a *predictor* of the lip points must already
reach that. This measures, in landmark space (:class:`~engine.lipsync.eval.audio_ceiling.PoseLips`: the
40 mesh lip points, pose-normalised by the eye/nose points, predicted for the held-out
frames and mapped back into each frame's pose), what predictors trained on the clip's own
training frames reach, and what *oracles* reach that are handed part of the true held-out
shape:

* ``mean_shape``: the training frames' mean lips, whatever the audio;
* ``ridge_audio``: ridge from the log-mel window (the ceiling the harness reports);
* ``knn_audio``: the mean lips of the ``KNN`` training frames with the nearest audio
  (whitened principal components of the log-mel windows);
* ``mlp_audio``: a small MLP from the log-mel window, early-stopped on the last fifth;
* ``ridge_audio_visible``: ridge from the log-mel window and the *visible* pixels of the
  masked frame (everything outside the mouth rectangle, grey, 48×48). It sees what the
  model's input frame shows. In the harness those pixels belong to the same speech as the
  real mouth, so what they add is the *original* mouth's movement (cheeks, jaw outline, head
  nods), which in a dub is the wrong mouth: a bound on how much the harness rewards it, not
  a method to adopt;
* ``oracle_opening``: the true inner-lip opening of each held-out frame, mapped linearly to
  the lips — a predictor that knew the opening exactly and nothing else;
* ``oracle_pc1``, ``oracle_pc2``: the true lips projected onto the first one or two principal
  components of the training lips (the rest held at the mean);
* ``oracle_nearest_train``: the training frame whose lips are nearest the true ones — the
  best that choosing among the training mouths can do;
* with the model's references given (training frames, :mod:`engine.faces.references`):
  ``oracle_nearest_reference``, the reference whose lips are nearest the true ones;
  ``ridge_nearest_reference``, the reference whose lip *shape* (centred, as the shape
  attention compares them) is nearest the ridge prediction's, its lips where they lay; and
  ``ridge_nearest_reference_recentred``, the same reference moved so that its mouth anchor
  lies where the training frames usually have it at that opening (:mod:`engine.lipsync.data.recentre`,
  as the model's references are) — what a renderer that copies one attended reference's mouth
  reaches.

Pure landmark arithmetic plus a few seconds of MLP training; no images are generated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.faces.template import LOWER_LIP_INNER, UPPER_LIP_INNER
from engine.lipsync.eval.audio_ceiling import PoseLips, ridge_predict
from engine.lipsync.mouth import LIP_INDICES

KNN = 30  # training frames averaged by ``knn_audio``
AUDIO_COMPONENTS = 60  # whitened principal components of the log-mel windows for ``knn_audio``
VISIBLE_SIZE = 48  # px: the visible-pixel features are the masked crop in grey at this size
VISIBLE_ALPHAS = (1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6)  # more pixels than frames: stronger ridge too
MLP_HIDDEN, MLP_EPOCHS, MLP_BATCH = 64, 200, 64


def visible_pixels(crop: np.ndarray, mouth_rect: tuple[float, float, float, float]) -> np.ndarray:
    """(256, 256, 3) uint8 crop → (VISIBLE_SIZE²,) float32 grey pixels with the mouth rectangle blanked."""
    import cv2

    from engine.faces.masks import rect_pixels

    assert crop.ndim == 3 and crop.shape[0] == crop.shape[1], crop.shape
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    x0, y0, x1, y1 = rect_pixels(grey.shape[0], mouth_rect)
    grey[y0:y1, x0:x1] = 0.0  # blanked before the resize, so no mouth pixel is averaged in
    return cv2.resize(grey, (VISIBLE_SIZE, VISIBLE_SIZE), interpolation=cv2.INTER_AREA).ravel()


def _standardise(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both by the mean and spread of ``a``; constant columns are dropped."""
    sd = a.std(0)
    keep = sd > 1e-6
    mu, sd = a.mean(0)[keep], sd[keep]
    return (a[:, keep] - mu) / sd, (b[:, keep] - mu) / sd


def _knn(x: np.ndarray, y: np.ndarray, x_held: np.ndarray) -> np.ndarray:
    """Mean of the KNN nearest training targets in whitened principal components of x."""
    z, z_held = _standardise(x, x_held)
    _, sv, vt = np.linalg.svd(z, full_matrices=False)
    k = min(AUDIO_COMPONENTS, len(sv))
    proj = vt[:k].T / np.maximum(sv[:k], 1e-9) * np.sqrt(len(z))  # (D, k): unit variance components
    a, b = z @ proj, z_held @ proj  # (n, k), (h, k)
    dist = (b ** 2).sum(1)[:, None] - 2 * b @ a.T + (a ** 2).sum(1)[None]  # (h, n)
    nearest = np.argsort(dist, axis=1)[:, :min(KNN, len(a))]
    return y[nearest].mean(1)


def _mlp(x: np.ndarray, y: np.ndarray, x_held: np.ndarray, seed: int = 0) -> np.ndarray:
    """A one-hidden-layer MLP (dropout, weight decay), the epoch kept that did best on the last fifth."""
    import torch

    z, z_held = _standardise(x, x_held)
    y_mu, y_sd = y.mean(0), y.std() + 1e-6
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    xt = torch.tensor(z, dtype=torch.float32)  # (n, D)
    yt = torch.tensor((y - y_mu) / y_sd, dtype=torch.float32)  # (n, T)
    cut = int(len(xt) * 0.8)
    net = torch.nn.Sequential(torch.nn.Dropout(0.2), torch.nn.Linear(xt.shape[1], MLP_HIDDEN), torch.nn.GELU(),
                              torch.nn.Dropout(0.5), torch.nn.Linear(MLP_HIDDEN, yt.shape[1]))
    opt = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=0.05)
    best_err, best_state = np.inf, None
    for _ in range(MLP_EPOCHS):
        net.train()
        order = torch.randperm(cut, generator=gen)
        for i in range(0, cut, MLP_BATCH):
            rows = order[i:i + MLP_BATCH]
            loss = ((net(xt[rows]) - yt[rows]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            err = float(((net(xt[cut:]) - yt[cut:]) ** 2).mean())
        if err < best_err:
            best_err, best_state = err, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    with torch.no_grad():
        return net(torch.tensor(z_held, dtype=torch.float32)).numpy().astype(np.float64) * y_sd + y_mu


def _nearest(candidates: np.ndarray, queries: np.ndarray, shape_only: bool = False) -> np.ndarray:
    """(n, 80) candidate and (h, 80) query lips → (h,) for each query the candidate with the
    smallest mean point distance; ``shape_only`` compares the centred lips (the shape alone,
    wherever it sits), as the shape attention does."""
    def points(flat: np.ndarray) -> np.ndarray:
        pts = flat.reshape(len(flat), -1, 2)
        return pts - pts.mean(1, keepdims=True) if shape_only else pts

    c = points(candidates)
    return np.array([int(np.linalg.norm(c - q[None], axis=-1).mean(1).argmin()) for q in points(queries)])


def _recentred(candidates: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """(n, 80) lips moved as :mod:`engine.lipsync.data.recentre` moves references: each one's mouth
    anchor onto where (F, 80) ``frames`` usually have it at that opening."""
    from engine.lipsync.data.recentre import ANCHOR_POINTS, fit_place

    rows = [list(LIP_INDICES).index(p) for p in ANCHOR_POINTS]
    pts, all_pts = candidates.reshape(len(candidates), -1, 2), frames.reshape(len(frames), -1, 2)
    place = fit_place(all_pts[:, rows].mean(1), _opening(frames))
    anchors = pts[:, rows].mean(1)  # (n, 2)
    targets = np.stack([place.at(o) for o in _opening(candidates)])  # (n, 2)
    return (pts + (targets - anchors)[:, None]).reshape(len(candidates), -1)


def _opening(flat_lips: np.ndarray) -> np.ndarray:
    """(n, 80) pose-normalised lips → (n,) inner-lip opening."""
    pts = flat_lips.reshape(len(flat_lips), -1, 2)
    lips = list(LIP_INDICES)
    upper, lower = lips.index(UPPER_LIP_INNER), lips.index(LOWER_LIP_INNER)
    return np.linalg.norm(pts[:, upper] - pts[:, lower], axis=-1)


def lip_bounds(features_train: np.ndarray, train_mesh: np.ndarray, features_held: np.ndarray,
               held_mesh: np.ndarray, visible_train: np.ndarray | None = None,
               visible_held: np.ndarray | None = None, mlp: bool = True,
               references: Sequence[int] = ()) -> dict[str, float | None]:
    """features (F, D) log-mel windows, meshes (F, 478, 2) with NaN rows, visible (F, V) pixels,
    references: rows of the training series → ``lmd`` in template pixels of each predictor and
    oracle of the module docstring."""
    lips = PoseLips(train_mesh, held_mesh)
    names = ["mean_shape", "ridge_audio", "knn_audio", "mlp_audio", "ridge_audio_visible", "oracle_opening",
             "oracle_pc1", "oracle_pc2", "oracle_nearest_train", "oracle_nearest_reference",
             "ridge_nearest_reference", "ridge_nearest_reference_recentred"]
    out: dict[str, float | None] = dict.fromkeys(names)
    if not lips.enough:
        return out
    y, truth = lips.train, lips.held  # (n, 80), (h, 80)
    x = features_train[lips.train_rows].astype(np.float64)
    x_held = features_held[lips.held_rows].astype(np.float64)
    mean = y.mean(0)
    out["mean_shape"] = lips.lip_distance(np.repeat(mean[None], len(truth), 0))
    ridge = ridge_predict(x, y, x_held)[0]
    out["ridge_audio"] = lips.lip_distance(ridge)
    out["knn_audio"] = lips.lip_distance(_knn(x, y, x_held))
    if mlp:
        out["mlp_audio"] = lips.lip_distance(_mlp(x, y, x_held))
    if visible_train is not None and visible_held is not None:
        xa, xa_held = _standardise(x, x_held)
        xv, xv_held = _standardise(visible_train[lips.train_rows].astype(np.float64),
                                   visible_held[lips.held_rows].astype(np.float64))
        pred, _ = ridge_predict(np.hstack([xa, xv]), y, np.hstack([xa_held, xv_held]), VISIBLE_ALPHAS)
        out["ridge_audio_visible"] = lips.lip_distance(pred)
    # oracles: handed part of the true held-out lips
    opening, opening_held = _opening(y), _opening(truth)
    design = np.stack([opening, np.ones_like(opening)], 1)  # (n, 2)
    coef = np.linalg.lstsq(design, y, rcond=None)[0]  # (2, 80)
    out["oracle_opening"] = lips.lip_distance(np.stack([opening_held, np.ones_like(opening_held)], 1) @ coef)
    _, _, vt = np.linalg.svd(y - mean, full_matrices=False)
    for k in (1, 2):
        out[f"oracle_pc{k}"] = lips.lip_distance(mean + (truth - mean) @ vt[:k].T @ vt[:k])
    out["oracle_nearest_train"] = lips.lip_distance(y[_nearest(y, truth)])
    row = {frame: k for k, frame in enumerate(lips.train_rows)}
    refs = [row[r] for r in references if r in row]  # references without a mesh cannot be placed
    if refs:
        out["oracle_nearest_reference"] = lips.lip_distance(y[refs][_nearest(y[refs], truth)])
        picks = _nearest(y[refs], ridge, shape_only=True)  # (h,) rows of refs
        out["ridge_nearest_reference"] = lips.lip_distance(y[refs][picks])
        out["ridge_nearest_reference_recentred"] = lips.lip_distance(_recentred(y[refs], y)[picks])
    return out


def lip_drift(train_mesh: np.ndarray, held_mesh: np.ndarray, features_train: np.ndarray,
              features_held: np.ndarray, components: int = 3) -> dict[str, object]:
    """What no audio map can know, and how much of each lip mode the audio explains.

    → ``held_mean_shift``: mean point distance (px) between the pose-normalised mean lips of
    the held-out and of the training frames (posture, expression); ``ridge_component_r2``: for
    the first ``components`` principal components of the training lips, the share of their
    held-out variance that the ridge prediction from the audio explains (negative: worse than
    the held-out mean)."""
    lips = PoseLips(train_mesh, held_mesh)
    if not lips.enough:
        return {"held_mean_shift": None, "ridge_component_r2": None}
    y, truth = lips.train, lips.held
    shift = np.linalg.norm((truth.mean(0) - y.mean(0)).reshape(-1, 2), axis=-1).mean()
    pred = ridge_predict(features_train[lips.train_rows].astype(np.float64), y,
                         features_held[lips.held_rows].astype(np.float64))[0]
    mean = y.mean(0)
    vt = np.linalg.svd(y - mean, full_matrices=False)[2][:components]  # (C, 80)
    p, t = (pred - mean) @ vt.T, (truth - mean) @ vt.T  # (h, C)
    r2 = 1 - ((p - t) ** 2).mean(0) / np.maximum(t.var(0), 1e-12)
    return {"held_mean_shift": float(shift), "ridge_component_r2": [float(v) for v in r2]}
