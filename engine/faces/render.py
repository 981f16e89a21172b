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
own process), so memory stays bounded for any length. The video is encoded in pieces of fixed
frame ranges kept in a cache (:mod:`engine.faces.pieces`) and joined without re-encoding, with
the audio muxed in the same pass (:mod:`engine.media.join`): a render after an edit encodes
only the pieces whose pixels changed. The output is written beside its name and renamed when
complete, so a failed render leaves the previous video as it was.
"""

from __future__ import annotations

import enum
import errno
import itertools
import os
import queue
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.errors import MediaError
from engine.faces.align import crop, footprint, warp_back
from engine.faces.masks import MaskKind, face_mask
from engine.faces.pieces import (PIECE_FILE, PIECE_SECONDS, PIECE_STAGE, CropIdentity, Piece, piece_inputs,
                                 plan_pieces)
from engine.faces.store import TrackData
from engine.faces.template import CROP_SIZE
from engine.fsutil import TEMP_MARK, atomic_path, file_fingerprint
from engine.jobs.cache import PendingEntry, Pruned, StageCache
from engine.media import Frame, VideoWriter, frame_times, iter_frames, probe
from engine.media.join import frame_clock, join_pieces

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
    piece_seconds: float = PIECE_SECONDS  # how the work is cut, not what it looks like


@dataclass(frozen=True)
class RenderResult:
    frames: int
    pieces: int
    encoded: int  # pieces encoded by this render; the others came from the cache
    encode_seconds: float
    join_seconds: float
    pruned: int = 0  # unused pieces of earlier renders removed from the cache
    pruned_bytes: int = 0


def identity_provider(track_id: str, frame_index: int, original: np.ndarray) -> np.ndarray:
    return original


def identity_crops(track_id: str, start: int, end: int) -> str:
    """The :data:`CropIdentity` of :func:`identity_provider`: the same crops for any frames."""
    return "original crops"


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


class FramePainter:
    """Blends every covering track's crop into one frame and stamps the watermark."""

    def __init__(self, tracks: Sequence[TrackData], provider: CropProvider, settings: RenderSettings,
                 size: tuple[int, int]):
        self.tracks = sorted(tracks, key=lambda t: t.start_frame)
        self.provider, self.blend = provider, settings.blend
        self.mark = Watermark(settings.watermark_text, *size) if settings.watermark else None

    def paint(self, frame: Frame) -> np.ndarray:
        image = frame.image
        for t in self.tracks:
            if not t.start_frame <= frame.index < t.end_frame:
                continue
            i = frame.index - t.start_frame
            m = np.asarray(t.transforms[i])
            original = crop(image, m)
            generated = self.provider(t.id, frame.index, original)
            if generated is not None:
                if not image.flags.writeable:
                    image = image.copy()
                composite(image, generated, original, m, t.template_landmarks(i), self.blend)
        if self.mark is not None:
            if not image.flags.writeable:
                image = image.copy()
            self.mark.stamp(image)
        return image


def _runs(pieces: Sequence[Piece]) -> Iterator[list[Piece]]:
    """Consecutive pieces grouped, so that each group is decoded in one pass."""
    for _, group in itertools.groupby(enumerate(pieces), key=lambda ip: ip[1].index - ip[0]):
        yield [p for _, p in group]


@contextmanager
def _piece_store(cache: StageCache | None, out: Path) -> Iterator[StageCache]:
    """The project's cache, or a temporary one beside ``out`` that goes when the render is done."""
    if cache is not None:
        yield cache
        return
    # named like every temporary (".…tmp-PID-"), so a killed render's folder is known as dead
    with tempfile.TemporaryDirectory(prefix=f".render-pieces{TEMP_MARK}{os.getpid()}-", dir=out.parent) as tmp:
        yield StageCache(Path(tmp))


