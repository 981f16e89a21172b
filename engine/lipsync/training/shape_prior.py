"""A closed-form audio → mouth-shape prior for the shape-keyed reference attention.

Fine-tuning on two CPU cores gives the attention's query head a few thousand Adam steps at
most, and Adam moves each weight by about the learning rate per step: far too slow to learn
a 1920-input linear map from the log-mel window to the mouth shape. Ridge regression solves
that map exactly in a second from the speaker's own training frames, so the query starts
from the best linear prediction and the learned MLP only adds what is non-linear.

:func:`fit_shape_prior` reads every training frame with landmarks (up to ``MAX_FRAMES``),
regresses its centred mouth shape — minus the mean of its references' shapes, the anchor
the query adds the prediction to — on its standardised log-mel window, picks the ridge
strength by the mean point distance on the last fifth of the frames (later speech, as at
inference) and refits on all of them. The weights are folded with the standardisation into
a plain linear map that the model keeps as fixed buffers.

Digital silence (the gaps of an assembled dub track) lies far outside the speech the map
was fitted on, and a linear map extrapolates it to a wide-open mouth. So the map is fitted on
speech only, and the model blends its output with a *silence change* — the mean change of the
most closed training frames (``silence_quantile``), a mouth at rest — by the share of the window's
central mel frames that are silent (:func:`engine.lipsync.mel.silence_share`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from engine.lipsync.data.windows import WindowDataset, window_datasets
from engine.lipsync.mel import mel_windows, silence_share
from engine.lipsync.model.attention import SHAPE_UNIT, centred
from engine.lipsync.mouth import INNER_LIPS

ALPHAS = (1.0, 10.0, 100.0, 1e3, 1e4, 1e5)  # ridge strengths tried (standardised features)
# At inference the speech prediction is moved this many times further from its mean: ridge
# shrinks the predicted shapes towards the mean, and a shrunk query keeps choosing the same
# middling references (how 2 was chosen: docs/lipsync.md, "Why the code is as it is").
INFERENCE_GAIN = 2.0
MAX_FRAMES = 6000  # frames the fit reads at most (evenly spread over the training windows)
MIN_FRAMES = 40  # below this the prior is not fitted (the query starts at the mean shape)


@dataclass(frozen=True)
class ShapePrior:
    weight: torch.Tensor  # (2K, F·L) key units per log-mel unit
    bias: torch.Tensor  # (2K,)
    silence: torch.Tensor  # (2K,) the change for digital silence: a mouth at rest
    mean: torch.Tensor  # (2K,) the mean prediction over the speech frames (the inference gain's centre)
    alpha: float
    held_out_error: float  # mean point distance (key units) on the last fifth of the frames
    held_out_opening_corr: float  # correlation of predicted and real inner-lip openings there
    frames: int

    def describe(self) -> dict[str, float]:
        return {"alpha": self.alpha, "inference_gain": INFERENCE_GAIN, "held_out_error": round(self.held_out_error, 4),
                "held_out_opening_corr": round(self.held_out_opening_corr, 4), "frames": self.frames}


def _frame_samples(ds: WindowDataset, limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per training frame with landmarks, in time order: X (M, F·L) its log-mel window, Y (M, K, 2)
    its centred shape and A (M, K, 2) the centred mean shape of its references (all key units)."""
    src, cfg = ds.source, ds.config
    frames = sorted({f for s in ds.starts for f in range(s, s + cfg.window)} - ds.unsafe_frames)
    frames = [f for f in frames if src.landmarks(f) is not None]
    if len(frames) > limit:
        frames = [frames[int(k)] for k in np.linspace(0, len(frames) - 1, limit)]
    scale = 1.0 / SHAPE_UNIT  # template px → key units
    shapes, anchors, anchor_of = [], [], {}
    for f in frames:
        refs = tuple(r for r in src.reference_indices(range(f, f + 1)) if src.landmarks(r) is not None)
        if refs not in anchor_of:
            pts = torch.tensor(np.stack([src.landmarks(r) for r in refs]), dtype=torch.float32) * scale
            anchor_of[refs] = centred(centred(pts).mean(0)).numpy() if refs else None
        if anchor_of[refs] is None:
            continue
        shapes.append(centred(torch.tensor(np.asarray(src.landmarks(f)), dtype=torch.float32) * scale).numpy())
        anchors.append(anchor_of[refs])
    times = np.array([src.frame_time(f) for f in frames[:len(shapes)]])
    x = torch.cat([mel_windows(src.audio, times[k:k + 256], cfg.mel_bins, cfg.mel_frames).flatten(1)
                   for k in range(0, len(times), 256)]) if len(times) else torch.zeros(0, 0)
    return (x.numpy().astype(np.float64), np.array(shapes, np.float64).reshape(-1, cfg.num_landmarks, 2),
            np.array(anchors, np.float64).reshape(-1, cfg.num_landmarks, 2))


