"""A synthetic source for render tests: moving test pattern, white flashes with beeps, one face-like track.

The flashes (whole white frames) and the 1 kHz beeps start together, at frames that fall on and
between piece boundaries, so a test can measure audio/video sync in a joined render. The track
is a fixed similarity (no face detector needed): the blend, the mask and the provider contract
run exactly as on a real face.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from engine.faces.align import apply, invert
from engine.faces.store import TrackData
from engine.faces.template import load_template
from engine.media import frame_times

FPS = 25
SECONDS = 6
FLASH_FRAMES = (50, 87)  # 50: the first frame of a 1 s piece; 87: inside one
SIZE = (320, 240)


def make_source(path: Path) -> Path:
    """6 s at 25 fps (150 frames), 320×240 H.264, 48 kHz AAC; flashes and beeps at FLASH_FRAMES."""
    flashes = "+".join(f"eq(n,{f})" for f in FLASH_FRAMES)
    beeps = "+".join(f"between(t,{f / FPS},{(f + 1) / FPS})" for f in FLASH_FRAMES)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={SIZE[0]}x{SIZE[1]}:rate={FPS}:duration={SECONDS}",
                    "-f", "lavfi", "-i", f"aevalsrc='0.5*({beeps})*sin(2*PI*1000*t)':s=48000:d={SECONDS}",
                    "-vf", f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{flashes}'",
                    "-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k",
                    str(path)], check=True)
    return path


def square_track(source: Path, start: int = 10, end: int = 140) -> TrackData:
    """A track whose 256×256 crop is the 160×160 square at (80, 40) on frames [start, end)."""
    times = frame_times(source)[start:end]
    m = np.array([[1.6, 0.0, -80 * 1.6], [0.0, 1.6, -40 * 1.6]])  # frame → crop
    points = apply(invert(m), load_template().points).astype(np.float32)  # (478, 2) frame pixels
    n = len(times)
    return TrackData("track-1", start, np.asarray(times), np.repeat(points[None], n, 0),
                     np.repeat(m[None], n, 0), np.zeros(n, bool), {})


class ShiftedCrops:
    """A crop provider that brightens the crops of chosen frame spans (a stand-in for generated
    mouths), with the crop identity the renderer keys pieces on."""

    def __init__(self, spans: list[tuple[int, int]], delta: int = 40):
        self.spans, self.delta = spans, delta

    def __call__(self, track_id: str, frame_index: int, original: np.ndarray) -> np.ndarray:
        if any(a <= frame_index < b for a, b in self.spans):
            return np.clip(original.astype(int) + self.delta, 0, 255).astype(np.uint8)
        return original

    def identity(self, track_id: str, start: int, end: int) -> list:
        return [[a, b, self.delta] for a, b in self.spans if a < end and start < b]
