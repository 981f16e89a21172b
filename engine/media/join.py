"""Join video pieces into one mp4 without re-encoding them, and mux the audio in the same pass.

The pieces are H.264 mp4 files of consecutive frame ranges, each encoded on its own (so each
starts with a keyframe and no frame refers across a join), all at one constant rate and with
the video track clock of :func:`frame_clock`. ffmpeg's concat demuxer copies their packets and
places each piece after the previous one by a duration. Left to itself it reads that duration
from the file, rounded to a millisecond by the movie header's clock, and the joins drift (by
0.7 ms per piece at 29.97 fps). So the list states each piece's exact duration (frames × the
frame period, which the demuxer keeps to the microsecond) and a ``setts`` bitstream filter
snaps every timestamp to the frame grid, absorbing what microsecond rounding leaves: frame n of
the output is shown at exactly n frame periods, however many pieces there are.

The audio is padded with silence or cut to the video's exact duration, rather than
``-shortest``, which drops the last frames when the audio is a little shorter than the video.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from engine.errors import MediaError
from engine.fsutil import temp_name
from engine.media.encode import write_failure_reason
from engine.media.runner import FFMPEG_PROGRESS, run_process, safe_path_arg
from engine.media.tools import tool

MIN_TIMESCALE = 10_000  # the mp4 muxer's own floor for a video track's ticks per second


@dataclass(frozen=True)
class FrameClock:
    timescale: int  # ticks per second of the video track
    step: int  # ticks per frame

    def seconds(self, frames: int) -> Fraction:
        return Fraction(frames * self.step, self.timescale)


def frame_clock(fps: str | Fraction) -> FrameClock:
    """A track clock in which every frame time is a whole number of ticks (29.97 fps: 30000 and
    1001; 25 fps: 12800 and 512), doubled up to the muxer's floor as the muxer itself does."""
    rate = Fraction(fps)
    k = 1
    while rate.numerator * k < MIN_TIMESCALE:
        k *= 2
    return FrameClock(rate.numerator * k, rate.denominator * k)


def _concat_line(path: Path) -> str:
    quoted = str(path.resolve()).replace("'", "'\\''")  # the concat list's own quoting
    return f"file '{quoted}'\n"


def join_pieces(pieces: Sequence[tuple[Path, int]], fps: str, audio: Path | None, out: Path) -> None:
    """Write ``out`` from ``pieces`` ((mp4, frame count), in order) at ``fps``, with ``audio``
    (any media file with a sound stream; None: no sound). ``out`` is removed if this fails."""
    if not pieces:
        raise MediaError(f"cannot write {out}: there are no frames to write")
    clock = frame_clock(fps)
    duration = float(clock.seconds(sum(n for _, n in pieces)))
    listing = out.with_name(temp_name(f"{out.name}.pieces.txt"))  # its owner known to remove_dead_temps
    try:
        listing.write_text("".join(f"{_concat_line(path)}duration {float(clock.seconds(n)):.9f}\n"
                                   for path, n in pieces), encoding="utf-8")
    except OSError as exc:
        listing.unlink(missing_ok=True)
        raise MediaError(f"cannot write {listing}: {exc.strerror or exc}") from None
    snap = f"round(%s/{clock.step})*{clock.step}"
    cmd = [tool("ffmpeg"), *FFMPEG_PROGRESS, "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0",
           "-i", safe_path_arg(listing)]
    if audio is not None:
        cmd += ["-i", safe_path_arg(audio), "-map", "0:v:0", "-map", "1:a:0",
                "-af", f"apad=whole_dur={duration:.9f},atrim=end={duration:.9f}", "-c:a", "aac", "-b:a", "192k"]
    else:
        cmd += ["-map", "0:v:0"]
    cmd += ["-c:v", "copy", "-bsf:v", f"setts=pts={snap % 'PTS'}:dts={snap % 'DTS'}",
            "-video_track_timescale", str(clock.timescale), "-movflags", "+faststart", safe_path_arg(out)]
    try:
        proc = run_process(cmd, f"cannot write {out}")
    finally:
        listing.unlink(missing_ok=True)
    if proc.returncode != 0:
        out.unlink(missing_ok=True)
        raise MediaError(f"cannot write {out}: {write_failure_reason(proc.stderr, out.parent)}")
