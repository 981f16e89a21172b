"""The dub track and its mix with the original audio, written block by block in bounded memory.

A two-hour dub track at 24 kHz is 691 MB of float32; the whole-array forms in
:mod:`engine.speech.dubtrack` (``assemble``, ``duck_mix``) would hold it two or three times
over. Here a WAV is written in blocks of :data:`BLOCK_SECONDS`: each block sums only the
placed takes that overlap it (a take is read from its file when the first block needs it and
dropped after the last), and the original audio, when mixed in, is decoded block by block
alongside. The result is the same as the whole-array forms': takes start at
``round(start × rate)``, are cut at their window with the same fades, are summed in the same
order and clipped; the ducking gain is the same moving average (a box of
``DUCK_RAMP_SECONDS``) of the same step function, computed per block over the block plus the
box's reach on each side, so blocks join without a seam (float64 running sums: within 1e-6 of
the float32 convolution, and much faster for long tracks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from engine.media.audio import iter_audio_blocks
from engine.speech.dubtrack import BED_GAIN, DUCK_GAIN, DUCK_RAMP_SECONDS, fade, resample

BLOCK_SECONDS = 10.0  # 240 k samples at 24 kHz: under 1 MB per float32 block


@dataclass(frozen=True)
class PlacedTake:
    start: float  # seconds in the track
    max_seconds: float  # cut there (with a fade) so it never runs into the next segment
    path: Path  # the take's audio file, any rate and channel count


def load_take(path: Path, sr: int) -> np.ndarray:
    """(samples,) float32 mono at ``sr``."""
    audio, file_sr = sf.read(path, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    return audio if file_sr == sr else resample(audio, file_sr, sr)


def take_length(path: Path, sr: int) -> int:
    """Samples of :func:`load_take` ``(path, sr)``, reading only the header when no resampling is needed."""
    info = sf.info(str(path))
    return int(info.frames) if info.samplerate == sr else load_take(path, sr).size


def duck_spans(placed: Sequence[PlacedTake], sr: int) -> list[tuple[float, float]]:
    """Where the dub speaks: each take's whole length from its start (as the fit stage ducks)."""
    return [(t.start, t.start + take_length(t.path, sr) / sr) for t in placed]


def iter_dub_blocks(n_total: int, placed: Sequence[PlacedTake], sr: int,
                    block: int) -> Iterator[tuple[int, np.ndarray]]:
    """(first sample, (n,) float32) blocks of the assembled track, clipped to [-1, 1]."""
    spans = []  # (order, first, take samples as placed)
    for order, take in enumerate(placed):
        a = int(round(take.start * sr))
        limit = min(n_total - a, int(round(take.max_seconds * sr)))
        if limit > 0:
            spans.append((order, a, limit, take.path))
    by_start = sorted(spans, key=lambda s: s[1])
    live: dict[int, tuple[int, np.ndarray]] = {}  # order → (first sample, faded samples)
    k = 0
    for a in range(0, n_total, block):
        b = min(a + block, n_total)
        while k < len(by_start) and by_start[k][1] < b:
            order, first, limit, path = by_start[k]
            audio = load_take(path, sr)
            if audio.size:
                live[order] = (first, fade(audio[:limit], sr))
            k += 1
        out = np.zeros(b - a, dtype=np.float32)
        for order in sorted(live):  # the order the takes were placed in: the same float sums
            first, chunk = live[order]
            lo, hi = max(a, first), min(b, first + chunk.size)
            if lo < hi:
                out[lo - a:hi - a] += chunk[lo - first:hi - first]
        for order in [o for o, (first, chunk) in live.items() if first + chunk.size <= b]:
            del live[order]
        np.clip(out, -1.0, 1.0, out=out)
        yield a, out


def duck_gain(spans: Sequence[tuple[float, float]], sr: int, n_total: int, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of ``dubtrack.duck_mix``'s gain: BED_GAIN, DUCK_GAIN inside ``spans``,
    then a box average of ``DUCK_RAMP_SECONDS`` with zeros outside the track (``np.convolve``'s
    "same" mode), so that consecutive ranges join exactly."""
    ramp = max(1, int(DUCK_RAMP_SECONDS * sr))
    lo, hi = a - ramp // 2, b + (ramp - 1) // 2  # the samples the box reaches from [a, b)
    step = np.zeros(hi - lo, dtype=np.float64)
    step[max(0, -lo):max(0, min(n_total, hi) - lo)] = BED_GAIN
    for s, e in spans:
        s_i, e_i = max(int(s * sr), 0), min(int(e * sr), n_total)
        if s_i < hi and e_i > lo and s_i < e_i:
            step[max(s_i, lo) - lo:min(e_i, hi) - lo] = DUCK_GAIN
    np.cumsum(step, out=step)  # in place: step[j] is now the sum of the step up to j
    n = b - a
    window = step[ramp - 1:ramp - 1 + n].copy()  # the box ending at each sample's reach
    window[1:] -= step[:n - 1]  # minus what lies before the box
    window /= ramp
    return window.astype(np.float32)


class BlockReader:
    """Consecutive ranges of a stream of arrays; zeros past its end (a shorter original)."""

    def __init__(self, blocks: Iterable[np.ndarray]):
        self._blocks = iter(blocks)
        self._buffer = np.zeros(0, np.float32)

    def take(self, n: int) -> np.ndarray:
        parts, have = [self._buffer], self._buffer.size
        while have < n:
            nxt = next(self._blocks, None)
            if nxt is None:
                parts.append(np.zeros(n - have, np.float32))
                break
            parts.append(nxt)
            have += nxt.size
        data = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self._buffer = data[n:]
        return data[:n]

    def close(self) -> None:
        close = getattr(self._blocks, "close", None)
        if close is not None:
            close()  # stops a decoder that was not read to its end


def mix_block(dub: np.ndarray, original: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """``clip(dub + gain · original)``, as ``dubtrack.duck_mix`` mixes, in float32."""
    out = np.multiply(gain, original, dtype=np.float32)
    out += dub
    return np.clip(out, -1.0, 1.0, out=out)


def iter_dub_track(total_seconds: float, placed: Sequence[PlacedTake], sr: int, background: Path | None = None,
                   block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """Consecutive (n,) float32 blocks of the track of exactly ``round(total × sr)`` samples;
    with ``background`` (a media file) its audio is mixed in, ducked under the takes."""
    n_total = int(round(total_seconds * sr))
    block = max(1, int(block_seconds * sr))
    if background is None:
        for _, dub in iter_dub_blocks(n_total, placed, sr, block):
            yield dub
        return
    spans = duck_spans(placed, sr)
    original = BlockReader(iter_audio_blocks(background, block_seconds, sr))  # (n,) float32 at sr
    try:
        for a, dub in iter_dub_blocks(n_total, placed, sr, block):
            yield mix_block(dub, original.take(dub.size), duck_gain(spans, sr, n_total, a, a + dub.size))
    finally:
        original.close()


def write_dub_track(path: Path, total_seconds: float, placed: Sequence[PlacedTake], sr: int,
                    background: Path | None = None, block_seconds: float = BLOCK_SECONDS) -> int:
    """Write :func:`iter_dub_track` as 16-bit mono WAV; returns the number of samples written."""
    written = 0
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as out:
        for block in iter_dub_track(total_seconds, placed, sr, background, block_seconds):
            out.write(block)
            written += block.size
    return written
