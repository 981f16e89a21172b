"""A rough estimate of a whole dub's work time, peak memory and disk use, shown before it starts.

The rates are measured on a 2-core CPU (the project's reference machine; `benchmarks/e2e.py`,
`benchmarks/faces.py`, `benchmarks/speech_speed.py`) and scaled by the video's duration, frame
count and frame size. They are for planning ("minutes or hours?"), not promises: a busy
machine is slower, a CUDA GPU much faster for the lip-sync stages.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.media.probe import MediaInfo

# Seconds of work per second of video (the speech stages scale with the audio).
TRANSCRIBE_PER_AUDIO_S = 0.4  # Whisper base, one thread: RTF 0.22–0.40
SPEAK_PER_AUDIO_S = 1.3  # Kokoro RTF ≈ 1.2 on the speech, which fills most of a lecture
# Frames per second of work (the face stages scale with frames; tracking also with frame size).
TRACK_FPS_SMALL = 45.0  # ≤ 0.3 Mpx frames: 37–52 fps measured
TRACK_FPS_HD = 20.0  # 1080p: 19.5 fps measured on the 1080×1920 clip
LIPSYNC_FPS_CPU = 17.0  # the `cpu` preset, one thread, 128 px
RENDER_MEGAPIXELS_PER_S = 12.0  # blend + H.264 (preset medium): 12 Mpx/s on 256² and on 1080×1920 alike
RENDER_SECONDS_PER_FRAME = 0.004  # plus per frame (decode, warp, pieces): 17.3 s for 1,800 frames of 256²
TRAIN_MINUTES_CPU = 30.0  # the train stage's default time cap on CPU
# Memory: the process baseline with torch and the models loaded, plus what grows with the
# length. The audio stages stream (a few MB for any length) and the track stage spools the
# landmarks to disk; what still grows is its per-frame book-keeping (times, flags, scores):
# +133 MB over two hours of one face at 30 fps (benchmarks/long_input.py --parts track).
BASE_MEMORY_MB = 1700.0  # a whole dub of a 60 s lecture peaked at 1,646 MB (benchmarks/e2e.py)
TRACK_BYTES_PER_FRAME = 640  # per frame of video, rounded up from the measured 0.25 kB
# Disk: the project folder after a dub and an edit or two. Per frame: the track folder (3.8 kB
# of landmarks and transforms) and the lip-sync crops as JPEG (17–29 kB on the test clips), twice
# over since pruning keeps about one earlier version; per second of speech, the takes, the
# fitted and dub tracks and the audio the lip-sync stage hears; and the video about four
# times over (render pieces, one earlier version's, and the export, each about 1.3× the
# source's size at CRF 18); and, whatever the length, the lip-sync stages' crop sample (at
# most 3,000 frames: 147 MB at the `cpu` preset's 128 px, 590 MB at 256 px) and checkpoints.
# Measured (benchmarks/e2e.py ``cache_mb``, the 60 s lecture dubbed and edited once): a
# 219 MB project folder, 38 MB of it lip-sync crops (430 MB as raw arrays).
DISK_BYTES_PER_FRAME = 4_000 + 2 * 25_000
DISK_BYTES_PER_AUDIO_S = 500_000
DISK_SOURCE_COPIES = 4.0
DISK_FIXED_MB = 200.0  # the `cpu` preset's 128 px crop sample and checkpoints
DISK_FIXED_MB_CUDA = 650.0  # a CUDA preset's 256 px crop sample


@dataclass(frozen=True)
class DubEstimate:
    stage_seconds: dict[str, float]
    peak_memory_mb: float
    disk_gb: float = 0.0  # the project folder's growth

    @property
    def total_seconds(self) -> float:
        return sum(self.stage_seconds.values())

    def describe(self) -> str:
        minutes = self.total_seconds / 60
        when = f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"
        longest = sorted(self.stage_seconds.items(), key=lambda kv: -kv[1])[:3]
        parts = ", ".join(f"{name} {seconds / 60:.0f} min" for name, seconds in longest)
        return (f"estimate on a 2-core CPU: up to about {when} of work ({parts}); "
                f"peak memory about {self.peak_memory_mb / 1024:.1f} GB; disk about {self.disk_gb:.1f} GB")


def estimate_dub(info: MediaInfo, train_minutes: float | None = TRAIN_MINUTES_CPU, cuda: bool = False) -> DubEstimate:
    """Work time per stage and peak memory for dubbing ``info``'s video from scratch."""
    duration = info.duration
    video = info.require_video()
    frames = video.frame_count or duration * video.fps
    megapixels = video.width * video.height / 1e6
    track_fps = TRACK_FPS_SMALL if megapixels <= 0.3 else TRACK_FPS_HD
    lipsync_fps = LIPSYNC_FPS_CPU * (10 if cuda else 1)
    seconds = {
        "transcribe": duration * TRANSCRIBE_PER_AUDIO_S,
        "speak": duration * SPEAK_PER_AUDIO_S,
        "track": frames / track_fps,
        "train": 60.0 * (train_minutes or 0.0),
        "lipsync": frames / lipsync_fps,
        "render": frames * (megapixels / RENDER_MEGAPIXELS_PER_S + RENDER_SECONDS_PER_FRAME),
    }
    memory = BASE_MEMORY_MB + frames * TRACK_BYTES_PER_FRAME / 2**20
    disk = (frames * DISK_BYTES_PER_FRAME + duration * DISK_BYTES_PER_AUDIO_S + DISK_SOURCE_COPIES * info.size_bytes
            + (DISK_FIXED_MB_CUDA if cuda else DISK_FIXED_MB) * 2**20)
    return DubEstimate({k: round(v, 1) for k, v in seconds.items()}, round(memory, 0), round(disk / 2**30, 1))
