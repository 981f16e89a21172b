"""Faces benchmark and acceptance figures over the shared clips; prints JSON (last line).

Per clip: tracking speed against decode-only speed (same run), crop stability (correlation
of jaw opening with crop motion, ours vs. a crop fitted to all landmarks; jitter of the
template-space eye corners before/after smoothing), the identity round trip (render the
original crops back; PSNR inside the face mask of the decoded output against the decoded
source, for both blend modes, plus REPLACE before encoding), full render time against
``ffmpeg`` re-encoding the same clip with the same encoder settings, and the share of the
longest track's 9-frame training windows that lip-sync leak rule 2 rejects (a jaw or mouth
point near the mouth rectangle's edge) with our rectangle and with the paper's.

Run: PYTHONPATH=. AVDUB_SHARED=../shared python benchmarks/faces.py [CLIP ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.faces.align import apply, crop, fit_similarity, footprint, invert, warp_back
from engine.faces.masks import MaskKind, face_mask
from engine.faces.quality import face_psnr
from engine.faces.render import BlendMode, RenderSettings, composite, identity_provider, render_video
from engine.faces.store import TrackData, load_track
from engine.faces.template import ALIGN_INDICES, CROP_SIZE, MOUTH_JAW, MOUTH_RECT, PAPER_MOUTH_RECT, load_template
from engine.lipsync.config import LipSyncConfig
from engine.lipsync.data.windows import MASK_MARGIN
from engine.lipsync.masks import landmarks_inside
from engine.media import iter_frames, probe
from engine.models.registry import ModelRegistry
from engine.pipeline import ContextFactory, RunOptions, Stage, plan, run_stages
from engine.project.store import create_project

MEDIA = Path(os.environ.get("AVDUB_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "media" / "video"
EYE_ROWS = [ALIGN_INDICES.index(i) for i in (33, 133, 263, 362)]  # eye corners inside the align points
WINDOW = LipSyncConfig().window  # frames of a lip-sync training window (9)


def decode_fps(path: Path, rotation: int) -> float:
    t0, n = time.perf_counter(), 0
    for _ in iter_frames(path, rotation=rotation):
        n += 1
    return n / (time.perf_counter() - t0)


def stability(t: TrackData) -> dict:
    lm = np.asarray(t.landmarks, np.float64)
    m = np.asarray(t.transforms)
    ed = np.linalg.norm((lm[:, 33] + lm[:, 133]) / 2 - (lm[:, 263] + lm[:, 362]) / 2, axis=-1)
    jaw = np.linalg.norm(lm[:, 152] - lm[:, 168], axis=-1) / ed
    tpl = load_template().points

    eye_mid = (lm[:, 33] + lm[:, 133] + lm[:, 263] + lm[:, 362]) / 4

    def crop_motion(ms: np.ndarray, relative: bool = False) -> np.ndarray:
        # vertical (face "down" axis) motion of the crop centre per frame, in eye distances;
        # relative: minus the eyes' own motion, which removes real head motion (nods while talking)
        centres = np.stack([apply(invert(x), np.array([128.0, 128.0])) for x in ms])
        if relative:
            centres = centres - eye_mid
        downs = np.stack([invert(x)[:, :2] @ np.array([0.0, 1.0]) for x in ms])
        downs /= np.linalg.norm(downs, axis=1, keepdims=True)
        return (np.diff(centres, axis=0) * downs[1:]).sum(1) / ed[1:]

    def corr(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.corrcoef(a, b)[0, 1]) if len(a) > 2 and a.std() > 0 and b.std() > 0 else float("nan")

    naive = np.stack([fit_similarity(l, tpl) for l in lm])  # crop fitted to every landmark, jaw included
    djaw = np.diff(jaw)
    eyes = np.einsum("tpj,tij->tpi", lm[:, [33, 133, 263, 362]], m[:, :, :2]) + m[:, None, :, 2]
    out = {"jaw_crop_corr": corr(djaw, crop_motion(m)), "jaw_crop_corr_all_landmarks": corr(djaw, crop_motion(naive)),
"jaw_crop_corr_head_relative": corr(djaw, crop_motion(m, True)),
           "jaw_crop_corr_head_relative_all_landmarks": corr(djaw, crop_motion(naive, True)),
           "eye_jitter_px": float(np.linalg.norm(np.diff(eyes, axis=0), axis=-1).mean())}
    if t.raw_align is not None:
        raw = np.asarray(t.raw_align, np.float64)
        raw_m = np.stack([fit_similarity(r, load_template().align_points) for r in raw])
        raw_eyes = np.einsum("tpj,tij->tpi", raw[:, EYE_ROWS], raw_m[:, :, :2]) + raw_m[:, None, :, 2]
        out["eye_jitter_px_unsmoothed"] = float(np.linalg.norm(np.diff(raw_eyes, axis=0), axis=-1).mean())
    return out


def rejected_windows(t: TrackData, rect: tuple[float, float, float, float]) -> float:
    """Share of the track's training windows with a frame whose jaw/mouth points fail rule 2
    (as ``engine.lipsync.data.windows.WindowDataset`` judges them, without building a window source)."""
    points = t.template_landmarks()[:, list(MOUTH_JAW)] / CROP_SIZE  # (T, 13, 2) crop fractions
    unsafe = np.array([not landmarks_inside(p, rect, MASK_MARGIN) for p in points])
    if len(unsafe) < WINDOW:
        return 0.0
    return float((np.convolve(unsafe, np.ones(WINDOW), "valid") > 0).mean())


def replace_precodec_psnr(source: Path, tracks: list[TrackData], rotation: int) -> float:
    """The REPLACE blend of the original crops, before encoding: what the warp round trip alone loses."""
    se, n = 0.0, 0
    for f in iter_frames(source, rotation=rotation):
        for t in tracks:
            if not t.start_frame <= f.index < t.end_frame:
                continue
            i = f.index - t.start_frame
            m = np.asarray(t.transforms[i])
            out = f.image.copy()
            lm = t.template_landmarks(i)
            composite(out, crop(f.image, m), crop(f.image, m), m, lm, BlendMode.REPLACE)
            box = footprint(m, (f.image.shape[1], f.image.shape[0]))
            if box is None:
                continue
            mask = warp_back(face_mask(lm, MaskKind.RENDER), m, box) > 0.5
            x0, y0, x1, y1 = box
            d = out[y0:y1, x0:x1].astype(np.float64) - f.image[y0:y1, x0:x1].astype(np.float64)
            se += float((d[mask] ** 2).sum())
            n += int(mask.sum()) * 3
    mse = se / max(n, 1)
    return float(10 * np.log10(255 ** 2 / mse)) if mse > 0 else float("inf")


def ffmpeg_reencode(source: Path, out: Path, crf: int, preset: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:v:0", "-map", "0:a:0?",
                    "-fps_mode", "passthrough",
                    "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p", "-threads", "0",
                    "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", str(out)], check=True)
    return time.perf_counter() - t0


def bench_clip(path: Path, work: Path, crf: int = 18) -> dict:
    info = probe(path)
    v = info.require_video()
    folder, project = create_project(work / path.stem, path, info.duration, "pt")
    registry = ModelRegistry.from_environment()
    dec = decode_fps(path, v.rotation)
    factory = ContextFactory(folder, project, registry, RunOptions())
    t0 = time.perf_counter()
    run_stages(factory, plan(only=Stage.TRACK))
    track_s = time.perf_counter() - t0
    n_frames = project.settings["faces"]["frame_count"]
    rendered_ids = project.settings["faces"]["presenter_tracks"]
    tracks = [load_track(folder, t) for t in project.face_tracks if t.id in rendered_ids]
    res: dict = {"clip": path.name, "crf": crf, "size": list(v.display_size), "codec": v.codec, "vfr": v.variable_frame_rate,
                 "frames": n_frames, "tracks": len(project.face_tracks), "rendered_tracks": len(tracks),
                 "low_quality": [t.low_quality for t in project.face_tracks],
                 "eye_distance_px": [t.mean_eye_distance for t in project.face_tracks],
                 "no_face_frames": sum(e - s for s, e in project.settings["faces"]["no_face_spans"]),
                 "decode_fps": round(dec, 1), "track_fps": round(n_frames / track_s, 1),
                 "track_vs_decode": round((n_frames / track_s) / dec, 3)}
    if tracks:
        longest = max(tracks, key=len)
        res.update({k: round(x, 4) for k, x in stability(longest).items()})
        res["rule2_rejected_windows"] = {"ours": round(rejected_windows(longest, MOUTH_RECT), 3),
                                         "paper_rect": round(rejected_windows(longest, PAPER_MOUTH_RECT), 3)}
    settings = RenderSettings(crf=crf)
    out = folder.exports_dir / "dubbed.mp4"
    t0 = time.perf_counter()
    render_video(path, out, tracks, identity_provider, path if info.audio else None, settings)
    res["render_s"] = round(time.perf_counter() - t0, 2)
    res["ffmpeg_s"] = round(ffmpeg_reencode(path, work / f"{path.stem}_ffmpeg.mp4", settings.crf, settings.preset), 2)
    res["render_vs_ffmpeg"] = round(res["render_s"] / res["ffmpeg_s"], 3)
    out_info = probe(out).require_video()
    res["output"] = {"size": [out_info.width, out_info.height], "rotation": out_info.rotation,
                     "frames": out_info.frame_count, "fps": round(out_info.fps, 3), "duration": round(probe(out).duration, 3)}
    if tracks:
        res["psnr_face_detail"] = round(face_psnr(path, out, tracks).psnr, 2)
        rep = folder.exports_dir / "replace.mp4"
        render_video(path, rep, tracks, identity_provider, None, RenderSettings(crf=crf, blend=BlendMode.REPLACE))
        res["psnr_face_replace"] = round(face_psnr(path, rep, tracks).psnr, 2)
        res["psnr_face_replace_before_encoding"] = round(replace_precodec_psnr(path, tracks, v.rotation), 2)
        res["psnr_face_ffmpeg_reencode"] = round(face_psnr(path, work / f"{path.stem}_ffmpeg.mp4", tracks).psnr, 2)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("clips", nargs="*")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--crf", type=int, default=18, help="encoder CRF for both the render and the ffmpeg baseline")
    args = ap.parse_args()
    clips = [MEDIA / c for c in args.clips] or sorted(p for p in MEDIA.iterdir() if p.suffix in (".mp4", ".avi"))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for c in clips:
            r = bench_clip(c, Path(tmp), args.crf)
            print(json.dumps(r), file=sys.stderr, flush=True)
            results.append(r)
    summary = {"clips": results,
               "min_psnr_face_detail": min((r["psnr_face_detail"] for r in results if "psnr_face_detail" in r), default=None),
               "max_abs_jaw_crop_corr": max((abs(r["jaw_crop_corr"]) for r in results if "jaw_crop_corr" in r), default=None),
               "max_render_vs_ffmpeg": max(r["render_vs_ffmpeg"] for r in results)}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
