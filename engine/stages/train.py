"""Pipeline stage *train*: fine-tune the lip-sync model on the presenter's face tracks.

The presenter tracks (``settings["faces"]["presenter_tracks"]``, from the track stage; else the
faces chosen as speaking in some segment) with
the source's original audio become training windows (:mod:`engine.lipsync.data.track_source`:
a capped, evenly spread sample of each track, cached as memory-mapped crops). Training starts
from a base checkpoint when the settings name one (the multi-speaker ``avdub pretrain`` model;
its preset is then used) and from scratch otherwise. The checkpoint lives in the project
cache under a key of everything that defines the model except the step count, so a killed or
cancelled run resumes where it stopped and asking for more steps continues the same model.
Progress (loss terms, steps/s) goes through ``ctx.report``, which also cancels.

Recorded in ``project.settings["lipsync"]["model"]``: the checkpoint (project-relative), its
content hash (the lip-sync stage's cache key), preset, step, seconds, why it stopped, losses,
and what was pruned.

After a run the training caches are pruned (:func:`prune_models`, and
:meth:`~engine.jobs.cache.StageCache.prune` for the crop samples): of the models this project
no longer uses, only the most recently trained one stays, so going back to an earlier setting
(a preset, the presenter tracks) finds its training, and a project whose settings changed
many times does not keep a 50 MB–1 GB checkpoint for each.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import ProjectError
from engine.fsutil import file_fingerprint, tree_bytes
from engine.jobs.cache import Pruned, hash_inputs
from engine.project.model import FaceTrack
from engine.stages.context import StageContext
from engine.stages.lipsync_settings import model_choices, record, settings_of
from engine.stages.rendered_tracks import rendered_track_ids

TRAIN_VERSION = 4  # bump when training changes for the same inputs
CHECKPOINT = "model.ckpt"
MODELS = "lipsync-train"  # the cache folder of the fine-tuned models, one sub-folder per model key
SPARE_MODELS = 1  # models not in use that pruning keeps (the most recently trained first)


def training_tracks(ctx: StageContext) -> list[FaceTrack]:
    """The presenter tracks; failing those, the faces chosen as speaking in some segment."""
    wanted = ctx.project.settings.get("faces", {}).get("presenter_tracks", []) or rendered_track_ids(ctx)
    return [t for t in ctx.project.face_tracks if t.id in wanted]


def _base_fingerprint(base: str | None) -> str | None:
    if base is None:
        return None
    path = Path(base)
    if not path.is_file():
        raise ProjectError(f"the base lip-sync checkpoint {path} does not exist")
    return file_fingerprint(path)


def _model_key(ctx: StageContext) -> dict[str, Any]:
    """Everything that defines the fine-tuned model except how many steps it has taken."""
    m = model_choices(ctx)
    return {
        "source": ctx.project.source.fingerprint,
        "tracks": [(t.id, t.start_frame, t.end_frame, t.data_path) for t in training_tracks(ctx)],
        **{k: v for k, v in m.items() if k not in ("steps", "base")}, "base": _base_fingerprint(m["base"]),
        "language": ctx.project.source_language, "version": TRAIN_VERSION,
    }


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    return {**_model_key(ctx), "steps": model_choices(ctx)["steps"], "skip": skip_reason(ctx)}


def checkpoint_path(ctx: StageContext) -> Path:
    return ctx.folder.cache_dir / MODELS / hash_inputs(_model_key(ctx))[:24] / CHECKPOINT


def prune_models(models: Path, in_use: Path, spare: int = SPARE_MODELS) -> Pruned:
    """Remove the model folders under ``models`` other than ``in_use`` and the ``spare`` most
    recently written ones (by their checkpoint's mtime); folders without a checkpoint (a run
    killed before its first save) go too."""
    if not models.is_dir():
        return Pruned(0, 0)
    keep = Path(in_use).resolve()
    others = []
    for folder in models.iterdir():
        if not folder.is_dir() or folder.resolve() == keep:
            continue
        ckpt = folder / CHECKPOINT
        others.append((ckpt.stat().st_mtime if ckpt.is_file() else float("-inf"), folder))
    others.sort(reverse=True)  # newest first
    removed = freed = 0
    for rank, (mtime, folder) in enumerate(others):
        if rank < spare and mtime != float("-inf"):
            continue
        size = tree_bytes(folder)
        shutil.rmtree(folder, ignore_errors=True)
        removed, freed = removed + 1, freed + size
    return Pruned(removed, freed)


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


NO_FACE = "no face was found in the video: lip-sync is skipped and the dub keeps the original frames"
NO_SPEECH = "no speech was found in the video: there is nothing to lip-sync, the original frames are kept"


def skip_reason(ctx: StageContext) -> str | None:
    """Why lip-sync has nothing to do in this project (no face, no speech), or None."""
    if not ctx.project.face_tracks:
        return NO_FACE
    if not ctx.project.segments:
        return NO_SPEECH
    return None


def require_track_stage(ctx: StageContext) -> None:
    if "track" not in ctx.project.stages:
        raise ProjectError("the face tracks are missing: run the track stage first (avdub run PROJECT --only track); "
                           "lip-sync learns from the presenter's aligned face crops")


def run(ctx: StageContext) -> None:
    import torch
    from torch.utils.data import ConcatDataset

    from engine.lipsync.config import preset
    from engine.lipsync.data.track_source import cached_audio, open_track_source
    from engine.lipsync.data.windows import WindowDataset
    from engine.lipsync.training.checkpoint import load_checkpoint
    from engine.lipsync.training.trainer import Trainer, TrainSettings

    require_track_stage(ctx)
    skipped = skip_reason(ctx)  # a screencast, slides only, a silent clip: a dub without lip-sync
    if skipped is not None:
        record(ctx, model=None, skipped=skipped)
        ctx.report(1, 1, skipped)
        return
    tracks = training_tracks(ctx)
    if not tracks:
        raise ProjectError("no presenter face track to learn from (every track is too short or never speaks); "
                           "check the face tracks with `avdub crops PROJECT --out DIR`")
    s = settings_of(ctx)
    base = Path(s.base) if s.base else None
    config = preset(s.preset) if s.preset is not None else load_checkpoint(base).config  # the base's own preset
    if s.threads:
        torch.set_num_threads(s.threads)
    video = ctx.folder.source_path(ctx.project)
    samples = cached_audio(ctx.cache, video)
    parts, sample_entries = [], []
    for track in tracks:
        source = open_track_source(ctx.folder, ctx.project, ctx.cache, track, config.resolution, config.window,
                                   config.num_references, samples, s.cache_frames, ctx.report)
        parts.append(WindowDataset(source, config, starts=source.sample.starts))
        sample_entries.append(source.sample.entry)
    dataset = parts[0] if len(parts) == 1 else ConcatDataset(parts)
    path = checkpoint_path(ctx)
    done_before = load_checkpoint(path).step if path.is_file() else 0
    if done_before >= s.steps:
        ctx.report(1, 1, f"the model already has {done_before} steps")
        stopped, seconds, losses, step = "done", 0.0, load_checkpoint(path).meta.get("losses", {}), done_before
    else:
        settings = TrainSettings(
            steps=s.steps, batch_size=s.batch_size, device=s.device, threads=s.threads, use_gan=s.use_gan,
            checkpoint_every=max(10, min(500, s.steps // 10)), checkpoint_seconds=120.0,
            max_seconds=None if s.minutes is None else s.minutes * 60, seed=s.seed)
        result = Trainer(config, dataset, settings, path, init_from=base).run(ctx.report)
        stopped, seconds, losses, step = result.stopped, result.seconds, result.losses, result.step
    models = prune_models(path.parent.parent, path.parent)
    crops = ctx.cache.prune("lipsync-frames", [e for e in sample_entries if e is not None])
    # The choices that define the model are remembered, so a later plain run finds it up to date.
    chosen = {k: v for k, v in model_choices(ctx).items() if v is not None}
    record(ctx, **chosen,
           model={"checkpoint": ctx.folder.relative(path), "hash": content_hash(path), "preset": config.name,
                  "step": step, "stopped": stopped, "seconds": round(seconds, 1), "windows": len(dataset),
                  "tracks": [t.id for t in tracks], "from": s.base,
                  "losses": {k: round(float(v), 5) for k, v in losses.items()},
                  "pruned": models.entries + crops.entries, "pruned_bytes": models.bytes + crops.bytes})
