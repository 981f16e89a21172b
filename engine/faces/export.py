"""Write crops, masks and chosen references as PNG files, for a person to inspect.

For each exported track (or the track chosen for one segment): ``crop_NNNNNN.png`` (aligned
crop), ``input_NNNNNN.png`` (the model input: mouth rectangle masked), ``mask_NNNNNN.png``
(render mask, white = replaced), ``loss_mask_NNNNNN.png``, ``ref_NN_frame_NNNNNN.png``
(references chosen for the exported span, mouth region only), and ``sheet.png``: a contact
sheet of crop / input / polygon overlay rows and the references.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine.errors import ProjectError
from engine.faces.masks import MaskKind, face_mask, masked_input, masked_reference, polygon_points, polygon_shape
from engine.faces.references import features, select_references
from engine.faces.store import find_track, iter_track_frames, load_track
from engine.faces.tracks import blocks
from engine.fsutil import atomic_path
from engine.media import frame_times, iter_frames, probe
from engine.project.model import Project
from engine.project.store import ProjectFolder


def _png(path: Path, rgb: np.ndarray) -> None:
    with atomic_path(path) as tmp:  # the temporary keeps the .png suffix, so imwrite picks PNG
        if not cv2.imwrite(str(tmp), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) if rgb.ndim == 3 else rgb):
            raise ProjectError(f"cannot write {path}")


def _overlay(crop_rgb: np.ndarray, lm: np.ndarray) -> np.ndarray:
    out = crop_rgb.copy()
    for kind, colour in ((MaskKind.LOSS, (255, 200, 0)), (MaskKind.RENDER, (0, 255, 0))):
        poly = polygon_points(lm, *polygon_shape(kind))
        cv2.polylines(out, [np.round(poly).astype(np.int32)], True, colour, 1, cv2.LINE_AA)
    for p in lm[list(range(0, 478, 3))]:
        cv2.circle(out, (int(round(p[0])), int(round(p[1]))), 1, (255, 0, 0), -1)
    return out


def export_crops(folder: ProjectFolder, project: Project, out: Path, segment_id: str | None = None,
                 max_frames: int = 12) -> list[Path]:
    """Export PNGs per track; returns the folders written."""
    faces = project.settings.get("faces", {})
    if not project.face_tracks:
        raise ProjectError("the project has no face tracks; run: avdub run PROJECT --only track")
    spans: list[tuple[str, float, float]] = []
    if segment_id is not None:
        seg = project.segment(segment_id) if any(s.id == segment_id for s in project.segments) else None
        if seg is None:
            raise ProjectError(f"no segment '{segment_id}' in the project")
        tid = seg.face_track_id or faces.get("speaking", {}).get(seg.id)
        if tid is None:
            raise ProjectError(f"no face is tracked while segment '{segment_id}' is spoken")
        spans.append((tid, seg.start, seg.end))
    else:
        spans = [(t.id, 0.0, float("inf")) for t in project.face_tracks]
    written = []
    for tid, t0, t1 in spans:
        data = load_track(folder, find_track(project, tid))
        times = np.asarray(data.times)
        rows = np.nonzero((times >= t0) & (times < t1))[0]
        if len(rows) == 0:
            continue
        pick = np.unique(np.linspace(rows[0], rows[-1], min(max_frames, len(rows))).round().astype(int))
        target = out / (tid if segment_id is None else f"{segment_id}_{tid}")
        target.mkdir(parents=True, exist_ok=True)
        feats = np.concatenate([features(data.template_landmarks(slice(a, b)), np.asarray(data.transforms[a:b]))
                                for a, b in blocks(len(data))])  # (T, F), read in blocks: a long track stays on disk
        refs = select_references(feats, exclude=range(int(rows[0]), int(rows[-1]) + 1))
        if not refs:  # the span is the whole track: exclude only the exported frames
            refs = select_references(feats, exclude=pick)
        wanted = {int(data.start_frame + r) for r in pick} | {int(data.start_frame + r) for r in refs}
        crops: dict[int, np.ndarray] = {}
        first, last = min(wanted), max(wanted) + 1
        for tf in iter_track_frames(folder, project, tid, first, last):
            if tf.index in wanted:
                crops[tf.index] = tf.crop
        rows_img = []
        for r in pick:
            idx = int(data.start_frame + r)
            c, lm = crops[idx], data.template_landmarks(int(r))
            _png(target / f"crop_{idx:06d}.png", c)
            _png(target / f"input_{idx:06d}.png", masked_input(c))
            _png(target / f"mask_{idx:06d}.png", (face_mask(lm, MaskKind.RENDER) * 255).round().astype(np.uint8))
            _png(target / f"loss_mask_{idx:06d}.png", (face_mask(lm, MaskKind.LOSS) * 255).round().astype(np.uint8))
            rows_img.append(np.hstack([c, masked_input(c), _overlay(c, lm)]))
        ref_imgs = []
        for k, r in enumerate(refs):
            idx = int(data.start_frame + r)
            ref = masked_reference(crops[idx])
            _png(target / f"ref_{k:02d}_frame_{idx:06d}.png", ref)
            ref_imgs.append(cv2.resize(ref, (128, 128), interpolation=cv2.INTER_AREA))
        sheet = np.vstack(rows_img[:6])
        if ref_imgs:
            strip = np.hstack(ref_imgs + [np.zeros_like(ref_imgs[0])] * (6 - len(ref_imgs) % 6 if len(ref_imgs) % 6 else 0))
            strip = np.vstack([strip[:, i * 768:(i + 1) * 768] for i in range(strip.shape[1] // 768)])
            sheet = np.vstack([sheet, strip])
        _png(target / "sheet.png", sheet)
        written.append(target)
    return written


def export_frame(folder: ProjectFolder, project: Project, video: Path, index: int, out: Path) -> Path:
    """One frame of a rendered (or the source) video as PNG, upright."""
    rotation = probe(video).require_video().rotation
    times = frame_times(video)
    for frame in iter_frames(video, index, index + 1, times=times, rotation=rotation):
        _png(out, frame.image)
        return out
    raise ProjectError(f"{video} has no frame {index}")
