"""A :class:`~engine.lipsync.data.windows.WindowSource` over one face track of a project.

Crops come from the faces pipeline: the source frame warped by the track's similarity, which
was fitted to eye corners and the nasal bridge only (no lip or jaw point moves the crop:
leak rule 3). Landmarks are the 13 jaw/mouth points (:data:`engine.faces.template.MOUTH_JAW`)
in template pixels (None on frames where no face was detected and the track was filled in);
the loss mask is the faces LOSS polygon; references are chosen by K-means over the faces
reference features (:func:`engine.faces.references.features`: mouth shape + head pose),
clustered once per track, and for each cluster the member nearest its centre that is not in
the window, so the target frame is never its own reference (leak rule 4).

Memory stays bounded for an hour-long lecture: nothing holds all 256² crops. A capped,
evenly spread sample of the track (``cache_frames`` frames, in runs of :data:`RUN_FRAMES`
consecutive frames so that every run yields training windows) is decoded once and stored at
the model's resolution as a memory-mapped ``.npy`` in the project cache; it serves the
training windows and the reference pool (:meth:`TrackWindowSource.crop` returns those crops
at the model's resolution, which :func:`engine.lipsync.data.windows.to_tensor` takes as they are).
For inference, :meth:`TrackWindowSource.load` decodes one chunk at full 256 px at a time.
Audio is any 16 kHz recording on the source's clock (the original for fine-tuning, the dub
for generation), usually memory-mapped too (:func:`cached_audio`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.errors import ProjectError
from engine.faces.align import crop as warp_crop
from engine.faces.masks import MaskKind, face_mask
from engine.faces.references import features
from engine.faces.store import TrackData, load_track
from engine.faces.template import CROP_SIZE, MOUTH_JAW
from engine.fsutil import file_fingerprint
from engine.jobs.cache import StageCache
from engine.lipsync.config import DEFAULT_CACHE_FRAMES
from engine.lipsync.data.windows import with_rest_reference
from engine.lipsync.mel import array_span, window_bounds
from engine.media.audio import SAMPLE_RATE
from engine.media import frame_times, iter_frames, probe
from engine.project.model import FaceTrack, Project
from engine.project.store import ProjectFolder

SAMPLE_VERSION = 1  # bump when the cached sample's content changes for the same inputs
RUN_FRAMES = 36  # consecutive frames per sampled run: 4 windows' worth, ≈ 1.4 s of speech


@dataclass(frozen=True)
class Sample:
    """The cached part of a track: crops of ``rows`` at the model's resolution."""

    rows: np.ndarray  # (S,) int64 track rows, ascending
    crops: np.ndarray  # (S, R, R, 3) uint8, memory-mapped
    starts: tuple[int, ...]  # training window starts (rows) whose frames are all cached
    entry: Path | None = None  # the cache entry holding it (kept when the cache is pruned)


def sample_runs(num_rows: int, cap: int, window: int) -> list[range]:
    """Evenly spread runs of consecutive rows, at most ``cap`` rows in all (the whole track if it fits)."""
    if num_rows <= cap:
        return [range(num_rows)] if num_rows else []
    run = max(window, min(RUN_FRAMES, cap))
    count = max(1, cap // run)
    firsts = np.linspace(0, num_rows - run, count).round().astype(int)
    return [range(a, a + run) for a in sorted(set(firsts.tolist()))]


class FrameDecoder:
    """Aligned crops of a track's frames, decoded from the source in order, one run at a time."""

    def __init__(self, video: Path, data: TrackData):
        self.video, self.data = video, data
        self.rotation = probe(video).require_video().rotation
        self._times: np.ndarray | None = None  # the whole video's frame times, for seeking

    def crops(self, rows: range):
        """Yield (row, (256, 256, 3) uint8 crop) for ``rows``."""
        first = self.data.start_frame + rows.start
        if first > 0 and self._times is None:
            self._times = frame_times(self.video)
        seen = 0
        for frame in iter_frames(self.video, first, self.data.start_frame + rows.stop, times=self._times,
                                 rotation=self.rotation):
            row = frame.index - self.data.start_frame
            yield row, warp_crop(frame.image, np.asarray(self.data.transforms[row]), CROP_SIZE)
            seen += 1
        if seen != len(rows):
            raise ProjectError(f"the video gave {seen} of the {len(rows)} frames of track {self.data.id} "
                               f"from frame {first}; has the source changed? (avdub relink / run track again)")


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    if image.shape[0] == size:
        return image
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA if image.shape[0] > size else cv2.INTER_CUBIC)


