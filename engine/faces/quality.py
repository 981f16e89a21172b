"""How faithfully a rendered video reproduces its source inside the face: PSNR under the render mask.

Used by the identity round-trip test and benchmark: rendering the original crops back must
reproduce the source (the frames are compared after decoding both videos, so encoding loss
is included). Only frames of the given tracks count, and only pixels where the feathered
render mask exceeds one half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.faces.align import footprint, warp_back
from engine.faces.masks import MaskKind, face_mask
from engine.faces.store import TrackData
from engine.media import iter_frames, probe


@dataclass(frozen=True)
class FacePsnr:
    psnr: float  # dB over all face pixels of all compared frames (inf when identical)
    frames: int  # frames decoded from both videos
    face_frames: int  # frames that had a face region
    worst_frame_psnr: float


def face_psnr(source: Path, rendered: Path, tracks: Sequence[TrackData]) -> FacePsnr:
    rotation = probe(source).require_video().rotation
    se, n, frames, face_frames, worst = 0.0, 0, 0, 0, float("inf")
    for a, b in zip(iter_frames(source, rotation=rotation), iter_frames(rendered, rotation=probe(rendered).require_video().rotation)):
        frames += 1
        fse, fn = 0.0, 0
        for t in tracks:
            if not t.start_frame <= a.index < t.end_frame:
                continue
            i = a.index - t.start_frame
            m = np.asarray(t.transforms[i])
            box = footprint(m, (a.image.shape[1], a.image.shape[0]))
            if box is None:
                continue
            mask = warp_back(face_mask(t.template_landmarks(i), MaskKind.RENDER), m, box) > 0.5
            x0, y0, x1, y1 = box
            d = a.image[y0:y1, x0:x1].astype(np.float64) - b.image[y0:y1, x0:x1].astype(np.float64)
            fse += float((d[mask] ** 2).sum())
            fn += int(mask.sum()) * 3
        if fn:
            face_frames += 1
            se, n = se + fse, n + fn
            worst = min(worst, _psnr(fse / fn))
    return FacePsnr(_psnr(se / n) if n else float("nan"), frames, face_frames, worst)


def _psnr(mse: float) -> float:
    return float(10 * np.log10(255.0 ** 2 / mse)) if mse > 0 else float("inf")
