"""The phone aligner: espeak-ng speaks the known text, DTW warps that rendering onto the real audio.

One mechanism for every language espeak-ng speaks (~100), so the same aligner labels a lecture's
original audio and every dub take. Steps:

1. espeak-ng renders the text; its phoneme events give each phone's start exactly (see
   :mod:`espeak_lib`).
2. The rendering is brought to the real audio's speech level and given noise at the real audio's
   floor (espeak-ng's pauses are digital zeros, which would match nothing). Both signals become
   5 ms frames of MFCCs, energy term included, each coefficient normalised per utterance so the
   loudness and colour of each voice drop out.
3. Dynamic time warping (cosine distance) finds the cheapest monotonic path between the two
   frame sequences. The rendering's features are then mapped towards the real voice by the
   affine transform that best fits the frames the path pairs, and warped again; each rendered
   phone onset is carried over to the real audio through that second path.
4. The warp is trusted only when its cost is clearly below that of warping the rendering onto
   the audio played backwards (same sounds, wrong order).

Failures come back as an :class:`AlignmentResult` with a status (no phones in the text, silent
audio, audio that is not a finite mono signal, audio that does not say the text, no espeak-ng),
never as an exception from inside.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import resample_poly

from engine.speech.phonemes.espeak_lib import EspeakUnavailable, EspeakVoiceMissing, Rendering, load_espeak, voice_for
from engine.speech.phonemes.timeline import AlignmentResult, AlignmentStatus, timeline_from_onsets

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class AlignerSettings:
    hop_s: float = 0.005          # feature frame step: the resolution of the carried-over onsets
    # The warp holds two (rendered × real frames) float64 matrices; past this many cells the frame
    # step grows (16e6 cells ≈ 256 MB: 20 s against 20 s at 5 ms, a minute against a minute at 15 ms).
    max_warp_cells: int = 16_000_000
    window_s: float = 0.025
    n_mfcc: int = 13              # coefficient 0 (energy) included: it tells pauses from speech
    # A warp is refused when its cost is not clearly below the cost of warping the same rendering
    # onto the audio played backwards (same sounds, wrong order): a text the audio does not say
    # scores about 1.
    max_match_ratio: float = 0.97
    silence_dbfs: float = -50.0   # loudest 50 ms below this: nothing to align
    floor_percentile: float = 10.0  # the real audio's noise floor: this percentile of its 25 ms RMS
    # espeak-ng renderings tried, as (voice variant, words per minute); the cheapest warp wins.
    renderings: tuple[tuple[str, int], ...] = (("", 175),)
    # Warps after the first one, each on the rendering's features mapped (affine, least squares
    # over the previous warp's frame pairs) towards the real voice: a crude speaker adaptation.
    adapt_passes: int = 1


def frame_step(rendered_s: float, audio_s: float, settings: AlignerSettings) -> float:
    """The feature step (s, a whole number of samples): ``hop_s``, or coarser to bound the warp's memory."""
    step = settings.hop_s
    if (rendered_s / step) * (audio_s / step) > settings.max_warp_cells:
        step = float(np.sqrt(rendered_s * audio_s / settings.max_warp_cells))
    return float(np.ceil(step * SAMPLE_RATE - 1e-9) / SAMPLE_RATE)


def features(audio: np.ndarray, settings: AlignerSettings) -> np.ndarray:
    """(n_frames, n_mfcc) MFCCs of 16 kHz ``audio``, each coefficient normalised over the utterance."""
    import librosa

    hop = int(round(settings.hop_s * SAMPLE_RATE))
    n_fft = int(round(settings.window_s * SAMPLE_RATE))
    mfcc = librosa.feature.mfcc(y=audio.astype(np.float32), sr=SAMPLE_RATE, n_mfcc=settings.n_mfcc, n_fft=512,
                                win_length=n_fft, hop_length=hop, n_mels=40, fmin=60, fmax=7600)  # (c, t)
    mfcc = (mfcc - mfcc.mean(axis=1, keepdims=True)) / (mfcc.std(axis=1, keepdims=True) + 1e-6)
    return mfcc.T