def cached_sample(cache: StageCache, video: Path, source_fingerprint: str, data: TrackData, track: FaceTrack,
                  resolution: int, cap: int, window: int, report=None) -> Sample:
    """Decode (once, cached) the sampled crops of a track at ``resolution``; memory-mapped."""
    runs = sample_runs(len(data), cap, window)
    key = {"source": source_fingerprint, "track": [track.id, track.start_frame, track.end_frame, track.data_path],
           "resolution": resolution, "cap": cap, "window": window, "version": SAMPLE_VERSION}

    def compute(tmp: Path) -> None:
        rows = np.array([r for run in runs for r in run], dtype=np.int64)
        out = np.lib.format.open_memmap(tmp / "crops.npy", mode="w+", dtype=np.uint8,
                                        shape=(len(rows), resolution, resolution, 3))
        decoder, slot = FrameDecoder(video, data), 0
        for k, run in enumerate(runs):
            for row, image in decoder.crops(run):
                assert rows[slot] == row
                out[slot] = _resize(image, resolution)
                slot += 1
            if report is not None:
                report(k + 1, len(runs), f"caching face crops of {track.id}")
        out.flush()
        del out
        np.save(tmp / "rows.npy", rows)
        np.save(tmp / "starts.npy", np.array([s for run in runs for s in range(run.start, run.stop - window + 1)],
                                             dtype=np.int64))

    entry = cache.get_or_compute("lipsync-frames", key, compute)
    return Sample(np.load(entry / "rows.npy"), np.load(entry / "crops.npy", mmap_mode="r"),
                  tuple(int(s) for s in np.load(entry / "starts.npy")), entry)


def cached_audio(cache: StageCache, path: Path) -> np.ndarray:
    """The recording at ``path`` as 16 kHz mono float32, decoded once into the cache (streamed in
    blocks: bounded memory for an hour) and memory-mapped."""
    from engine.media import iter_audio_blocks

    def compute(tmp: Path) -> None:
        with open(tmp / "audio.f32", "wb") as f:
            for block in iter_audio_blocks(path, sample_rate=SAMPLE_RATE):
                f.write(block.astype("<f4").tobytes())

    entry = cache.get_or_compute("lipsync-audio", {"file": file_fingerprint(path), "sr": SAMPLE_RATE, "format": "f32"},
                                 compute)
    raw = entry / "audio.f32"
    if raw.stat().st_size == 0:
        return np.zeros(0, np.float32)
    return np.memmap(raw, dtype="<f4", mode="r")


def samples_hash(samples: np.ndarray, start: int, stop: int) -> str:
    """Hash of ``samples[start:stop]`` (silence-padded outside the recording, as the model hears it)."""
    return hashlib.sha256(array_span(samples)(start, stop - start).tobytes()).hexdigest()[:32]