def render_video(source: Path, out: Path, tracks: Sequence[TrackData], provider: CropProvider,
                 audio: Path | None, settings: RenderSettings = RenderSettings(),
                 report: Report | None = None, *, cache: StageCache | None = None,
                 crop_identity: CropIdentity | None = None) -> RenderResult:
    """Render ``source`` with generated crops blended in, to ``out`` with ``audio``'s sound.

    ``cache``: where pieces are kept between renders (None: a temporary folder, nothing is
    reused). ``crop_identity`` says when the provider's crops for a range are unchanged
    (None: never, so nothing is reused either)."""
    info = probe(source)
    video = info.require_video()
    width, height = video.display_size
    out.parent.mkdir(parents=True, exist_ok=True)
    times = frame_times(source)  # (frames,) s: the exact count, and seeking to a piece
    pieces = plan_pieces(len(times), video.fps, settings.piece_seconds)
    if crop_identity is None:
        token = uuid.uuid4().hex  # crops of unknown origin: a key no other render shares
        crop_identity = lambda track_id, start, end: token  # noqa: E731
    clock = frame_clock(video.fps_fraction)
    picture = {"source": file_fingerprint(source), "size": [width, height], "fps": video.fps_fraction,
               "settings": {k: v for k, v in asdict(settings).items() if k != "piece_seconds"}}
    keys = [piece_inputs(p, picture, tracks, crop_identity) for p in pieces]
    try:
        with atomic_path(out) as tmp, _piece_store(cache, out) as store:
            entries = [store.find(PIECE_STAGE, k) for k in keys]
            todo = [p for p, e in zip(pieces, entries) if e is None]
            painter = FramePainter(tracks, provider, settings, (width, height))
            progress = _Progress(report, sum(p.frames for p in todo), len(todo), len(pieces))
            t0 = time.monotonic()
            with _PieceEncoder(store, painter, (width, height), video.fps_fraction, clock.timescale, settings,
                               progress) as encoder:
                for run in _runs(todo):
                    frames = _prefetch(iter_frames(source, run[0].start, run[-1].end,
                                                   times=times if run[0].start > 0 else None, rotation=video.rotation))
                    try:
                        for p in run:
                            encoder.encode(keys[p.index], itertools.islice(frames, p.frames))
                    finally:
                        frames.close()
            t1 = time.monotonic()
            progress.joining()
            entries = _entries(store, keys)
            written = [(entry / PIECE_FILE, _frames_in(entry)) for entry in entries]
            join_pieces([(path, n) for path, n in written if n > 0], video.fps_fraction, audio, tmp)
            t2 = time.monotonic()
            # Earlier versions' pieces stay up to the size of this render's (undoing an edit finds them).
            pruned = store.prune(PIECE_STAGE, entries) if cache is not None else Pruned(0, 0)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise MediaError(f"cannot write {exc.filename or out}: {exc.strerror} "
                             "(a full disk or a file size limit?)") from None
        raise
    return RenderResult(sum(n for _, n in written), len(pieces), len(todo), round(t1 - t0, 3), round(t2 - t1, 3),
                        pruned.entries, pruned.bytes)


class _Progress:
    """Reports frames encoded (every 25, as the encoder is fed) and says how many pieces are reused."""

    def __init__(self, report: Report | None, total: int, encoding: int, pieces: int):
        self.report, self.total, self.done = report, max(total, 1), 0
        self.note = f"{encoding} of {pieces} pieces to encode" if encoding < pieces else f"{pieces} pieces"

    def frame(self) -> None:
        if self.report is not None and self.done % 25 == 0:
            self.report(self.done, self.total, f"rendering ({self.note})")
        self.done += 1

    def joining(self) -> None:
        if self.report is not None:
            self.report(self.total, self.total, f"joining the pieces and the sound ({self.note})")


class _PieceEncoder:
    """Encodes pieces into cache entries one after another. A piece's encoder finishes (drains,
    closes, and its entry is committed) on a helper thread while the next piece is painted, so
    each piece's encoder start-up and drain overlap with useful work instead of adding to it."""

    def __init__(self, store: StageCache, painter: FramePainter, size: tuple[int, int], fps: str, timescale: int,
                 settings: RenderSettings, progress: _Progress):
        self.store, self.painter, self.size, self.fps, self.timescale = store, painter, size, fps, timescale
        self.settings, self.progress = settings, progress
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piece-finish")
        self._finishing: Future | None = None

    def encode(self, key: dict, frames: Iterator[Frame]) -> None:
        pending = self.store.begin(PIECE_STAGE, key)
        writer: VideoWriter | None = None
        count = 0
        try:
            first = next(frames, None)  # None: the decoder ended before this piece (fewer frames than packets)
            if first is not None:
                writer = VideoWriter(pending.directory / PIECE_FILE, *self.size, self.fps, crf=self.settings.crf,
                                     preset=self.settings.preset, timescale=self.timescale)
                for frame in itertools.chain([first], frames):
                    writer.write(self.painter.paint(frame))
                    self.progress.frame()
                    count += 1
        except BaseException:
            if writer is not None:
                writer.abort()
            pending.discard()
            raise
        self._wait()  # one piece finishing at a time
        self._finishing = self._pool.submit(_finish_piece, writer, pending, count)

    def _wait(self) -> None:
        finishing, self._finishing = self._finishing, None
        if finishing is not None:
            finishing.result()  # re-raises the helper's error here

    def __enter__(self) -> "_PieceEncoder":
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> None:
        try:
            if exc_type is None:
                self._wait()
            elif self._finishing is not None:
                self._finishing.exception()  # let it end; the error already under way is the one to report
        finally:
            self._pool.shutdown()


def _finish_piece(writer: VideoWriter | None, pending: PendingEntry, count: int) -> Path:
    try:
        if writer is not None:
            writer.close()
        (pending.directory / "frames.txt").write_text(str(count))
    except BaseException:
        pending.discard()
        raise
    return pending.commit()


def _entries(store: StageCache, keys: Sequence[dict]) -> list[Path]:
    entries = [store.find(PIECE_STAGE, k) for k in keys]
    missing = [i for i, e in enumerate(entries) if e is None]
    if missing:  # deleted while rendering (someone cleared the cache): say so rather than join a gap
        raise MediaError(f"{len(missing)} rendered pieces vanished from the cache while rendering; render again")
    return [e for e in entries if e is not None]


def _frames_in(entry: Path) -> int:
    return int((entry / "frames.txt").read_text())
