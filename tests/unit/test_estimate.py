"""The up-front estimate of a dub: it scales with duration, frames and frame size."""

from __future__ import annotations

from pathlib import Path

from engine.estimate import estimate_dub
from engine.media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo


def info(seconds: float, width: int, height: int, fps: float = 30.0, size_bytes: int = 1) -> MediaInfo:
    video = VideoStreamInfo(0, "h264", width, height, 0, fps, fps, f"{int(fps)}/1", False, int(seconds * fps), "yuv420p")
    audio = AudioStreamInfo(1, "aac", 44_100, 1)
    return MediaInfo(Path("lecture.mp4"), "mp4", seconds, size_bytes, video, audio)


def test_two_hours_of_1080p_is_hours_of_work_in_bounded_memory():
    minute, lecture = estimate_dub(info(60, 256, 256)), estimate_dub(info(7200, 1920, 1080))
    assert 10 * 60 < minute.total_seconds < 60 * 60  # the 30-minute training cap dominates a short clip
    assert lecture.total_seconds > 10 * 3600
    assert lecture.stage_seconds["render"] > 100 * minute.stage_seconds["render"]
    # every stage streams: two hours need little more memory than a minute
    assert minute.peak_memory_mb < lecture.peak_memory_mb < minute.peak_memory_mb + 500
    assert "h of work" in lecture.describe() and "GB" in lecture.describe()


def test_training_cap_and_gpu_change_the_estimate():
    clip = info(600, 1280, 720)
    assert estimate_dub(clip, train_minutes=5).stage_seconds["train"] == 300
    assert estimate_dub(clip, cuda=True).stage_seconds["lipsync"] < estimate_dub(clip).stage_seconds["lipsync"]


def test_disk_scales_with_frames_speech_and_the_source_size():
    minute = estimate_dub(info(60, 256, 256, fps=25, size_bytes=1_500_000))
    assert 0.2 <= minute.disk_gb <= 0.5  # the 60 s lecture's project folder took 0.21 GB (benchmarks/e2e.py)
    lecture = estimate_dub(info(7200, 1920, 1080, size_bytes=2 * 2**30))
    assert 10 < lecture.disk_gb < 30 and "disk about" in lecture.describe()
    bigger_file = estimate_dub(info(7200, 1920, 1080, size_bytes=6 * 2**30))
    assert bigger_file.disk_gb - lecture.disk_gb > 10
