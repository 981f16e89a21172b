"""Speaking-face choice: mouth motion against audio energy, and the editor's override (no models)."""

import numpy as np

from engine.faces.speaking import ENERGY_RATE, choose_for_segment, presenter_tracks, speaking_score
from engine.faces.store import TrackData
from engine.faces.template import load_template
from engine.project.model import Segment

FPS = 25


def track(track_id: str, opening: np.ndarray, dx: float) -> TrackData:
    base = load_template().points + [dx, 0]
    lm = np.repeat(base[None], len(opening), 0).astype(np.float32)
    lm[:, 14, 1] += opening  # lower inner lip
    t = len(opening)
    return TrackData(track_id, 0, np.arange(t) / FPS, lm, np.zeros((t, 2, 3)) + [[1, 0, 0], [0, 1, 0]],
                     np.zeros(t, bool), {})


def test_the_mouth_that_moves_with_the_sound_is_chosen_and_the_override_wins():
    rng = np.random.default_rng(0)
    frames = 250
    t = np.arange(frames) / FPS
    talking = (np.floor(t) % 2 == 0)  # 1 s of speech, 1 s of pause, …
    energy = np.repeat(np.where(talking, 0.0, -6.0), ENERGY_RATE // FPS) + rng.normal(0, 0.3, frames * ENERGY_RATE // FPS)
    # the speaker's lips open and close at 4 Hz while talking; the listener's only twitch
    speaker = track("face-speaker", np.where(talking, 10 * np.abs(np.sin(2 * np.pi * 2 * t)), 0.0), 0)
    listener = track("face-listener", rng.normal(0, 0.5, frames), 300)
    assert speaking_score(speaker, energy) > 0.5 > speaking_score(listener, energy) + 0.3
    seg = Segment("seg-1", 1.0, 9.0)
    assert choose_for_segment(seg, [listener, speaker], energy) == "face-speaker"
    assert presenter_tracks([listener, speaker], energy) == ["face-speaker"]
    overridden = Segment("seg-1", 1.0, 9.0, face_track_id="face-listener")
    assert choose_for_segment(overridden, [listener, speaker], energy) == "face-listener"
    assert choose_for_segment(Segment("seg-2", 20.0, 21.0), [listener, speaker], energy) is None
