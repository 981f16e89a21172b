"""Audio work of fitting and the assembled dub track.

``stretch`` runs Rubber Band (pitch-preserving; ``rubberband`` CLI through the process runner).
``assemble`` writes every placed take into one buffer of exactly the video's duration: each
take starts at the sample ``round(start × rate)`` computed from its absolute time, so rounding
never accumulates (no drift however long the lecture), and short fades at each edge avoid
clicks. An optional bed mixes in the original audio, ducked under the dub's speech.
These are the whole-array forms, for short audio; the fit stage and the stems write the same
result block by block with :mod:`engine.speech.dubstream`, whose tests compare the two.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.errors import MediaError

FADE_SECONDS = 0.010  # 10 ms raised-cosine fades at each take's edges: no clicks, no audible swell
DUCK_GAIN = 0.08  # original audio under dubbed speech (about -22 dB)
BED_GAIN = 0.35  # original audio between dubbed speech (about -9 dB)
DUCK_RAMP_SECONDS = 0.15


def resample(audio: np.ndarray, sr: int, target: int) -> np.ndarray:
    if sr == target:
        return audio.astype(np.float32)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(sr, target)
    return resample_poly(audio.astype(np.float32), target // g, sr // g).astype(np.float32)


def stretch(audio: np.ndarray, sr: int, speed: float) -> np.ndarray:
    """Time-stretch by ``speed`` (> 1 shorter), pitch preserved."""
    if abs(speed - 1.0) < 1e-3 or audio.size == 0:
        return audio
    import shutil
    import tempfile
    from pathlib import Path

    import soundfile as sf

    from engine.media.runner import last_error_line, run_process

    exe = shutil.which("rubberband")
    if exe is None:
        raise MediaError("'rubberband' is not installed (Debian: apt-get install rubberband-cli)")
    with tempfile.TemporaryDirectory(prefix="avdub-stretch-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        sf.write(src, audio.astype(np.float32), sr, subtype="FLOAT")
        proc = run_process([exe, "-q", "-T", f"{speed:.9g}", str(src), str(dst)], "cannot time-stretch a take")
        if proc.returncode != 0:
            raise MediaError(f"cannot time-stretch a take: rubberband: {last_error_line(proc.stderr)}")
        out, _ = sf.read(dst, dtype="float32", always_2d=False)
    return np.asarray(out, dtype=np.float32)


def fade(audio: np.ndarray, sr: int, seconds: float = FADE_SECONDS) -> np.ndarray:
    n = min(int(round(seconds * sr)), audio.size // 2)
    if n <= 0:
        return audio
    out = audio.astype(np.float32).copy()
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))).astype(np.float32)
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


def assemble(total_seconds: float, placed: Sequence[tuple[float, float, np.ndarray]], sr: int) -> np.ndarray:
    """(samples,) float32 of exactly ``round(total × sr)`` samples.

    ``placed``: (start seconds, max duration seconds, audio at ``sr``); audio longer than its
    max duration is cut there (with a fade) so it never runs into the next segment.
    """
    n_total = int(round(total_seconds * sr))
    track = np.zeros(n_total, dtype=np.float32)
    for start, max_dur, audio in placed:
        a = int(round(start * sr))
        limit = min(n_total - a, int(round(max_dur * sr)))
        if limit <= 0 or audio.size == 0:
            continue
        chunk = fade(audio[:limit], sr)
        track[a:a + chunk.size] += chunk
    np.clip(track, -1.0, 1.0, out=track)
    return track


def duck_mix(dub: np.ndarray, original: np.ndarray, sr: int, speech: Sequence[tuple[float, float]]) -> np.ndarray:
    """Dub over the original audio, which is ducked to DUCK_GAIN while the dub speaks."""
    original = np.resize(original.astype(np.float32), dub.shape) if original.size != dub.size else original
    gain = np.full(dub.shape, BED_GAIN, dtype=np.float32)
    for s, e in speech:
        gain[int(s * sr):int(e * sr)] = DUCK_GAIN
    ramp = max(1, int(DUCK_RAMP_SECONDS * sr))
    kernel = np.ones(ramp, dtype=np.float32) / ramp
    gain = np.convolve(gain, kernel, mode="same").astype(np.float32)
    return np.clip(dub + gain * original, -1.0, 1.0).astype(np.float32)
