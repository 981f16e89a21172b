"""What a media file holds: duration, streams, frame rate (incl. variable), size, rotation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from engine.errors import MediaError
from engine.media.runner import safe_path_arg
from engine.media.tools import run_tool

VFR_TOLERANCE = 0.01  # nominal and average rates differing by more than 1 % mean variable frame rate


@dataclass(frozen=True)
class VideoStreamInfo:
    index: int
    codec: str
    width: int  # coded size, before rotation
    height: int
    rotation: int  # degrees clockwise to display upright: 0, 90, 180 or 270
    fps: float  # average frame rate (frames / duration)
    nominal_fps: float  # the stream's declared (r_frame_rate) rate
    fps_fraction: str  # average rate as an exact fraction ("1350/61"), for encoders
    variable_frame_rate: bool
    frame_count: int  # from the container, or estimated from duration × fps
    pix_fmt: str

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown, after rotation."""
        return (self.height, self.width) if self.rotation in (90, 270) else (self.width, self.height)


@dataclass(frozen=True)
class AudioStreamInfo:
    index: int
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    container: str
    duration: float
    size_bytes: int
    video: VideoStreamInfo | None
    audio: AudioStreamInfo | None

    def require_video(self) -> VideoStreamInfo:
        if self.video is None:
            raise MediaError(f"{self.path} has no video stream")
        return self.video

    def require_audio(self) -> AudioStreamInfo:
        if self.audio is None:
            raise MediaError(f"{self.path} has no audio stream; avdub needs the presenter's speech to dub")
        return self.audio


def probe(path: Path) -> MediaInfo:
    """Read a media file's facts with ffprobe; unreadable input raises a one-line MediaError."""
    path = Path(path)
    if not path.exists():
        raise MediaError(f"no such file: {path}")
    if path.is_dir():
        raise MediaError(f"{path} is a folder, not a media file")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{path} is empty (0 bytes)")
    proc = run_tool(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", safe_path_arg(path)],
        what=f"cannot read {path}",
        timeout=60,
    )
    data = json.loads(proc.stdout or b"{}")
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    if not streams:
        raise MediaError(f"cannot read {path}: it holds no audio or video streams")
    video = _video_stream(streams, fmt)
    audio = _audio_stream(streams)
    duration = _float(fmt.get("duration"))
    if duration is None or duration <= 0:
        raise MediaError(f"cannot read {path}: unknown duration (the file may be truncated)")
    return MediaInfo(path, str(fmt.get("format_name", "")), duration, size, video, audio)


def _video_stream(streams: list[dict], fmt: dict) -> VideoStreamInfo | None:
    for s in streams:
        if s.get("codec_type") != "video" or (s.get("disposition") or {}).get("attached_pic"):
            continue
        nominal = _rate(s.get("r_frame_rate"))
        average = _rate(s.get("avg_frame_rate")) or nominal
        if not average:
            raise MediaError("cannot read the video stream's frame rate")
        duration = _float(s.get("duration")) or _float(fmt.get("duration")) or 0.0
        count = int(s["nb_frames"]) if str(s.get("nb_frames", "")).isdigit() else round(duration * float(average))
        variable = bool(nominal) and abs(float(nominal) - float(average)) > VFR_TOLERANCE * float(nominal)
        return VideoStreamInfo(
            index=int(s["index"]),
            codec=str(s.get("codec_name", "")),
            width=int(s.get("width", 0)),
            height=int(s.get("height", 0)),
            rotation=_rotation(s),
            fps=float(average),
            nominal_fps=float(nominal or average),
            fps_fraction=f"{average.numerator}/{average.denominator}",
            variable_frame_rate=variable,
            frame_count=count,
            pix_fmt=str(s.get("pix_fmt", "")),
        )
    return None


def _audio_stream(streams: list[dict]) -> AudioStreamInfo | None:
    for s in streams:
        if s.get("codec_type") == "audio":
            return AudioStreamInfo(
                index=int(s["index"]),
                codec=str(s.get("codec_name", "")),
                sample_rate=int(s.get("sample_rate", 0) or 0),
                channels=int(s.get("channels", 0) or 0),
            )
    return None


def _rotation(stream: dict) -> int:
    """Clockwise degrees to display upright. ffprobe reports the display matrix angle
    counter-clockwise (a phone portrait clip says -90), as does the legacy 'rotate' tag's inverse."""
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(round(-float(side["rotation"]))) % 360
    tag = (stream.get("tags") or {}).get("rotate")
    if tag is not None:
        return int(round(float(tag))) % 360
    return 0


def _rate(text: str | None) -> Fraction | None:
    try:
        rate = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
