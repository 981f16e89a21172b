"""Blend generated face crops back into the video, stream-encode, mux the dub audio.

**Crop provider contract.** The renderer asks a :data:`CropProvider` for every frame of every
track it renders: ``provider(track_id, frame_index, original_crop) -> crop | None`` where
``original_crop`` is the (256, 256, 3) uint8 RGB aligned crop of the source frame and the
answer is a generated (256, 256, 3) uint8 RGB crop in the same template space, or None
to leave the frame as it is. :func:`identity_provider` returns the original crop (the
identity round trip). Frames no track covers are passed through untouched.

**Blending.** The render mask (feathered convex face polygon, slightly smaller than the
face) is warped back with the exact inverse similarity (bicubic), as is the crop. Mode
``REPLACE`` is the paper's alpha blend ``F·(1-α) + warp(G)·α``. Mode ``DETAIL`` (default)
adds only the *change* the model made, ``F + warp(α·(G - O))``, and drops the source's fine
detail only where the change is large (``warp(α·(1-w))·(F - warp(O))``, w → 0 as |G - O|
grows): a 256 px crop cannot hold the detail of a face larger than 88 px between the eyes,
so REPLACE blurs big faces even when nothing changed, while DETAIL is exactly invisible
when G = O and keeps skin texture around a regenerated mouth.

Frames stream through (a decoder thread, this thread compositing, ffmpeg encoding in its
own process), so memory stays bounded for any length.
"""

from __future__ import annotations

import enum
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.faces.align import crop, footprint, warp_back
from engine.faces.masks import MaskKind, face_mask
from engine.faces.store import TrackData
from engine.faces.template import CROP_SIZE
from engine.media import Frame, VideoWriter, iter_frames, probe

CropProvider = Callable[[str, int, np.ndarray], "np.ndarray | None"]
Report = Callable[[int, int, str], None]

CHANGE_SCALE = 12.0  # grey levels: |G - O| at which the source detail is mostly (1 - e^-1) dropped
WATERMARK_TEXT = "AI-dubbed"


class BlendMode(enum.Enum):
    DETAIL = "detail"
    REPLACE = "replace"


@dataclass(frozen=True)
class RenderSettings:
    crf: int = 18
    preset: str = "medium"
    watermark: bool = True
    watermark_text: str = WATERMARK_TEXT
    blend: BlendMode = BlendMode.DETAIL


def identity_provider(track_id: str, frame_index: int, original: np.ndarray) -> np.ndarray:
    return original


def composite(frame: np.ndarray, generated: np.ndarray, original: np.ndarray, m: np.ndarray,
              template_landmarks: np.ndarray, mode: BlendMode = BlendMode.DETAIL) -> None:
    """Blend one generated crop into ``frame`` (H, W, 3) uint8, in place."""
    assert generated.shape == (CROP_SIZE, CROP_SIZE, 3) and generated.dtype == np.uint8, generated.shape
    h, w = frame.shape[:2]
    box = footprint(m, (w, h))
    if box is None:
        return
    if mode is BlendMode.DETAIL and np.array_equal(generated, original):
        return  # nothing changed: the frame stays bit-identical
    alpha = face_mask(template_landmarks, MaskKind.RENDER)  # (256, 256)
    x0, y0, x1, y1 = box
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    if mode is BlendMode.REPLACE:
        a = warp_back(alpha, m, box)[..., None]
        g = warp_back(generated.astype(np.float32), m, box)
        out = roi * (1 - a) + g * a
    else:
        delta = generated.astype(np.float32) - original.astype(np.float32)
        change = np.abs(cv2.GaussianBlur(delta, (0, 0), 2.0)).mean(-1)
        drop = alpha * (1.0 - np.exp(-((change / CHANGE_SCALE) ** 2)))
        d = warp_back(delta * alpha[..., None], m, box)
        dr = warp_back(drop, m, box)[..., None]
        o = warp_back(original.astype(np.float32), m, box)
        out = roi + d - dr * (roi - o)
    frame[y0:y1, x0:x1] = np.clip(out + 0.5, 0, 255).astype(np.uint8)


class Watermark:
    """A pre-rendered translucent text patch stamped in the bottom-right corner."""

    def __init__(self, text: str, width: int, height: int):
        scale = max(0.4, min(width, height) / 900)
        thick = max(1, round(scale * 2))
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
        pad = max(4, round(8 * scale))
        pw, ph = tw + 2 * pad, th + base + 2 * pad
        patch = np.zeros((ph, pw, 3), np.uint8)
        mask = np.zeros((ph, pw), np.uint8)
        org = (pad, pad + th)
        cv2.putText(mask, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thick + 2, cv2.LINE_AA)
        cv2.putText(patch, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
        self.patch = patch.astype(np.float32)
        self.alpha = (mask.astype(np.float32) / 255.0 * 0.8)[..., None]
        margin = max(4, round(min(width, height) * 0.02))
        self.x0 = max(0, width - pw - margin)
        self.y0 = max(0, height - ph - margin)

    def stamp(self, frame: np.ndarray) -> None:
        ph, pw = self.patch.shape[:2]
        roi = frame[self.y0:self.y0 + ph, self.x0:self.x0 + pw]
        a = self.alpha[: roi.shape[0], : roi.shape[1]]
        roi[:] = np.clip(roi * (1 - a) + self.patch[: roi.shape[0], : roi.shape[1]] * a + 0.5, 0, 255).astype(np.uint8)


def _prefetch(frames: Iterator[Frame], depth: int = 8) -> Iterator[Frame]:
    """Decode in a background thread (PyAV releases the GIL) while the caller composites."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def work() -> None:
        try:
            for f in frames:
                if stop.is_set():
                    break
                q.put(f)
            q.put(done)
        except BaseException as exc:  # surfaced in the consumer
            q.put(exc)

    t = threading.Thread(target=work, daemon=True)
    t.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while t.is_alive():  # unblock a producer waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                t.join(0.05)


def render_video(source: Path, out: Path, tracks: Sequence[TrackData], provider: CropProvider,
                 audio: Path | None, settings: RenderSettings = RenderSettings(),
                 report: Report | None = None) -> int:
    """Render ``source`` with generated crops blended in; returns the number of frames written."""
    info = probe(source)
    video = info.require_video()
    width, height = video.display_size
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".partial" + out.suffix)
    mark = Watermark(settings.watermark_text, width, height) if settings.watermark else None
    by_frame = sorted(tracks, key=lambda t: t.start_frame)
    total = max(video.frame_count, 1)
    with VideoWriter(tmp, width, height, video.fps_fraction, audio=audio, crf=settings.crf,
                     preset=settings.preset, rotation=video.rotation) as writer:
        for frame in _prefetch(iter_frames(source, rotation=video.rotation)):
            image = frame.image
            for t in by_frame:
                if not t.start_frame <= frame.index < t.end_frame:
                    continue
                i = frame.index - t.start_frame
                m = np.asarray(t.transforms[i])
                original = crop(image, m)
                generated = provider(t.id, frame.index, original)
                if generated is not None:
                    if not image.flags.writeable:
                        image = image.copy()
                    composite(image, generated, original, m, t.template_landmarks(i), settings.blend)
            if mark is not None:
                if not image.flags.writeable:
                    image = image.copy()
                mark.stamp(image)
            writer.write(image)
            if report is not None and frame.index % 25 == 0:
                report(frame.index, total, "rendering")
        written = writer.frames_written
    tmp.replace(out)
    return written
