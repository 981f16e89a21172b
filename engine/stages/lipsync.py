"""Pipeline stage *lipsync*: generate the presenter's mouths for the dub, chunk by chunk.

For every rendered track (:func:`engine.stages.rendered_tracks.rendered_track_ids`) the track is
split into utterance chunks (:func:`engine.faces.chunks.make_chunks`: at most
``chunk_frames`` frames, nearly equal, 10 buffer frames each side, generated and dropped);
each chunk is decoded at 256 px, driven by the dub track (``project.dub_track``, resampled to
16 kHz; the original audio when there is no dub yet, which the report says), generated in
batches, and stored as n JPEG frames in one file in the project cache
(:mod:`engine.lipsync.data.crop_files`). The cache key of a chunk is (checkpoint content hash,
hash of exactly the audio samples its frames' mel windows cover, its frame range, its
references), so after one segment's translation changes, only the chunks whose audio changed
are generated again. Chunks no longer in the index are pruned beyond about one earlier
version (:meth:`engine.jobs.cache.StageCache.prune`).

The chunk index (track → [start, end, file]) and the counts of generated / reused chunks go
into ``project.settings["lipsync"]``; :mod:`engine.stages.lipsync_crops` serves the crops to the
renderer. ``lipsync_segment`` (the studio's per-segment regenerate) is the same run: since the
chunks are keyed by what they hear, after one segment's take changed it generates that
segment's chunks (and any whose audio a re-fit moved) and reuses every other.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import ProjectError
from engine.faces.chunks import BUFFER_FRAMES, Chunk, make_chunks
from engine.fsutil import file_fingerprint
from engine.stages.context import StageContext
from engine.stages.dub_audio import dub_track
from engine.stages.lipsync_settings import choices, chunk_frames, record, remembered, settings_of
from engine.stages.rendered_tracks import rendered_track_ids
from engine.stages.train import NO_FACE, content_hash, require_track_stage, skip_reason

LIPSYNC_VERSION = 2  # bump when generation changes for the same inputs


def _model(ctx: StageContext) -> dict[str, Any] | None:
    return ctx.project.settings.get("lipsync", {}).get("model")


def audio_path(ctx: StageContext) -> tuple[Path, bool]:
    """(16 kHz-decodable audio, whether it is the dub) — the original audio until there is a dub."""
    dub = dub_track(ctx.folder, ctx.project)
    if dub is not None:
        return dub, True
    return ctx.folder.source_path(ctx.project), False


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    model = _model(ctx)
    try:
        audio, is_dub = audio_path(ctx)
        audio_key = file_fingerprint(audio) if is_dub else ctx.project.source.fingerprint
    except ProjectError:
        audio_key = None
    tracks = {t.id: t for t in ctx.project.face_tracks}
    return {
        "model": None if model is None else model["hash"],
        "audio": audio_key,
        "tracks": [(i, tracks[i].start_frame, tracks[i].end_frame, tracks[i].data_path)
                   for i in rendered_track_ids(ctx)],
        "chunk_frames": chunk_frames(ctx), "cache_frames": choices(ctx).get("cache_frames"),
        "version": LIPSYNC_VERSION, "skip": skip_reason(ctx),
    }


def chunk_file(entry: Path) -> Path:
    """The crops file of a chunk's cache entry (entries from before the JPEG format hold crops.npy)."""
    from engine.lipsync.data.crop_files import CROPS_FILE

    legacy = entry / "crops.npy"
    return legacy if legacy.is_file() and not (entry / CROPS_FILE).is_file() else entry / CROPS_FILE


def _chunk_entry(chunk: Chunk, file: Path, ctx: StageContext) -> dict[str, Any]:
    return {"start": chunk.start, "end": chunk.end, "file": ctx.folder.relative(file)}


