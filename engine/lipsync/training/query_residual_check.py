"""Whether the learned part of the shape query helps, judged on frames it never trained on.

The shape attention's query is the closed-form audio → shape prior plus a small MLP learned
during fine-tuning (:class:`engine.lipsync.model.attention.ShapeAttention`). On a few hundred
frames that MLP can fit the training frames and hurt new speech, or carry what a weak prior
misses (both seen on real clips: docs/lipsync.md); which way it goes is a property of the
speaker and the run, so it is measured per run.

:func:`split_for_query_check` keeps the last ``share`` of every track's training windows (later
speech, as at inference) out of training — and out of the prior's fit, which the trainer makes
on the remaining windows. :meth:`QueryCheck.choose` runs the model's query on those frames with
the learned part on and off, picks for each the reference the attention would choose, and
keeps the learned part (``residual_gain`` 1) only if the chosen references' inner-lip opening
correlates better with the real opening than without it (``residual_gain`` 0). The trainer
calls it before every checkpoint save, so the checkpoint always carries the latest choice.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import ConcatDataset, Dataset

from engine.faces.template import CROP_SIZE
from engine.lipsync.data.windows import WindowDataset, frame_landmarks, window_datasets
from engine.lipsync.mel import mel_windows
from engine.lipsync.model.attention import SHAPE_UNIT, centred
from engine.lipsync.mouth import lip_opening

HELD_SHARE = 0.15  # of each track's training windows, the latest ones
MIN_FRAMES = 30  # held-out frames with landmarks needed for a judgement


@dataclass(frozen=True)
class _HeldWindow:
    mel: torch.Tensor  # (1, T, F, L)
    ref_shapes: torch.Tensor  # (1, N, K, 2) centred, key units
    ref_valid: torch.Tensor  # (1, N) bool
    ref_openings: np.ndarray  # (N,) template px, NaN where unknown
    openings: np.ndarray  # (T,) real inner-lip openings, NaN where unknown


class QueryCheck:
    """The held-out windows of a split and the judgement made on them."""

    def __init__(self, windows: list[_HeldWindow]):
        self.windows = windows
        self.frames = int(sum(np.isfinite(w.openings).sum() for w in windows))

    def choose(self, model) -> dict[str, float | int]:
        """Set ``model.attention.residual_gain`` to 1 or 0, whichever chooses references whose
        opening correlates better with the held-out frames' real one; returns the figures."""
        att = model.attention
        was_training = model.training
        model.eval()
        device = att.residual_gain.device
        corr = {}
        try:
            with torch.no_grad():
                for gain in (1.0, 0.0):
                    att.residual_gain.fill_(gain)
                    chosen, real = [], []
                    for w in self.windows:
                        mel = w.mel.to(device)
                        emb, _ = model.audio_encoder(mel.flatten(0, 1))  # (T, A)
                        weights = att(emb[None], w.ref_shapes.to(device), w.ref_valid.to(device), mel).weights
                        picks = weights[0].argmax(-1).cpu().numpy()  # (T,)
                        chosen.append(w.ref_openings[picks])
                        real.append(w.openings)
                    a, b = np.concatenate(chosen), np.concatenate(real)
                    ok = np.isfinite(a) & np.isfinite(b)
                    corr[gain] = (float(np.corrcoef(a[ok], b[ok])[0, 1])
                                  if ok.sum() > 2 and a[ok].std() > 0 and b[ok].std() > 0 else -1.0)
            keep = 1.0 if corr[1.0] >= corr[0.0] else 0.0
            att.residual_gain.fill_(keep)
        finally:
            model.train(was_training)
        return {"frames": self.frames, "corr_learned": round(corr[1.0], 4), "corr_prior_only": round(corr[0.0], 4),
                "residual_gain": keep}


def _held_window(ds: WindowDataset, start: int, judged: set[int]) -> _HeldWindow:
    """The window at ``start``; its frames already in ``judged`` are not judged again (NaN)."""
    cfg, src = ds.config, ds.source
    window = range(start, start + cfg.window)
    refs = ds.references_for(window)
    times = np.array([src.frame_time(i) for i in window])
    ref_lm, ref_valid = frame_landmarks(src, refs, cfg.num_landmarks)

    def opening(i: int) -> float:
        lm = src.landmarks(i)
        return float("nan") if lm is None else lip_opening(np.asarray(lm))

    return _HeldWindow(mel=mel_windows(src.audio, times, cfg.mel_bins, cfg.mel_frames)[None],
                       ref_shapes=centred(ref_lm[None] * (CROP_SIZE / SHAPE_UNIT)), ref_valid=ref_valid[None],
                       ref_openings=np.array([opening(r) for r in refs]),
                       openings=np.array([float("nan") if i in judged else opening(i) for i in window]))


def split_for_query_check(dataset: Dataset, share: float = HELD_SHARE) -> tuple[Dataset, QueryCheck | None]:
    """(the training windows, the check on the held-out ones); the dataset unchanged and None
    when it is not made of window datasets or too few held-out frames have landmarks."""
    parts = window_datasets(dataset)
    if parts is None:
        return dataset, None
    kept, held = [], []
    for ds in parts:
        t, starts = ds.config.window, sorted(ds.starts)
        count = int(len(starts) * share)
        if count < 2:
            kept.append(ds)
            continue
        held_starts = starts[len(starts) - count:]
        held_frames = {f for s in held_starts for f in range(s, s + t)}
        view = copy.copy(ds)  # shares the source and the image cache
        view.starts = [s for s in starts if not any(f in held_frames for f in range(s, s + t))]
        if not view.starts:
            kept.append(ds)
            continue
        kept.append(view)
        # Each held-out frame judged once: a window wherever one still holds an unjudged frame
        # (the starts of a lecture's sampled track come in runs with gaps between them).
        judged: set[int] = set()
        for k, s in enumerate(held_starts):
            run_ends = k + 1 == len(held_starts) or held_starts[k + 1] != s + 1
            if s not in judged or (run_ends and s + t - 1 not in judged):
                held.append(_held_window(ds, s, judged))
                judged.update(range(s, s + t))
    check = QueryCheck(held)
    if check.frames < MIN_FRAMES:
        return dataset, None
    return (kept[0] if len(kept) == 1 else ConcatDataset(kept)), check