class TrackWindowSource:
    """One face track (rows 0…T-1 = frames start_frame…end_frame-1) as model windows."""

    def __init__(self, video: Path, data: TrackData, sample: Sample, samples: np.ndarray, language: str = "",
                 num_references: int = 10, seed: int = 0):
        self.video, self.data, self.sample, self.samples = video, data, sample, samples
        self.language, self.num_references = language, num_references
        self._span = array_span(samples)
        self._slot = {int(r): k for k, r in enumerate(sample.rows)}
        self._loaded: dict[int, np.ndarray] = {}  # row → 256² crop of the chunk being generated
        self._decoder = FrameDecoder(video, data)
        self._clusters = self._cluster(seed)

    # ---- the WindowSource protocol ---------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return len(self.data)

    def crop(self, i: int) -> np.ndarray:
        """The 256² crop of a loaded chunk frame, else the cached crop (at the model's resolution)."""
        if i in self._loaded:
            return self._loaded[i]
        slot = self._slot.get(i)
        if slot is None:
            raise KeyError(f"frame {i} of track {self.data.id} is neither cached nor loaded (call load() first)")
        return np.array(self.sample.crops[slot])  # a writable copy (torch warns on read-only maps)

    def landmarks(self, i: int) -> np.ndarray | None:
        if bool(self.data.interpolated[i]):
            return None  # no detection on this frame: the track was filled in, the mouth is unknown
        return self.data.template_landmarks(i)[list(MOUTH_JAW)].astype(np.float32)  # (13, 2)

    def loss_mask(self, i: int) -> np.ndarray:
        return face_mask(self.data.template_landmarks(i), MaskKind.LOSS)  # (256, 256) float32

    def frame_time(self, i: int) -> float:
        return float(self.data.times[i])

    def audio(self, start: int, length: int) -> np.ndarray:
        return self._span(start, length)

    def reference_indices(self, window: range) -> Sequence[int]:
        picks: list[int] = []
        for members in self._clusters:  # members sorted by distance to the cluster centre
            choice = next((m for m in members if m not in window and m not in picks), None)
            if choice is None:  # the whole cluster lies in the window: the nearest free frame of any
                choice = next((m for c in self._clusters for m in c if m not in window and m not in picks), None)
            if choice is None:
                raise ProjectError(f"track {self.data.id} has too few cached frames outside frames "
                                   f"{window.start}–{window.stop - 1} for {self.num_references} references")
            picks.append(choice)
        return picks

    # ---- inference -------------------------------------------------------------------------
    def load(self, rows: range) -> None:
        """Decode ``rows`` at 256 px for generation, replacing the previously loaded chunk."""
        self._loaded = dict(self._decoder.crops(rows))

    def window_audio_hash(self, rows: range, mel_frames: int) -> str:
        """Hash of exactly the samples the model hears for ``rows`` (their mel windows, end to end)."""
        first, _ = window_bounds(self.frame_time(rows.start), mel_frames)
        last, length = window_bounds(self.frame_time(rows.stop - 1), mel_frames)
        return samples_hash(self.samples, first, last + length)

    # ---- references ------------------------------------------------------------------------
    def _cluster(self, seed: int) -> list[list[int]]:
        """K-means (K = references) over the cached frames' mouth-shape + pose features."""
        from sklearn.cluster import KMeans  # deferred: sklearn import is slow

        rows = self.sample.rows
        k = self.num_references
        if len(rows) < k + 1:
            raise ProjectError(f"track {self.data.id} has {len(rows)} usable frames; at least {k + 1} are needed "
                               "to choose lip-sync references")
        x = features(self.data.template_landmarks(rows), np.asarray(self.data.transforms[rows]))
        std = x.std(0)
        x = (x - x.mean(0)) / np.where(std > 1e-9, std, 1.0)
        km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
        dist = np.linalg.norm(x - km.cluster_centers_[km.labels_], axis=1)
        clusters = [[int(r) for r in rows[km.labels_ == c][np.argsort(dist[km.labels_ == c])]] for c in range(k)]
        shapes = {int(r): lm for r in rows if (lm := self.landmarks(int(r))) is not None}
        return with_rest_reference(clusters, shapes)  # one of them shows a closed mouth


def open_track_source(folder: ProjectFolder, project: Project, cache: StageCache, track: FaceTrack,
                      resolution: int, window: int, num_references: int, samples: np.ndarray,
                      cache_frames: int = DEFAULT_CACHE_FRAMES, report=None) -> TrackWindowSource:
    """The window source of ``track`` with its crop sample cached at ``resolution``."""
    data = load_track(folder, track)
    video = folder.source_path(project)
    sample = cached_sample(cache, video, project.source.fingerprint, data, track, resolution, cache_frames,
                           window, report)
    return TrackWindowSource(video, data, sample, samples, project.source_language or "", num_references)
