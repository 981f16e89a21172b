"""Non-learned mouths to judge the model against, all pasted like the model's output.

* ``retrieval``: each held-out frame takes the lower face of the training frame whose audio
  (its log-mel window, the model's own audio input) is nearest in Euclidean distance — the
  best a lookup table of the training footage can do from the audio alone;
* ``closed``: one fixed training frame, the one with the smallest inner-lip opening;
* ``median``: one fixed training frame with the median inner-lip opening.

The donor crop replaces the held-out crop through the source's feathered loss mask, exactly
as :func:`engine.lipsync.infer.generate_chunk` composites the model's output, so that the
comparison is about the mouth and not about the seam. With a fixed crop box the head moves
inside the crop, so the donor is first warped onto the held-out frame by the similarity
transform between their eye-corner and nasal-bridge mesh points (the points the face template
aligns with; no lip or jaw point), as the face pipeline would align both to the template.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from engine.lipsync.data.windows import WindowSource
from engine.lipsync.mel import mel_windows


def paste(base: np.ndarray, donor: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(256, 256, 3) uint8 base with ``donor`` blended in through the (256, 256) float mask."""
    assert base.shape == donor.shape and mask.shape == base.shape[:2], (base.shape, donor.shape, mask.shape)
    m = mask.astype(np.float32)[..., None]
    return (m * donor.astype(np.float32) + (1 - m) * base.astype(np.float32) + 0.5).astype(np.uint8)


def audio_features(source: WindowSource, frames: Sequence[int], bins: int, mel_frames: int) -> np.ndarray:
    """(len(frames), bins · mel_frames) float32: each frame's log-mel window, flattened."""
    times = np.array([source.frame_time(i) for i in frames])
    feats = []
    for k in range(0, len(times), 256):  # bounded memory for long clips
        feats.append(mel_windows(source.audio, times[k:k + 256], bins, mel_frames).flatten(1))
    return torch.cat(feats).numpy()


def nearest_audio_frames(source: WindowSource, train: Sequence[int], held_out: Sequence[int],
                         bins: int, mel_frames: int) -> list[int]:
    """For each held-out frame, the training frame with the nearest log-mel window."""
    a = torch.from_numpy(audio_features(source, train, bins, mel_frames))  # (T, D)
    b = torch.from_numpy(audio_features(source, held_out, bins, mel_frames))  # (H, D)
    nearest = torch.cdist(b, a).argmin(1)  # (H,)
    return [int(train[int(j)]) for j in nearest]


def pick_fixed_frames(train: Sequence[int], openings: np.ndarray) -> dict[str, int]:
    """The closed-mouth (smallest opening) and median-opening training frames; NaN openings ignored."""
    openings = np.asarray(openings, np.float64)
    assert len(openings) == len(train)
    ok = np.flatnonzero(~np.isnan(openings))
    if len(ok) == 0:
        raise ValueError("no training frame has a measured mouth opening")
    vals = openings[ok]
    closed = ok[int(np.argmin(vals))]
    median = ok[int(np.argmin(np.abs(vals - np.median(vals))))]
    return {"closed": int(train[closed]), "median": int(train[median])}


def align(donor: np.ndarray, donor_points: np.ndarray, target_points: np.ndarray) -> np.ndarray:
    """``donor`` warped by the similarity transform taking its (K, 2) points onto the target's."""
    ok = ~(np.isnan(donor_points).any(1) | np.isnan(target_points).any(1))
    if ok.sum() < 3:
        return donor
    m, _ = cv2.estimateAffinePartial2D(donor_points[ok].astype(np.float32), target_points[ok].astype(np.float32),
                                       method=cv2.LMEDS)
    if m is None:
        return donor
    h, w = donor.shape[:2]
    return cv2.warpAffine(donor, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def baseline_frames(source: WindowSource, held_out: Sequence[int], donors: Sequence[int],
                    points: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """(H, 256, 256, 3) uint8: held-out frame k with donor k's lower face pasted in.

    ``points`` maps frame index → (K, 2) alignment points (eyes and nose, crop pixels) for the
    held-out frames and the donors; without it donors are pasted unaligned.
    """
    assert len(held_out) == len(donors)
    out = []
    for i, d in zip(held_out, donors):
        donor = source.crop(d)
        if points is not None:
            donor = align(donor, points[d], points[i])
        out.append(paste(source.crop(i), donor, source.loss_mask(i)))
    return np.stack(out)


def pasted_baselines(source: WindowSource, train: Sequence[int], held_out: Sequence[int], train_mesh: np.ndarray,
                     held_mesh: np.ndarray, bins: int, mel_frames: int) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """The three baselines for ``held_out``: (the fixed donor frames {closed, median}, each
    baseline's (H, 256, 256, 3) frames {retrieval, closed, median}), donors aligned by the
    meshes' eye/nose points (train_mesh (len(train), 478, 2), held_mesh (H, 478, 2))."""
    from engine.faces.template import ALIGN_INDICES
    from engine.lipsync.mouth import inner_opening

    fixed = pick_fixed_frames(train, inner_opening(train_mesh))
    donors = {"retrieval": nearest_audio_frames(source, train, held_out, bins, mel_frames),
              "closed": [fixed["closed"]] * len(held_out), "median": [fixed["median"]] * len(held_out)}
    points = {int(i): train_mesh[k, list(ALIGN_INDICES)] for k, i in enumerate(train)}
    points.update({int(i): held_mesh[k, list(ALIGN_INDICES)] for k, i in enumerate(held_out)})
    return fixed, {name: baseline_frames(source, held_out, d, points) for name, d in donors.items()}
