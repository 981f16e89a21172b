"""Which face is speaking: mouth motion against audio energy, per segment.

For each face track overlapping a time span, the score is the Pearson correlation between
the mouth's activity (spread of the inner-lip opening, in eye distances, over 0.3 s) and the
audio's log energy over the same window. The presenter's mouth moves when there is
sound; a listener's or a photo's does not. A segment's ``face_track_id`` (set by the editor)
always wins over the automatic choice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.faces.store import TrackData
from engine.faces.template import LOWER_LIP_INNER, UPPER_LIP_INNER, eye_distance
from engine.faces.tracks import blocks
from engine.media import SAMPLE_RATE, iter_audio_blocks
from engine.media.audio import EnergyMeter
from engine.project.model import Project, Segment

ENERGY_RATE = 100  # Hz: energy envelope frames
HOP = SAMPLE_RATE // ENERGY_RATE  # 160 samples = 10 ms
ACTIVITY_WINDOW_S = 0.3  # s: a syllable lasts ~ 0.2 s, so talking moves the lips within any window this long


def energy_envelope(path: Path) -> np.ndarray:
    """(n,) log RMS energy at 100 Hz over whole hops, streamed (bounded memory for any length)."""
    meter, samples = EnergyMeter(HOP), 0
    for block in iter_audio_blocks(path):
        meter.feed(block)
        samples += block.size
    return np.log(np.sqrt(meter.finish()[: samples // HOP]) + 1e-4)


def opening_of(landmarks: np.ndarray) -> np.ndarray:
    """(n,) inner-lip gap in eye distances of (n, 478, 2) landmarks."""
    lm = np.asarray(landmarks, np.float64)
    gap = np.linalg.norm(lm[:, UPPER_LIP_INNER] - lm[:, LOWER_LIP_INNER], axis=-1)
    return gap / np.maximum(eye_distance(lm), 1.0)


def mouth_opening(track: TrackData) -> np.ndarray:
    """(T,) inner-lip gap in eye distances: stored by the tracker, else read from the landmarks
    in blocks (a long track stays on disk)."""
    if track.opening is not None:
        return np.asarray(track.opening, np.float64)
    out = np.empty(len(track), np.float64)
    for a, b in blocks(len(track)):
        out[a:b] = opening_of(track.landmarks[a:b])
    return out


def mouth_activity(track: TrackData) -> np.ndarray:
    """(T,) spread of the lip gap over ACTIVITY_WINDOW_S around each frame."""
    times = np.asarray(track.times)
    fps = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 25.0
    return _rolling(mouth_opening(track), max(3, int(round(ACTIVITY_WINDOW_S * fps))), "std")


class SpeakingEvidence:
    """Per-track mouth activity and the smoothed energy, computed once for many time spans."""

    def __init__(self, energy: np.ndarray) -> None:
        self.energy = _rolling(energy, max(3, int(ACTIVITY_WINDOW_S * ENERGY_RATE)), "mean") if len(energy) else energy
        self._activity: dict[str, np.ndarray] = {}

    def activity(self, track: TrackData) -> np.ndarray:
        if track.id not in self._activity:
            self._activity[track.id] = mouth_activity(track)
        return self._activity[track.id]

    def score(self, track: TrackData, start_s: float = 0.0, end_s: float = float("inf")) -> float:
        """Correlation of mouth activity with audio energy over the track's frames in [start_s, end_s)."""
        times = np.asarray(track.times)
        rows = np.nonzero((times >= start_s) & (times < end_s))[0]
        if len(rows) < 4 or len(self.energy) == 0:
            return 0.0
        activity = self.activity(track)[rows]
        e = self.energy[np.clip((times[rows] * ENERGY_RATE).astype(int), 0, len(self.energy) - 1)]
        if activity.std() < 1e-9 or e.std() < 1e-9:
            return 0.0
        return float(np.corrcoef(activity, e)[0, 1])


def _rolling(x: np.ndarray, n: int, fn: str) -> np.ndarray:
    """Centred rolling mean or std over ``n`` samples (edges use what is there)."""
    k = np.ones(n) / n
    mean = np.convolve(x, k, "same") / np.convolve(np.ones_like(x), k, "same")
    if fn == "mean":
        return mean
    sq = np.convolve(x * x, k, "same") / np.convolve(np.ones_like(x), k, "same")
    return np.sqrt(np.maximum(sq - mean * mean, 0.0))


def _evidence(energy: np.ndarray | SpeakingEvidence) -> SpeakingEvidence:
    return energy if isinstance(energy, SpeakingEvidence) else SpeakingEvidence(energy)


def speaking_score(track: TrackData, energy: np.ndarray, start_s: float = 0.0, end_s: float = float("inf")) -> float:
    """Correlation of mouth activity with audio energy over the track's frames in [start_s, end_s).

    Activity is the spread of the lip gap over ACTIVITY_WINDOW_S (speech moves the mouth several
    times within it, silence leaves it still); energy is averaged over the same window.
    """
    return SpeakingEvidence(energy).score(track, start_s, end_s)


def choose_for_segment(segment: Segment, tracks: list[TrackData], energy: np.ndarray | SpeakingEvidence) -> str | None:
    """The override if set, else the best-scoring track overlapping the segment (None: no face)."""
    if segment.face_track_id is not None:
        return segment.face_track_id
    evidence = _evidence(energy)
    best, best_score = None, -np.inf
    for t in tracks:
        times = np.asarray(t.times)
        if len(times) == 0 or times[-1] < segment.start or times[0] >= segment.end:
            continue
        overlap = float(min(times[-1], segment.end) - max(times[0], segment.start))
        # prefer the moving mouth; among equals (e.g. silence), the face seen longest
        score = evidence.score(t, segment.start, segment.end) + 1e-3 * overlap
        if score > best_score:
            best, best_score = t.id, score
    return best


def presenter_tracks(tracks: list[TrackData], energy: np.ndarray | SpeakingEvidence) -> list[str]:
    """Tracks that out-score every track overlapping them in time: the speaking face at each moment."""
    evidence = _evidence(energy)
    scores = {t.id: evidence.score(t) + 1e-4 * len(t) for t in tracks}
    keep = []
    for t in tracks:
        rivals = [u for u in tracks if u.id != t.id and u.start_frame < t.end_frame and t.start_frame < u.end_frame]
        if all(scores[t.id] >= scores[u.id] for u in rivals):
            keep.append(t.id)
    return keep


def speaking_tracks(project: Project, tracks: list[TrackData], energy: np.ndarray | SpeakingEvidence) -> dict[str, str | None]:
    """segment id → chosen track id (None where no face is visible)."""
    evidence = _evidence(energy)
    return {seg.id: choose_for_segment(seg, tracks, evidence) for seg in project.segments}