def ridge_fit(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridge on standardised x: (W (D, P), b (P,)) with y ≈ x @ W + b in the original units."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = (x - mu) / sd
    y_mu = y.mean(0)
    gram = z.T @ z + alpha * np.eye(z.shape[1])
    w = np.linalg.solve(gram, z.T @ (y - y_mu)) / sd[:, None]  # fold the standardisation in
    return w, y_mu - mu @ w


def _opening(shapes: np.ndarray) -> np.ndarray:
    """(M, K, 2) → (M,) :func:`engine.lipsync.mouth.lip_opening` of every shape."""
    upper, lower = INNER_LIPS
    return np.linalg.norm(shapes[:, upper] - shapes[:, lower], axis=-1)


def fit_shape_prior(dataset: Dataset, max_frames: int = MAX_FRAMES) -> ShapePrior | None:
    """The speaker's audio → shape ridge map, or None with too few frames with landmarks."""
    tracks = window_datasets(dataset) or []
    parts = [_frame_samples(d, max_frames) for d in tracks]
    parts = [p for p in parts if len(p[0])]
    if not parts or sum(len(p[0]) for p in parts) < MIN_FRAMES:
        return None
    # The last fifth of every track judges the ridge strengths (later speech, as at inference).
    cut = [int(len(p[0]) * 0.8) for p in parts]
    x, y, a = (np.concatenate([p[i] for p in parts]) for i in range(3))
    is_test = np.concatenate([np.arange(len(p[0])) >= c for p, c in zip(parts, cut)])
    bins = tracks[0].config.mel_bins
    speech = silence_share(torch.from_numpy(x).unflatten(1, (bins, -1))).numpy() == 0  # (M,) bool
    change = (y - a).reshape(len(y), -1)  # (M, 2K) what the query must add to the anchor
    best = (ALPHAS[0], np.inf, 0.0)
    fit, test = ~is_test & speech, is_test & speech
    if fit.sum() >= MIN_FRAMES // 2 and test.sum() >= 10:
        for alpha in ALPHAS:
            w, b = ridge_fit(x[fit], change[fit], alpha)
            pred = (x[test] @ w + b).reshape(-1, *y.shape[1:]) + a[test]
            err = float(np.linalg.norm(pred - y[test], axis=-1).mean())
            if err < best[1]:
                op_pred, op_real = _opening(pred), _opening(y[test])
                corr = float(np.corrcoef(op_pred, op_real)[0, 1]) if op_pred.std() > 0 else 0.0
                best = (alpha, err, corr)
    alpha, err, corr = best
    w, b = ridge_fit(x[speech], change[speech], alpha)
    mean = change[speech].mean(0)  # = the mean prediction over those frames (the fit has an intercept)
    # Digital silence is far outside the speech the ridge saw; it gets the closed mouths' mean change.
    # A mouth at rest: the frames the silence augmentation silences (config.silence_quantile).
    rest = tracks[0].config.silence_quantile
    silence = change[_opening(y) <= np.quantile(_opening(y), rest)].mean(0)
    return ShapePrior(weight=torch.from_numpy(w.T.astype(np.float32)), bias=torch.from_numpy(b.astype(np.float32)),
                      silence=torch.from_numpy(silence.astype(np.float32)),
                      mean=torch.from_numpy(mean.astype(np.float32)), alpha=alpha,
                      held_out_error=float(err) if np.isfinite(err) else float("nan"),
                      held_out_opening_corr=corr, frames=len(x))