def generate(ctx: StageContext) -> dict[str, int]:
    """Generate (or reuse) the chunks of every rendered track. Returns the counts."""
    import torch

    from engine.lipsync.data.crop_files import write_crops
    from engine.lipsync.data.recentre import MouthPlace, mouth_place
    from engine.lipsync.data.track_source import cached_audio, open_track_source
    from engine.lipsync.infer import generate_chunk
    from engine.lipsync.training.checkpoint import load_generator

    require_track_stage(ctx)
    skipped = skip_reason(ctx) or (None if rendered_track_ids(ctx) else NO_FACE)
    if skipped is not None:  # nothing to generate: the render passes the frames through
        counts = {"generated": 0, "reused": 0}
        record(ctx, chunks={}, last_run={**counts, "skipped": skipped})
        ctx.report(1, 1, skipped)
        return counts
    model_rec = _model(ctx)
    if model_rec is None:
        raise ProjectError("there is no fine-tuned lip-sync model yet: run the train stage first (avdub train PROJECT)")
    s = settings_of(ctx)
    if s.threads:
        torch.set_num_threads(s.threads)
    ckpt = ctx.folder.resolve(model_rec["checkpoint"])
    if not ckpt.is_file():
        raise ProjectError(f"the fine-tuned lip-sync model {ckpt} is missing (the cache was cleared?); "
                           "train it again: avdub train PROJECT")
    # Key chunks on the file as it is now: a cancelled later training run may have moved it on
    # from the recorded model, and the crops must say which weights made them.
    model_hash = content_hash(ckpt)
    model = load_generator(ckpt, s.device)
    cfg = model.config
    path, is_dub = audio_path(ctx)
    samples = cached_audio(ctx.cache, path)
    note = "" if is_dub else " (no dub track yet: driven by the original audio)"
    language = ctx.project.target_language if is_dub else (ctx.project.source_language or "")  # the audio's
    tracks = {t.id: t for t in ctx.project.face_tracks}
    plan = [(tid, c) for tid in rendered_track_ids(ctx)
            for c in make_chunks(tid, tracks[tid].start_frame, tracks[tid].end_frame, s.chunk_frames, BUFFER_FRAMES)]
    index: dict[str, list[dict[str, Any]]] = {tid: [] for tid in rendered_track_ids(ctx)}
    counts = {"generated": 0, "reused": 0}
    sources: dict[str, Any] = {}
    places: dict[str, MouthPlace | None] = {}  # where each track's references are moved to, found once
    for k, (tid, chunk) in enumerate(plan):
        ctx.report(k, len(plan), f"mouths for {tid} frames {chunk.start}–{chunk.end - 1}{note}")
        if tid not in sources:
            sources[tid] = open_track_source(ctx.folder, ctx.project, ctx.cache, tracks[tid], cfg.resolution,
                                             cfg.window, cfg.num_references, samples, s.cache_frames)
            places[tid] = mouth_place(sources[tid])
        src = sources[tid]
        first = tracks[tid].start_frame
        rows = range(chunk.start - first, chunk.end - first)
        model_rows = range(chunk.buffer_start - first, chunk.buffer_end - first)
        refs = [int(r) for r in src.reference_indices(model_rows)]  # none inside the chunk or its buffers
        key = {"model": model_hash, "audio": src.window_audio_hash(model_rows, cfg.mel_frames),
               "track": [tid, tracks[tid].data_path], "frames": [chunk.start, chunk.end],
               "model_frames": [chunk.buffer_start, chunk.buffer_end], "references": refs,
               "language": language, "version": LIPSYNC_VERSION}
        made = []

        def compute(tmp: Path, src=src, rows=rows, model_rows=model_rows, refs=refs, place=places[tid]) -> None:
            src.load(model_rows)
            crops = generate_chunk(model, src, rows, refs, language=language,
                                   buffer=BUFFER_FRAMES, batch_size=s.batch_frames, device=s.device, place=place)
            write_crops(tmp, (crops[r] for r in rows))  # n JPEG frames of 256²
            made.append(True)

        entry = ctx.cache.get_or_compute("lipsync-chunks", key, compute)
        counts["generated" if made else "reused"] += 1
        index[tid].append(_chunk_entry(chunk, chunk_file(entry), ctx))
    # Earlier versions' chunks stay up to the size of the current ones (undoing an edit finds them).
    pruned = ctx.cache.prune("lipsync-chunks", [ctx.folder.resolve(e["file"]).parent
                                                for entries in index.values() for e in entries])
    ctx.report(len(plan), len(plan), f"{counts['generated']} chunks generated, {counts['reused']} reused{note}")
    record(ctx, **remembered(ctx, ("chunk_frames", "cache_frames")), chunks=index,
           last_run={**counts, "audio": "dub" if is_dub else "original", "pruned": pruned.entries})
    return counts


def run(ctx: StageContext) -> None:
    generate(ctx)


def lipsync_segment(ctx: StageContext, segment_id: str) -> None:
    """Bring the mouths up to date after one segment's take changed: the stage's own run.

    Only the chunks whose heard audio changed are generated (that segment's, and a neighbour's
    whose placement the re-fit moved); a chunk outside the segment is never left driven by
    audio the dub no longer has, so the result is exactly what ``avdub run`` leaves."""
    ctx.project.segment(segment_id)  # KeyError for an unknown id, before any work
    generate(ctx)
