"""Stream decoded video frames in presentation order, with timestamps, one at a time.

Frame ``index`` is the frame's ordinal in presentation order, which stays meaningful for
variable-frame-rate video (where ``time * fps`` is not). :func:`frame_times` reads the
presentation timestamps by demuxing only (no decoding), which lets a caller start at any
frame index and still know each frame's ordinal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from engine.errors import MediaError


@dataclass(frozen=True)
class Frame:
    index: int  # ordinal in presentation order, from 0
    time: float  # presentation time, seconds from the stream start
    image: np.ndarray  # (H, W, 3) uint8 RGB, upright (rotation metadata applied)


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot open {path}: {exc}") from None


def frame_times(path: Path) -> np.ndarray:
    """Presentation times (s) of every video frame, sorted; from the packets, without decoding."""
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path} has no video stream")
        stream = container.streams.video[0]
        base = float(stream.time_base)
        start = stream.start_time or 0
        pts = [p.pts for p in container.demux(stream) if p.pts is not None and p.size > 0]
    times = (np.sort(np.asarray(pts, dtype=np.int64)) - start) * base
    return times.astype(np.float64)


def iter_frames(
    path: Path,
    start_index: int = 0,
    end_index: int | None = None,
    times: np.ndarray | None = None,
    rotation: int = 0,
    threads: bool = True,
) -> Iterator[Frame]:
    """Yield frames ``start_index`` ≤ index < ``end_index`` in presentation order.

    Starting past frame 0 seeks to the nearest earlier keyframe and needs ``times`` (from
    :func:`frame_times`) to map timestamps back to ordinals. ``rotation`` (clockwise degrees,
    from :func:`engine.media.probe`) turns frames upright. A damaged stream raises MediaError.
    """
    if start_index > 0 and times is None:
        times = frame_times(path)
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path} has no video stream")
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = "AUTO"  # frame + slice threads: decoding is the bottleneck
        base = float(stream.time_base)
        origin = stream.start_time or 0
        index = 0
        # One reformatter for the whole stream: PyAV's to_ndarray(format=...) builds a new
        # swscale context per frame, which halves throughput on small frames.
        reformatter = VideoReformatter()
        if start_index > 0:
            assert times is not None
            if start_index >= len(times):
                return
            target_pts = int(round(times[start_index] / base)) + origin
            container.seek(target_pts, stream=stream, backward=True, any_frame=False)
            index = -1  # unknown until the first decoded frame is matched against ``times``
        try:
            for frame in container.decode(stream):
                t = ((frame.pts if frame.pts is not None else 0) - origin) * base
                if index < 0:
                    assert times is not None
                    index = int(np.searchsorted(times, t - base / 2))
                if end_index is not None and index >= end_index:
                    return
                if index >= start_index:
                    rgb = reformatter.reformat(frame, format="rgb24").to_ndarray()
                    yield Frame(index, t, _upright(rgb, rotation))
                index += 1
        except av.error.FFmpegError as exc:
            raise MediaError(f"{path} is damaged near {index} frames in: {exc}") from None


def _upright(image: np.ndarray, rotation: int) -> np.ndarray:
    if rotation == 0:
        return image
    # np.rot90 turns counter-clockwise; our rotation is clockwise.
    return np.ascontiguousarray(np.rot90(image, k=-(rotation // 90)))
