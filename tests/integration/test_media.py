"""Media I/O on the real clips: probe, frame streaming vs ffprobe, audio decode, encode, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from engine.errors import MediaError
from engine.media import VideoWriter, decode_audio, frame_times, iter_audio_blocks, iter_frames, mux_audio, probe
from tests.conftest import media_file
from tests.integration import media_makers


def ffprobe_frame_times(path: Path) -> np.ndarray:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "frame=pts_time,best_effort_timestamp_time", "-of", "json", str(path)],
                         capture_output=True, check=True).stdout
    frames = json.loads(out)["frames"]
    times = [float(f.get("pts_time") or f["best_effort_timestamp_time"]) for f in frames]
    return np.asarray(times) - times[0]


def test_variable_frame_rate_clip_matches_ffprobe() -> None:
    path = media_file("video/vr_face1.mp4")
    info = probe(path)
    v = info.require_video()
    assert v.variable_frame_rate and v.nominal_fps == 30 and v.fps == pytest.approx(22.13, abs=0.01)
    reference = ffprobe_frame_times(path)
    frames = [(f.index, f.time, f.image.shape) for f in iter_frames(path)]
    assert len(frames) == len(reference) == v.frame_count == 135
    assert [f[0] for f in frames] == list(range(135))
    np.testing.assert_allclose([f[1] for f in frames], reference, atol=1e-3)
    np.testing.assert_allclose(frame_times(path), reference, atol=1e-3)
    assert frames[0][2] == (700, 700, 3)


def test_hevc_portrait_clip_streams_upright() -> None:
    path = media_file("video/vlog_portrait_hevc.mp4")
    info = probe(path)
    v = info.require_video()
    assert (v.codec, v.display_size, v.variable_frame_rate) == ("hevc", (1080, 1920), False)
    times = frame_times(path)
    assert len(times) == v.frame_count == 600
    # Seek into the middle: ordinals and timestamps must agree with the packet table.
    got = [(f.index, f.time, f.image.shape) for f in iter_frames(path, 300, 303, times=times)]
    assert [g[0] for g in got] == [300, 301, 302]
    np.testing.assert_allclose([g[1] for g in got], times[300:303], atol=1e-6)
    assert got[0][2] == (1920, 1080, 3)


def test_seek_gives_the_same_pixels_as_sequential_decode() -> None:
    path = media_file("video/vr_face2.mp4")
    sequential = {f.index: f.image for f in iter_frames(path, end_index=60)}
    seeked = list(iter_frames(path, 57, 60))
    assert [f.index for f in seeked] == [57, 58, 59]
    for f in seeked:
        np.testing.assert_array_equal(f.image, sequential[f.index])


def test_rotation_metadata_is_applied_like_ffmpeg(tmp_path: Path) -> None:
    src = media_file("video/vr_face5.mp4")
    rot = media_makers.rotated(src, tmp_path / "rot.mp4", 90)
    info = probe(rot)
    assert info.require_video().rotation == 270
    frame = next(iter(iter_frames(rot, rotation=info.video.rotation))).image
    media_makers.ffmpeg("-i", str(rot), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", str(tmp_path / "f.rgb"))
    reference = np.fromfile(tmp_path / "f.rgb", dtype=np.uint8).reshape(frame.shape)
    assert np.abs(reference.astype(int) - frame).mean() < 1.0


def test_audio_decodes_to_16k_mono_float(tmp_path: Path) -> None:
    path = media_file("video/news_en_12s.avi")  # AVI with PCM audio
    info = probe(path)
    audio = decode_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) / 16_000 == pytest.approx(info.duration, abs=0.05)
    blocks = list(iter_audio_blocks(path, block_seconds=5))
    assert len(blocks) == 3
    np.testing.assert_array_equal(np.concatenate(blocks), audio)


def test_encode_and_mux_round_trip(tmp_path: Path) -> None:
    src = media_file("video/vr_face3.mp4")
    info = probe(src)
    v = info.require_video()
    out = tmp_path / "copy.mp4"
    with VideoWriter(out, v.width, v.height, v.fps_fraction, audio=src, crf=12, preset="ultrafast") as writer:
        originals = []
        for frame in iter_frames(src):
            writer.write(frame.image)
            if frame.index < 5:
                originals.append(frame.image)
    copy = probe(out)
    assert copy.require_video().frame_count == v.frame_count and copy.audio is not None
    assert copy.duration == pytest.approx(info.duration, abs=0.1)
    decoded = [f.image for f in iter_frames(out, end_index=5)]
    psnr = [10 * np.log10(255**2 / np.mean((a.astype(float) - b) ** 2)) for a, b in zip(originals, decoded)]
    assert min(psnr) > 35
    muxed = tmp_path / "muxed.mp4"
    mux_audio(out, media_file("audio/vr_audio1.flac"), muxed)
    assert probe(muxed).audio is not None


def test_writer_rejects_wrong_frames_and_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "x.mp4"
    with pytest.raises(ValueError):
        with VideoWriter(out, 64, 48, 25) as writer:
            writer.write(np.zeros((48, 64, 3), np.uint8))
            writer.write(np.zeros((10, 10, 3), np.uint8))
    assert not out.exists()


@pytest.mark.parametrize("kind", ["text", "empty", "truncated", "folder", "missing"])
def test_bad_files_raise_one_line_media_errors(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "input.mp4"
    if kind == "text":
        path.write_text("this is not a video\n")
    elif kind == "empty":
        path.touch()
    elif kind == "truncated":
        media_makers.truncated(media_file("video/vr_face4.mp4"), path)
    elif kind == "folder":
        path.mkdir()
    with pytest.raises(MediaError) as err:
        info = probe(path)
        for _ in iter_frames(path):
            pass
        assert info  # unreachable for every kind above
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_no_audio_stream_is_named(tmp_path: Path) -> None:
    silent = media_makers.without_audio(media_file("video/vr_face5.mp4"), tmp_path / "silent.mp4")
    info = probe(silent)
    assert info.audio is None
    with pytest.raises(MediaError, match="no audio stream"):
        info.require_audio()
    with pytest.raises(MediaError, match="no audio stream"):
        decode_audio(silent)
