"""The render in pieces: only changed pieces are encoded again, and the joined video plays like the source.

Real ffmpeg and x264 on a synthetic 6 s source (render_media.py) with 1 s pieces, so that a
6 s clip has six pieces and a flash falls on a join; a VFR real clip checks the join's clock.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from engine.faces.pieces import PIECE_STAGE
from engine.faces.render import RenderSettings, identity_crops, identity_provider, render_video
from engine.jobs.cache import StageCache
from engine.media import decode_audio, iter_frames, probe
from tests.conftest import media_file
from tests.integration.render_media import FLASH_FRAMES, FPS, ShiftedCrops, make_source, square_track

SETTINGS = RenderSettings(preset="veryfast", piece_seconds=1.0)  # 25 frames a piece: 6 pieces


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return make_source(tmp_path_factory.mktemp("render") / "source.mp4")


def render(source: Path, out: Path, provider, cache: Path, settings: RenderSettings = SETTINGS):
    return render_video(source, out, [square_track(source)], provider, source, settings,
                        cache=StageCache(cache), crop_identity=provider.identity)


def frames_of(path: Path) -> list[np.ndarray]:
    return [f.image for f in iter_frames(path)]


def ffprobe_json(*args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args], capture_output=True, check=True, text=True)
    return json.loads(out.stdout)


def test_a_render_after_a_crop_change_encodes_only_the_overlapping_pieces(source: Path, tmp_path: Path):
    first = render(source, tmp_path / "first.mp4", ShiftedCrops([(30, 40)]), tmp_path / "cache")
    assert (first.pieces, first.encoded, first.frames) == (6, 6, 150)
    changed = ShiftedCrops([(30, 40), (60, 70)])  # frames 60–69: inside piece 2 (frames 50–74)
    again = render(source, tmp_path / "again.mp4", changed, tmp_path / "cache")
    assert (again.pieces, again.encoded, again.frames) == (6, 1, 150)
    unchanged = render(source, tmp_path / "same.mp4", changed, tmp_path / "cache")
    assert unchanged.encoded == 0  # nothing changed: only the join runs

    fresh = render(source, tmp_path / "fresh.mp4", changed, tmp_path / "fresh-cache")
    assert fresh.encoded == 6
    incremental, full, before = frames_of(tmp_path / "again.mp4"), frames_of(tmp_path / "fresh.mp4"), \
        frames_of(tmp_path / "first.mp4")
    assert len(incremental) == len(full) == 150
    # Equal to a fresh full render. Compared with a tolerance far below any real change (a stale
    # piece differs by tens of grey levels where the crops changed): the same piece encoded twice
    # has come out identical in every run but one, whose cause was not found.
    differs = [i for i in range(150) if np.abs(incremental[i].astype(int) - full[i].astype(int)).mean() > 0.25]
    assert differs == []
    same = [i for i in range(150) if np.array_equal(incremental[i], before[i])]
    assert set(range(150)) - set(same) <= set(range(50, 75))  # only piece 2 moved...
    assert {60, 65, 69} <= set(range(150)) - set(same)  # ...where the crops changed


def test_unused_pieces_are_pruned_oldest_first_beyond_one_renders_worth(source: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    versions = [ShiftedCrops([(0, 150)], delta=d) for d in (20, 40, 60)]  # three edits touching every piece
    results = [render(source, tmp_path / f"v{k}.mp4", v, cache) for k, v in enumerate(versions)]
    assert [r.encoded for r in results] == [6, 6, 6]
    # The allowance is the size of the render's own pieces: about one earlier version (sizes
    # differ a little between versions, so a piece more or less may go).
    assert results[0].pruned == 0 and results[1].pruned <= 1
    assert results[1].pruned + results[2].pruned >= 6 and results[2].pruned_bytes > 0
    pieces = [p for p in (cache / PIECE_STAGE).rglob(".complete")]
    assert 6 < len(pieces) <= 12
    assert render(source, tmp_path / "undo.mp4", versions[0], cache).encoded == 6  # the oldest went first
    assert len(frames_of(tmp_path / "v2.mp4")) == 150


def test_the_joined_render_plays_like_the_source(source: Path, tmp_path: Path):
    out = tmp_path / "out.mp4"
    provider = ShiftedCrops([(30, 40)])
    result = render(source, out, provider, tmp_path / "cache")
    assert result.pieces == 6

    streams = {s["codec_type"]: s for s in ffprobe_json("-count_frames", "-show_streams", str(out))["streams"]}
    src_streams = {s["codec_type"]: s for s in ffprobe_json("-show_streams", str(source))["streams"]}
    video, audio = streams["video"], streams["audio"]
    assert int(video["nb_read_frames"]) == 150
    assert float(video["duration"]) == pytest.approx(float(src_streams["video"]["duration"]), abs=1e-6)
    assert float(video["start_time"]) == 0.0 == float(audio["start_time"])
    assert abs(float(audio["duration"]) - float(video["duration"])) < 1 / FPS
    frames = ffprobe_json("-select_streams", "v", "-show_entries", "frame=pts", str(out))["frames"]
    pts = np.array([f["pts"] for f in frames])
    steps = np.diff(pts)
    assert len(pts) == 150 and pts[0] == 0 and (steps == steps[0]).all() and steps[0] > 0  # no gap at any join

    # audio/video sync across joins: each flash starts with its beep (within a frame)
    images = frames_of(out)
    flashes = [i for i, im in enumerate(images) if im[:100, :100].mean() > 240]
    assert flashes == list(FLASH_FRAMES)
    sound = decode_audio(out, 48_000)
    loud = np.convolve(np.abs(sound) > 0.2, np.ones(48), mode="same") > 10  # a 1 ms envelope
    onsets = np.flatnonzero(loud[1:] & ~loud[:-1]) / 48_000
    assert len(onsets) == len(FLASH_FRAMES)
    for frame, onset in zip(FLASH_FRAMES, onsets):
        assert abs(onset - frame / FPS) < 1 / FPS, (frame, onset)

    # the blend and the watermark are in the joined pieces
    src = frames_of(source)
    mx, my = np.round(square_track(source).landmarks[0][13]).astype(int)  # the mouth, in frame pixels
    mouth = np.s_[my - 10:my + 10, mx - 10:mx + 10]
    changed = np.abs(images[35][mouth].astype(int) - src[35][mouth]).mean()
    kept = np.abs(images[100][mouth].astype(int) - src[100][mouth]).mean()
    assert changed > 15 and kept < 3  # brightened where the crops changed; DETAIL leaves identical crops be
    render(source, tmp_path / "plain.mp4", provider, tmp_path / "cache-plain",
           dataclasses.replace(SETTINGS, watermark=False))
    plain = frames_of(tmp_path / "plain.mp4")
    marked = np.abs(images[100].astype(int) - plain[100]).max(-1) > 60  # where the watermark's letters are
    ys, xs = np.nonzero(marked)
    assert len(ys) > 100 and ys.min() > 240 * 0.75 and xs.min() > 320 * 0.6  # bottom right, nowhere else

def test_a_variable_frame_rate_source_joins_at_its_average_rate(tmp_path: Path):
    clip = media_file("video/vr_face1.mp4")  # 135 frames, variable frame rate
    info = probe(clip).require_video()
    result = render_video(clip, tmp_path / "out.mp4", [], identity_provider, clip, SETTINGS,
                          cache=StageCache(tmp_path / "cache"), crop_identity=identity_crops)
    assert result.frames == 135 and result.pieces == 7
    out_path = tmp_path / "out.mp4"
    (out,) = ffprobe_json("-count_frames", "-show_streams", "-select_streams", "v", str(out_path))["streams"]
    assert int(out["nb_read_frames"]) == 135
    assert abs(float(out["duration"]) - probe(clip).duration) < 1.5 / info.fps
    pts = np.array([f["pts"] for f in ffprobe_json("-select_streams", "v", "-show_entries", "frame=pts",
                                                   str(out_path))["frames"]])
    assert len(set(np.diff(pts).tolist())) == 1


def test_a_render_without_a_cache_leaves_nothing_behind(source: Path, tmp_path: Path):
    out_dir = tmp_path / "exports"
    result = render_video(source, out_dir / "dubbed.mp4", [], identity_provider, None, SETTINGS)
    assert result.encoded == result.pieces == 6
    assert [p.name for p in out_dir.iterdir()] == ["dubbed.mp4"]
    assert probe(out_dir / "dubbed.mp4").audio is None
