"""Move a synthesized voice toward the presenter's, and measure how close it got.

The presenter's median pitch and pitch range come from Praat (``praat-parselmouth``) over
their own clean speech; the take is transformed with Praat's "Change gender" (PSOLA pitch
change + formant shift by resampling), which moves median pitch, scales the pitch range and
shifts formants in one pass while keeping duration. The effect is measured with Resemblyzer's
GE2E speaker embedding: cosine similarity between presenter and take, before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PITCH_FLOOR, PITCH_CEILING = 60.0, 400.0  # Hz: covers adult speech, low male to high female
MAX_FORMANT_SHIFT = 1.25  # beyond this Change gender sounds cartoonish
MIN_FORMANT_SHIFT = 0.8
# Below these the voice is already close: resynthesis would only add PSOLA artefacts
# (measured: a Kokoro voice 0.7 semitones off the presenter lost 0.01 similarity when matched).
SKIP_BELOW_SEMITONES = 1.5
SKIP_RANGE_WITHIN = (0.8, 1.25)


@dataclass(frozen=True)
class PitchStats:
    median_hz: float
    range_semitones: float  # 5th–95th percentile spread of voiced f0

    @property
    def voiced(self) -> bool:
        return self.median_hz > 0


def pitch_stats(audio: np.ndarray, sr: int) -> PitchStats:
    import parselmouth

    if audio.size < sr // 10:
        return PitchStats(0.0, 0.0)
    snd = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=sr)
    f0 = snd.to_pitch(pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING).selected_array["frequency"]
    f0 = f0[f0 > 0]
    if f0.size < 5:
        return PitchStats(0.0, 0.0)
    lo, hi = np.percentile(f0, [5, 95])
    return PitchStats(float(np.median(f0)), float(12 * np.log2(hi / lo)))


@dataclass(frozen=True)
class MatchParams:
    new_pitch_median: float  # Hz
    pitch_range_factor: float
    formant_shift: float


def plan_match(presenter: PitchStats, take: PitchStats, formant_shift: float | None = None,
               pitch_shift_semitones: float | None = None) -> MatchParams | None:
    """Parameters that bring ``take`` toward ``presenter``; None when either is unvoiced or
    the take is already close (nothing worth the resynthesis artefacts)."""
    if not presenter.voiced or not take.voiced:
        return None
    target = presenter.median_hz
    if pitch_shift_semitones is not None:
        target = take.median_hz * 2 ** (pitch_shift_semitones / 12)
    if formant_shift is None:
        # Formants scale with vocal tract length, roughly like the f0 ratio to the power ~1/3.
        formant_shift = float(np.clip((target / take.median_hz) ** (1 / 3), MIN_FORMANT_SHIFT, MAX_FORMANT_SHIFT))
    range_factor = float(np.clip(presenter.range_semitones / max(take.range_semitones, 1e-3), 0.5, 2.0))
    if (pitch_shift_semitones is None and abs(12 * np.log2(target / take.median_hz)) < SKIP_BELOW_SEMITONES
            and SKIP_RANGE_WITHIN[0] <= range_factor <= SKIP_RANGE_WITHIN[1]):
        return None
    return MatchParams(float(target), range_factor, float(formant_shift))


def apply_match(audio: np.ndarray, sr: int, params: MatchParams) -> np.ndarray:
    import parselmouth
    from parselmouth.praat import call

    snd = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=sr)
    out = call(snd, "Change gender", PITCH_FLOOR, PITCH_CEILING, params.formant_shift, params.new_pitch_median,
               params.pitch_range_factor, 1.0)
    y = np.asarray(out.values[0], dtype=np.float32)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    return y / peak * 0.9 if peak > 1.0 else y


_encoder = None


def speaker_embedding(audio: np.ndarray, sr: int) -> np.ndarray:
    """(256,) unit-norm GE2E embedding of the speaker in ``audio``."""
    global _encoder
    import librosa
    import torch
    from resemblyzer import VoiceEncoder, preprocess_wav

    if _encoder is None:
        threads = torch.get_num_threads()
        _encoder = VoiceEncoder(device="cpu", verbose=False)
        torch.set_num_threads(threads)
    wav = audio.astype(np.float32)
    if sr != 16_000:
        wav = librosa.resample(wav, orig_sr=sr, target_sr=16_000)
    emb = _encoder.embed_utterance(preprocess_wav(wav, source_sr=16_000))
    assert emb.shape == (256,), emb.shape
    return emb


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))
