"""Speech quality of the dub: intelligibility, fit, placement accuracy, voice similarity.

For each real English clip, dubbed into Portuguese (Bergamot) and Spanish (Apertium) with
each TTS engine that speaks the language:

- ``cer``: character error rate of a Whisper base transcription of the dub track against the
  target text (round-trip intelligibility; lower is better);
- ``fit_share_le_1_15``: share of segments whose fit ratio after stretching is ≤ 1.15;
- ``max_start_offset_ms``: largest offset between a take's planned start and where it actually
  is in the assembled track (found by cross-correlation);
- ``similarity_plain`` / ``similarity_matched``: mean Resemblyzer cosine similarity between the
  presenter's own speech and the takes, without and with voice matching.

Usage: ``python benchmarks/speech_quality.py [--clips a.mp4 b.mp4] [--out file.json]``; prints
JSON (last line).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.media.audio import decode_audio  # noqa: E402
from engine.media.probe import probe  # noqa: E402
from engine.models.registry import ModelRegistry  # noqa: E402
from engine.pipeline import ContextFactory, Stage, plan, run_stages  # noqa: E402
from engine.project.model import VoiceSettings  # noqa: E402
from engine.project.store import create_project, load_project  # noqa: E402
from engine.speech import DUB_SAMPLE_RATE  # noqa: E402
from engine.stages.speech_settings import section  # noqa: E402
from engine.speech.metrics import cer  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED") or Path(__file__).resolve().parents[2] / "shared")
CLIPS = ("video/lecture_en_25s.mp4", "video/address_en_26s.mp4")
# language → (MT backend, (TTS engine, voice) …); jf_alpha is a deliberately mismatched (female)
# voice for these male presenters: voice matching has the most to do there.
TARGETS = {
    "pt": ("bergamot", (("kokoro", "jm_kumo"), ("kokoro", "jf_alpha"), ("espeak-ng", "pt-br"))),
    "es": ("apertium", (("kokoro", "jm_kumo"), ("kokoro", "jf_alpha"), ("espeak-ng", "es"))),
}


def start_offsets_ms(folder, project) -> list[float]:
    track, sr = sf.read(folder.resolve(project.dub_track), dtype="float32")
    info = section(project)
    out = []
    for seg in project.segments:
        take = seg.current_take
        if take is None:
            continue
        planned = info["placements"][seg.id]["start"]
        audio, _ = sf.read(folder.resolve(take.audio_path), dtype="float32")
        if abs(take.stretch - 1.0) > 1e-3:
            from engine.speech.dubtrack import stretch
            audio = stretch(audio, sr, take.stretch)
        probe_len = min(audio.size, sr)  # the first second identifies the take
        a = int(round(planned * sr))
        lo, hi = max(0, a - sr // 2), min(track.size, a + sr // 2 + probe_len)
        win = track[lo:hi]
        ref = audio[:probe_len]
        if win.size < ref.size or not np.any(ref):
            continue
        corr = np.correlate(win, ref, mode="valid")
        found = lo + int(np.argmax(corr))
        out.append(abs(found - a) / sr * 1000.0)
    return out


def similarity(folder, project, reference: np.ndarray) -> float:
    from engine.speech.voice_match import similarity as cos
    from engine.speech.voice_match import speaker_embedding

    ref = speaker_embedding(reference, 16_000)
    sims = []
    for seg in project.segments:
        if seg.current_take is None:
            continue
        audio, sr = sf.read(folder.resolve(seg.current_take.audio_path), dtype="float32")
        sims.append(cos(ref, speaker_embedding(audio, sr)))
    return float(np.mean(sims)) if sims else float("nan")


def run_engine(folder, engine: str, voice: str, match: bool, registry) -> tuple:
    _, project = load_project(folder.root)
    project.speakers = tuple(dataclasses.replace(s, voice=VoiceSettings(engine=engine, voice=voice, match_voice=match))
                             for s in project.speakers)
    factory = ContextFactory(folder, project, registry)
    run_stages(factory, plan(Stage.FIT))
    return folder, project


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", nargs="*", default=list(CLIPS))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    from faster_whisper import WhisperModel

    from engine.speech.model_files import locate_model
    registry = ModelRegistry.from_environment()
    asr = WhisperModel(str(locate_model(registry, "whisper-base").directory), device="cpu", compute_type="int8",
                       cpu_threads=1)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in args.clips:
            video = SHARED / "media" / clip
            for lang, (mt, engines) in TARGETS.items():
                folder, project = create_project(Path(tmp) / f"{video.stem}-{lang}", video, probe(video).duration, lang, "en")
                section(project)["mt_backend"] = mt
                from engine.project.store import save_project
                save_project(folder, project)
                run_stages(ContextFactory(folder, project, registry), plan(Stage.TRANSLATE))  # creates the speaker
                for engine, voice in engines:
                    row: dict = {"clip": clip, "language": lang, "mt": mt, "engine": engine, "voice": voice}
                    t0 = time.monotonic()
                    _, plain = run_engine(folder, engine, voice, False, registry)
                    ref = decode_audio(folder.resolve("cache") / ".." / plain.source.path, 16_000)
                    spans = [(s.start, s.end) for s in plain.segments]
                    reference = np.concatenate([ref[int(a * 16000):int(b * 16000)] for a, b in spans])
                    row["similarity_plain"] = round(similarity(folder, plain, reference), 4)
                    _, proj = run_engine(folder, engine, voice, True, registry)
                    row["seconds"] = round(time.monotonic() - t0, 1)
                    row["similarity_matched"] = round(similarity(folder, proj, reference), 4)
                    dub, _ = sf.read(folder.resolve(proj.dub_track), dtype="float32")
                    from engine.speech.dubtrack import resample
                    segs, _ = asr.transcribe(resample(dub, DUB_SAMPLE_RATE, 16_000), language=lang, beam_size=5)
                    hyp = " ".join(s.text for s in segs)
                    target = " ".join(s.target_text for s in proj.segments)
                    row["cer"] = round(cer(target, hyp), 4)
                    resid = [s.current_take.fit_ratio / s.current_take.stretch for s in proj.segments if s.current_take]
                    row["segments"] = len(proj.segments)
                    row["fit_share_le_1_15"] = round(float(np.mean([r <= 1.15 for r in resid])), 3) if resid else None
                    row["mean_fit_ratio_before"] = round(float(np.mean([s.current_take.fit_ratio for s in proj.segments
                                                                          if s.current_take])), 3) if resid else None
                    offs = start_offsets_ms(folder, proj)
                    row["max_start_offset_ms"] = round(max(offs), 2) if offs else None
                    row["dub_duration_error_ms"] = round((dub.size / DUB_SAMPLE_RATE - proj.source.duration) * 1000, 2)
                    row["hypothesis"] = hyp[:300]
                    print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
                    results.append(row)
    summary = {"benchmark": "speech_quality", "rows": results}
    text = json.dumps(summary, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
