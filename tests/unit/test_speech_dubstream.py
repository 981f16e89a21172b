"""The dub track and stems written block by block: equal to the whole-array forms, bounded memory."""

from __future__ import annotations

import subprocess
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile as sf

from engine.media.audio import decode_audio
from engine.speech.dubstream import PlacedTake, duck_gain, iter_dub_track, load_take, write_dub_track
from engine.speech.dubtrack import assemble, duck_mix

SR = 24_000


def _take(path: Path, seconds: float, sr: int = SR, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    audio = (0.4 * np.sin(2 * np.pi * (180 + 40 * seed) * t) + rng.normal(0, 0.05, t.size)).astype(np.float32)
    sf.write(path, audio, sr, subtype="FLOAT")  # float: the file holds exactly these samples
    return path


def _placements(tmp_path: Path) -> list[PlacedTake]:
    return [
        PlacedTake(0.0, 1.2, _take(tmp_path / "a.wav", 1.0, seed=1)),
        PlacedTake(0.77, 2.0, _take(tmp_path / "b.wav", 3.5, seed=2)),  # cut at its window, overlaps a
        PlacedTake(2.499, 1.5, _take(tmp_path / "c.wav", 1.3, sr=22_050, seed=3)),  # resampled
        PlacedTake(4.01, 9.0, _take(tmp_path / "d.wav", 2.6, seed=4)),  # runs past the track's end
    ]


def _whole(total: float, placed: list[PlacedTake], background: np.ndarray | None) -> np.ndarray:
    """The whole-array result the stage used to write."""
    arrays = [(t.start, t.max_seconds, load_take(t.path, SR)) for t in placed]
    track = assemble(total, arrays, SR)
    if background is None:
        return track
    return duck_mix(track, background, SR, [(s, s + a.size / SR) for s, _, a in arrays])


def test_streamed_track_equals_the_whole_array_track(tmp_path: Path):
    total = 5.5
    placed = _placements(tmp_path)
    for block_seconds in (0.37, 1.0, 10.0):  # boundaries inside takes, fades and the ducking ramp
        streamed = np.concatenate(list(iter_dub_track(total, placed, SR, block_seconds=block_seconds)))
        assert streamed.size == round(total * SR)
        assert np.array_equal(streamed, _whole(total, placed, None))  # the same float sums: exact


def test_streamed_mix_with_the_original_equals_duck_mix(tmp_path: Path):
    total = 5.5
    placed = _placements(tmp_path)
    source = tmp_path / "source.wav"
    rng = np.random.default_rng(7)
    sf.write(source, rng.uniform(-0.8, 0.8, int(total * SR)).astype(np.float32), SR, subtype="FLOAT")
    original = decode_audio(source, SR)
    whole = _whole(total, placed, original)
    for block_seconds in (0.37, 2.0):
        streamed = np.concatenate(list(iter_dub_track(total, placed, SR, source, block_seconds)))
        assert streamed.shape == whole.shape
        assert np.abs(streamed - whole).max() < 1e-6
    # the gain alone, across many small ranges, against the float32 convolution
    gain = np.concatenate([duck_gain([(1.0, 2.5), (2.4, 3.0)], SR, whole.size, a, min(a + 5000, whole.size))
                           for a in range(0, whole.size, 5000)])
    ref = duck_mix(np.zeros_like(whole), np.ones_like(whole), SR, [(1.0, 2.5), (2.4, 3.0)])
    assert np.abs(gain - ref).max() < 1e-6


def test_ten_minutes_of_track_with_its_bed_stay_in_a_few_megabytes(tmp_path: Path):
    minutes = 10
    source = tmp_path / "bed.flac"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi",
                    "-i", f"sine=frequency=220:duration={minutes * 60}", "-ar", str(SR), "-ac", "1", str(source)],
                   check=True)
    placed = [PlacedTake(30.0 + 55.0 * i, 8.0, _take(tmp_path / f"t{i}.wav", 6.0, seed=i)) for i in range(10)]
    whole_mb = minutes * 60 * SR * 4 / 2**20  # one float32 array of the track: 55 MB
    # Measured about 9 MB: a few 10 s blocks (decoded bed, gain with the ramp's reach, mix),
    # the same for any length.
    tracemalloc.start()
    try:
        written = write_dub_track(tmp_path / "dub.wav", minutes * 60.0, placed, SR, background=source)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == minutes * 60 * SR and sf.info(str(tmp_path / "dub.wav")).frames == written
    assert peak / 2**20 < 12, f"peak {peak / 2**20:.1f} MB while a whole track is {whole_mb:.0f} MB"
    track = sf.read(tmp_path / "dub.wav", start=int(30.5 * SR), stop=int(31 * SR), dtype="float32")[0]
    assert np.abs(track).max() > 0.3  # a take is in it


def test_stems_equal_the_whole_array_mix(tmp_path: Path):
    from engine.export.stems import write_stems
    from engine.project.model import Segment, Take
    from engine.project.store import create_project

    total = 4.0
    rng = np.random.default_rng(3)
    source = tmp_path / "lecture.wav"
    sf.write(source, rng.uniform(-0.5, 0.5, int(3.7 * SR)).astype(np.float32), SR, subtype="FLOAT")  # shorter
    folder, project = create_project(tmp_path / "p.avdub", source, total, "pt", "en")
    dub = np.concatenate(list(iter_dub_track(total, _placements(tmp_path), SR)))
    sf.write(folder.root / "dub.wav", dub, SR, subtype="PCM_16")
    project.dub_track = "dub.wav"
    take = Take("take-1", "dub.wav", 1.0, "test", "test", 1)
    project.set_segments([Segment("seg-a", 0.5, 1.5, takes=(take,), current_take_id="take-1"),
                          Segment("seg-b", 2.0, 3.2, target_start=2.2, target_end=3.4, takes=(take,),
                                  current_take_id="take-1")])
    stems = write_stems(folder, project, folder.root / "dub.wav", tmp_path / "stems", "lecture")

    dub16 = sf.read(folder.root / "dub.wav", dtype="float32")[0]
    original = decode_audio(source, SR)
    original = np.pad(original, (0, dub16.size - original.size))  # silence after the source's end
    mix = duck_mix(dub16, original, SR, [(0.5, 1.5), (2.2, 3.4)])
    quantum = 1 / 32767  # the stems are 16-bit: equal within one step of rounding
    for path, expected in ((stems.original, original), (stems.dub, dub16), (stems.mix, mix)):
        got, sr = sf.read(path, dtype="float32")
        assert sr == SR and got.shape == expected.shape
        assert np.abs(got - expected).max() <= quantum * 1.01, path.name
