"""Pipeline stage *render*: the source with the presenter's generated mouths, and the dub audio.

Which tracks are rendered: :mod:`engine.stages.rendered_tracks` (the speaking face chosen per
segment, the editor's override first, and the presenter tracks from the track stage). Where
their crops come from: the lip-sync stage's crops when it has produced them
(``engine.stages.lipsync_crops.crop_provider(ctx)`` returning a
:data:`engine.faces.render.CropProvider` or None), else the original crops (the identity round trip). The audio is ``project.dub_track`` when set, else the source's own.
Settings live in ``project.settings["render"]`` (crf, preset, watermark, blend) and may be
overridden per run through ``RunOptions.extra["render"]``. Output: ``exports/dubbed.mp4``.

The video is encoded in pieces kept in the cache (:mod:`engine.faces.pieces`; length
``render.piece_seconds``): a render after an edit encodes only the pieces whose crops changed
and joins them with the others. ``project.settings["render"]["last_run"]`` records how many
pieces there were and how many were encoded, and the seconds spent encoding and joining.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import ProjectError
from engine.project.settings import RENDER, RenderChoices, choices_of
from engine.fsutil import file_fingerprint
from engine.media import probe
from engine.stages.context import StageContext
from engine.stages.dub_audio import dub_track
from engine.stages.lipsync_crops import crop_provider
from engine.stages.rendered_tracks import rendered_track_ids

if TYPE_CHECKING:
    from engine.faces.pieces import CropIdentity
    from engine.faces.render import CropProvider, RenderSettings
    from engine.faces.store import TrackData

OUTPUT = "dubbed.mp4"
# The renderer (OpenCV) loads inside the functions, so that importing the stage table stays light.


def settings_of(ctx: StageContext) -> RenderSettings:
    from engine.faces.render import BlendMode, RenderSettings

    c: RenderChoices = choices_of(ctx.project.settings, RENDER, dict(ctx.options.extra.get(RENDER, {})))
    return RenderSettings(crf=c.crf, preset=c.preset, watermark=c.watermark, blend=BlendMode(c.blend),
                          piece_seconds=c.piece_seconds)


def _audio(ctx: StageContext) -> Path | None:
    dub = dub_track(ctx.folder, ctx.project)
    if dub is not None:
        return dub
    source = ctx.folder.source_path(ctx.project)
    return source if probe(source).audio is not None else None


def _provider(ctx: StageContext) -> tuple[CropProvider, str, CropIdentity]:
    """The crops to paste, what they are, and their identity per frame range."""
    from engine.faces.render import identity_crops, identity_provider

    provider = crop_provider(ctx)
    if provider is None:
        return identity_provider, "original crops", identity_crops
    return provider, "lip-sync crops", provider.identity


def inputs(ctx: StageContext) -> Mapping[str, Any]:
    from engine.faces.pieces import PIECE_SECONDS, PIECE_VERSION

    audio = _audio(ctx)
    _, label, identity = _provider(ctx)
    tracks = {t.id: t for t in ctx.project.face_tracks}
    rendered = rendered_track_ids(ctx)
    return {
        "source": ctx.project.source.fingerprint,
        "tracks": [(t.id, t.start_frame, t.end_frame, t.data_path) for t in ctx.project.face_tracks],
        "rendered": rendered,
        "audio": None if audio is None else file_fingerprint(audio),
        "settings": dataclasses.replace(settings_of(ctx), piece_seconds=PIECE_SECONDS),  # the cut is not the look
        "provider": label,
        "crops": [identity(t, tracks[t].start_frame, tracks[t].end_frame) for t in rendered],
        "version": PIECE_VERSION,  # the look of a render: what its pieces' pixels depend on
    }


def run(ctx: StageContext) -> None:
    from engine.faces.render import render_video
    from engine.faces.store import load_track

    if "track" not in ctx.project.stages:
        raise ProjectError("the face tracks are missing: run the track stage first (avdub run PROJECT --only track)")
    wanted = set(rendered_track_ids(ctx))
    tracks: list[TrackData] = [load_track(ctx.folder, t) for t in ctx.project.face_tracks if t.id in wanted]
    provider, _, identity = _provider(ctx)
    ctx.folder.exports_dir.mkdir(parents=True, exist_ok=True)
    result = render_video(ctx.folder.source_path(ctx.project), ctx.folder.exports_dir / OUTPUT, tracks, provider,
                          _audio(ctx), settings_of(ctx), ctx.report, cache=ctx.cache, crop_identity=identity)
    ctx.project.settings.setdefault("render", {})["last_run"] = dataclasses.asdict(result)
