"""Memory of the long-input stages on a two-hour input: transcription, dub track, face track.

Makes a two-hour lecture sound by looping a real 60 s speech recording with ffmpeg (AAC, in
the work folder, never committed), then measures, each in its own process (peak resident set
from ``ru_maxrss``, and the resident set after imports and model loading, before any audio):

- ``survey``: transcription's first pass (voice activity + 10 ms energies, streamed);
- ``blocks``: its second pass without the recogniser: the Whisper blocks planned at quiet
  points and decoded with non-speech zeroed, one after another;
- ``dubtrack``: the fit stage's assembly of a two-hour dub track at 24 kHz from 1,200 placed
  takes, with the original ducked under them, written block by block;
- ``whole_decode``: for contrast, decoding the whole sound into one array as before;
- ``track``: the track stage's book-keeping on two hours of one face at 30 fps — linking,
  spooling, gap filling, smoothing and alignment into a track folder — fed with synthetic
  observations (a moving, talking template face) instead of the landmark model, which alone
  would take hours on this input (``landmarks_array_mb`` is one whole landmark array, of which
  the stage used to hold four).

``whole_array_mb`` gives the size of one whole float32 array at 16 kHz (what transcription
held) and at 24 kHz (what assembly held, two or three times over). Last line: JSON.

Usage: ``python benchmarks/long_input.py [--hours 2] [--workdir DIR] [--parts track ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = Path(os.environ.get("AVDUB_SHARED", REPO.parent / "shared"))
SPEECH = "audio/mt_eng.flac"  # 60 s of English speech
TAKE_EVERY_S = 6.0  # one 4 s take every 6 s: 1,200 takes in two hours


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _save_survey(survey, path: Path) -> None:
    import numpy as np

    np.savez(path, samples=survey.samples, regions=np.array([[r.start, r.end] for r in survey.regions]),
             energies=survey.energies)


def part_survey(source: Path, work: Path) -> dict:
    from engine.speech.asr_blocks import survey_audio
    from engine.speech.vad import StreamingVad

    StreamingVad()  # load the model before the baseline
    base = rss_mb()
    survey = survey_audio(source)
    _save_survey(survey, work / "survey.npz")  # for the next part, which then measures the second pass alone
    return {"baseline_rss_mb": base, "regions": len(survey.regions), "seconds_of_audio": round(survey.seconds, 1),
            "energies_kb": round(survey.energies.nbytes / 1024)}


def part_blocks(source: Path, work: Path) -> dict:
    import numpy as np

    from engine.speech.asr_blocks import AudioSurvey, iter_blocks, plan_blocks, survey_audio
    from engine.speech.transcribe.base import WHISPER_WINDOW_S
    from engine.speech.vad import SpeechRegion

    saved = work / "survey.npz"
    if not saved.exists():
        _save_survey(survey_audio(source), saved)
    data = np.load(saved)
    survey = AudioSurvey(int(data["samples"]), [SpeechRegion(float(a), float(b)) for a, b in data["regions"]],
                         data["energies"])
    base = rss_mb()
    spans = plan_blocks(survey, WHISPER_WINDOW_S)
    longest, heard = 0.0, 0.0
    for block in iter_blocks(source, spans, survey.regions):
        longest = max(longest, block.samples.size / 16_000)
        heard += block.samples.size / 16_000
    return {"baseline_rss_mb": base, "blocks": len(spans), "longest_block_s": round(longest, 2),
            "seconds_recognised": round(heard, 1)}


def part_dubtrack(source: Path, work: Path) -> dict:
    import numpy as np
    import soundfile as sf

    from engine.media import probe
    from engine.speech import DUB_SAMPLE_RATE
    from engine.speech.dubstream import PlacedTake, write_dub_track

    total = probe(source).duration
    takes = []
    for k in range(5):  # five distinct takes, placed in turn
        t = np.arange(int(4.0 * DUB_SAMPLE_RATE)) / DUB_SAMPLE_RATE
        path = work / f"take{k}.wav"
        sf.write(path, (0.3 * np.sin(2 * np.pi * (150 + 30 * k) * t)).astype(np.float32), DUB_SAMPLE_RATE,
                 subtype="PCM_16")
        takes.append(path)
    placed = [PlacedTake(i * TAKE_EVERY_S + 0.5, 5.0, takes[i % 5]) for i in range(int(total // TAKE_EVERY_S))]
    base = rss_mb()
    written = write_dub_track(work / "dub.wav", total, placed, DUB_SAMPLE_RATE, background=source)
    return {"baseline_rss_mb": base, "takes": len(placed), "samples": written,
            "wav_mb": round((work / "dub.wav").stat().st_size / 2**20, 1)}


def part_whole_decode(source: Path, work: Path) -> dict:
    from engine.media.audio import decode_audio

    base = rss_mb()
    audio = decode_audio(source)
    return {"baseline_rss_mb": base, "array_mb": round(audio.nbytes / 2**20, 1)}


def part_track(source: Path, work: Path) -> dict:
    import shutil

    import numpy as np

    from engine.faces.landmarks import FaceObservation
    from engine.faces.template import LOWER_LIP_INNER, load_template
    from engine.faces.tracking import finish_track
    from engine.faces.tracks import TrackBuilder, densify
    from engine.media import probe

    fps = 30.0
    frames = int(probe(source).duration * fps)
    rng = np.random.default_rng(0)
    face = (load_template().points * 3.0 + [800.0, 300.0]).astype(np.float32)  # a 1080p-sized face
    folder = work / "track"
    shutil.rmtree(folder, ignore_errors=True)
    base = rss_mb()
    builder = TrackBuilder(folder / ".spool")
    head = np.zeros(2, np.float32)
    for i in range(frames):
        head += rng.normal(0, 0.5, 2).astype(np.float32)
        points = face + head
        points[LOWER_LIP_INNER, 1] += 10.0 * (1 + np.sin(i / 3.0))  # the mouth opens and closes
        if i % 500 != 250:  # now and then a missed frame, filled by interpolation
            builder.add(i, [FaceObservation(points, 0.9)])
    (raw,) = builder.finish()
    dense = densify(raw, folder / ".spool" / "dense.npy")
    data = finish_track("face-long", dense, np.arange(frames) / fps, fps, folder / "face-long")
    dense.landmarks_path.unlink()
    size = sum(f.stat().st_size for f in (folder / "face-long").iterdir())
    return {"baseline_rss_mb": base, "frames": frames, "rows": len(data),
            "landmarks_array_mb": round(frames * 478 * 2 * 4 / 2**20, 1), "track_folder_mb": round(size / 2**20, 1)}


PARTS = {"survey": part_survey, "blocks": part_blocks, "dubtrack": part_dubtrack, "whole_decode": part_whole_decode,
         "track": part_track}


def run_part(name: str, source: Path, work: Path) -> dict:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, __file__, "--part", name, "--input", str(source), "--workdir", str(work)],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise SystemExit(f"part {name} failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.monotonic() - t0, 1)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS), help="which measurements to run")
    ap.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    ap.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="avdub-long-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.part:  # one measurement, in this process
        result = PARTS[args.part](args.input, work)
        result["peak_rss_mb"] = round(rss_mb(), 1)
        result["baseline_rss_mb"] = round(result["baseline_rss_mb"], 1)
        print(json.dumps(result))
        return 0
    seconds = args.hours * 3600
    source = work / f"lecture_{args.hours:g}h.m4a"
    if not source.exists():
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", "-1",
                        "-i", str(SHARED / "media" / SPEECH), "-t", str(seconds), "-c:a", "aac", "-b:a", "64k",
                        str(source)], check=True)
    result = {"benchmark": "long_input", "hours": args.hours, "input": SPEECH + " looped",
              "whole_array_mb": {"16kHz": round(seconds * 16_000 * 4 / 2**20, 1),
                                 "24kHz": round(seconds * 24_000 * 4 / 2**20, 1)}}
    for name in args.parts:
        result[name] = run_part(name, source, work)
    result["workdir"] = str(work)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