def frame_rms(audio: np.ndarray, window: int = SAMPLE_RATE // 40) -> np.ndarray:
    """(n_windows,) RMS of consecutive ``window``-sample pieces of ``audio``."""
    padded = np.pad(audio.astype(np.float64) ** 2, (0, (-len(audio)) % window))
    return np.sqrt(padded.reshape(-1, window).mean(axis=1))


def matched_levels(spoken: np.ndarray, audio: np.ndarray, settings: AlignerSettings) -> np.ndarray:
    """The rendering at the real audio's speech level, with noise at the real audio's floor.

    espeak-ng's pauses are digital zeros; with the energy coefficient in the features, the pauses
    of both signals only look alike when both have a floor at the same depth below the speech.
    """
    real, synth = frame_rms(audio), frame_rms(spoken)
    gain = np.percentile(real, 95) / max(np.percentile(synth, 95), 1e-9)
    floor = max(float(np.percentile(real, settings.floor_percentile)), 1e-5)
    noise = np.random.default_rng(0).normal(0.0, floor, len(spoken))
    return (spoken * gain + noise).astype(np.float32)


def loudest_dbfs(audio: np.ndarray, window: int = SAMPLE_RATE // 20) -> float:
    """The loudest ``window``-sample RMS of ``audio``, dB relative to full scale."""
    if len(audio) == 0:
        return -np.inf
    padded = np.pad(audio.astype(np.float64) ** 2, (0, (-len(audio)) % window))
    rms = np.sqrt(padded.reshape(-1, window).mean(axis=1).max())
    return float(20 * np.log10(rms + 1e-12))


def warp_path(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """DTW of (n, c) ``source`` frames onto (m, c) ``target`` frames: (k, 2) path, mean step cost."""
    import librosa

    cost, path = librosa.sequence.dtw(X=source.T, Y=target.T, metric="cosine", backtrack=True)
    path = path[::-1]
    return path, float(cost[-1, -1] / len(path))


def carry_over(path: np.ndarray, source_frames: np.ndarray) -> np.ndarray:
    """Target frame positions (floats) for fractional ``source_frames``, through a warp ``path``."""
    n = int(path[:, 0].max()) + 1
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=n)
    counts = np.bincount(path[:, 0], minlength=n)
    centre = sums / np.maximum(counts, 1)            # mean target frame per source frame
    return np.interp(source_frames, np.arange(n), centre)


CONTEXT = 4


def stacked(frames: np.ndarray, context: int) -> np.ndarray:
    """(n, c × (2 × context + 1) + 1): each frame with its neighbours (edges repeated) and a constant."""
    padded = np.pad(frames, ((context, context), (0, 0)), mode="edge")
    parts = [padded[k:k + len(frames)] for k in range(2 * context + 1)]
    return np.hstack(parts + [np.ones((len(frames), 1))])


def adapt_voice(source: np.ndarray, target: np.ndarray, path: np.ndarray) -> np.ndarray:
    """``source`` frames through the affine map that best turns them into the ``target`` frames ``path`` pairs."""
    affine = np.hstack([source, np.ones((len(source), 1))])   # (n, c + 1)
    weights, *_ = np.linalg.lstsq(affine[path[:, 0]], target[path[:, 1]], rcond=None)
    mapped = affine @ weights
    return (mapped - mapped.mean(axis=0)) / (mapped.std(axis=0) + 1e-6)


@dataclass(frozen=True)
class _Warp:
    onsets_s: np.ndarray  # (n_phones,) the rendering's phone onsets carried onto the real audio
    end_s: float
    cost: float           # mean step cost of the final warp
    plain_cost: float     # the same before speaker adaptation (the match check compares like with like)
    source: np.ndarray    # (n_frames, n_mfcc) the rendering's features, unadapted


def warp_rendering(rendering: Rendering, audio: np.ndarray, target: np.ndarray, settings: AlignerSettings) -> _Warp:
    """``rendering``'s phone onsets carried onto ``audio`` (whose features are ``target``)."""
    spoken = resample_poly(rendering.audio, SAMPLE_RATE, rendering.sample_rate).astype(np.float32)
    source = features(matched_levels(spoken, audio, settings), settings)
    path, cost = warp_path(source, target)
    plain_cost, adapted = cost, source
    for _ in range(settings.adapt_passes):
        adapted = adapt_voice(adapted, target, path)
        path, cost = warp_path(adapted, target)
    hop = settings.hop_s
    onset_frames = carry_over(path, rendering.onsets / rendering.sample_rate / hop)
    end_frame = carry_over(path, np.array([len(spoken) / SAMPLE_RATE / hop]))[0]
    return _Warp(onset_frames * hop, float(end_frame * hop), cost, plain_cost, source)


def align(audio: np.ndarray, sample_rate: int, text: str, language: str,
          settings: AlignerSettings = AlignerSettings(), voice: str | None = None) -> AlignmentResult:
    """Phones of ``text`` (spoken in ``language``) with their times in mono ``audio``."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1 or not np.all(np.isfinite(audio)):
        return AlignmentResult(AlignmentStatus.BAD_AUDIO,
                               message=f"audio must be a finite mono signal (got shape {audio.shape})")
    if sample_rate != SAMPLE_RATE:
        audio = resample_poly(audio, SAMPLE_RATE, sample_rate).astype(np.float32)
    duration = len(audio) / SAMPLE_RATE
    base_voice = voice or voice_for(language)
    try:
        engine = load_espeak()
        renderings = [engine.render(text, base_voice + variant, rate) for variant, rate in settings.renderings]
    except EspeakVoiceMissing as exc:
        return AlignmentResult(AlignmentStatus.UNSUPPORTED_LANGUAGE, message=str(exc))
    except EspeakUnavailable as exc:
        return AlignmentResult(AlignmentStatus.ENGINE_MISSING, message=str(exc))
    first = renderings[0]
    if not any(first.phones) or len(first.audio) == 0:
        return AlignmentResult(AlignmentStatus.NO_PHONES, message=f"the text has no phones to say: {text[:60]!r}")
    if loudest_dbfs(audio) < settings.silence_dbfs:
        return AlignmentResult(AlignmentStatus.SILENT_AUDIO, message="the audio is silent")
    longest = max(r.duration_s for r in renderings)
    settings = replace(settings, hop_s=frame_step(longest, duration, settings))
    target = features(audio, settings)
    warps = [warp_rendering(r, audio, target, settings) for r in renderings if r.phones == first.phones]
    best = min(warps, key=lambda warp: warp.cost)
    onsets_s = np.clip(np.maximum.accumulate(best.onsets_s), 0.0, duration)
    end_s = float(np.clip(best.end_s, onsets_s[-1], duration))
    timeline = timeline_from_onsets(language, first.phones, onsets_s, end_s, duration)
    ratio = best.plain_cost / max(warp_path(best.source, target[::-1])[1], 1e-9)
    details = {"rendered_s": round(first.duration_s, 3), "warp_cost": round(best.cost, 4)}
    if ratio > settings.max_match_ratio:
        return AlignmentResult(AlignmentStatus.POOR_MATCH, timeline, cost=ratio, details=details,
                               message=f"the audio does not seem to say the text (match ratio {ratio:.2f} "
                                       f"> {settings.max_match_ratio})")
    return AlignmentResult(AlignmentStatus.ALIGNED, timeline, cost=ratio, details=details)
