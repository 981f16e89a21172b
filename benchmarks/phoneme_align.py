"""Precision and speed of the phone aligner (``engine.speech.phonemes``), per language.

- **Synthesized** pt, es, de, fr, en: espeak-ng speaks lecture-like sentences with other voice
  variants, pitch and speed than the aligner's own rendering (a female voice slower, a male voice
  faster), with a little noise; its phoneme events are the known onsets. Phones pair one to one.
  ``warped``: the same audio, then cut into 0.4 s pieces each resampled by a random factor in
  0.75–1.33 (an uneven speaking rate, and formants and pitch shifted as by another vocal tract);
  the known onsets move through the same piecewise-linear time map. With ``--real``, English
  synthesized speech is also aligned by pocketsphinx (``reference_check``), to see how much of a
  disagreement with pocketsphinx is pocketsphinx's own error.
- **Real English speech** (``--real``, clips from the shared media folder): Whisper words cut the
  audio into chunks of ≤ 8 s at word gaps; pocketsphinx's forced alignment of each chunk is the
  reference, phones paired with the aligner's by viseme class. Figures are given for all chunks
  and for the chunks where pocketsphinx itself looks sane (fewer than a quarter of its phones at
  its 30 ms minimum length: a run of those means it squeezed words it did not find).

Onset errors are reported after removing the median (constant) offset: median, share within
40 ms, 90th percentile, the offset itself and the raw median. Speed: audio seconds ÷ CPU seconds
the aligner used (process time, all threads), so other load on a shared machine does not count.

Usage: ``python benchmarks/phoneme_align.py [--real] [--languages pt,es] [--out file.json]``;
prints one JSON object per language, then the whole as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine.speech.phonemes.align import SAMPLE_RATE, align  # noqa: E402
from engine.speech.phonemes.espeak_lib import load_espeak, voice_for  # noqa: E402
from engine.speech.phonemes.timeline import TimeMap  # noqa: E402
from phoneme_reference import onset_errors, paired_onsets, sphinx_phones, word_chunks  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED") or Path(__file__).resolve().parents[2] / "shared")
SENTENCES = {
    "pt": ("Hoje vamos falar sobre a inclinação de uma reta, que é dada pela fórmula y igual a m x mais b.",
           "O professor explicou a teoria com muitos exemplos práticos, e os alunos fizeram perguntas.",
           "Antes do intervalo, lembrem-se de entregar o trabalho; vamos rever as respostas na próxima semana."),
    "es": ("Hoy vamos a hablar de la pendiente de una recta, que viene dada por la fórmula y igual a m x más b.",
           "El profesor explicó la teoría con muchos ejemplos prácticos, y los alumnos hicieron preguntas.",
           "Antes del descanso, recuerden entregar el trabajo; revisaremos las respuestas la próxima semana."),
    "de": ("Heute sprechen wir über die Steigung einer Geraden, die durch die Formel y gleich m x plus b gegeben ist.",
           "Der Professor erklärte die Theorie mit vielen praktischen Beispielen, und die Studenten stellten Fragen.",
           "Vor der Pause denken Sie bitte an die Hausaufgabe; wir besprechen die Antworten nächste Woche."),
    "fr": ("Aujourd'hui nous parlons de la pente d'une droite, donnée par la formule y égale m x plus b.",
           "Le professeur a expliqué la théorie avec beaucoup d'exemples pratiques, et les étudiants ont posé des questions.",
           "Avant la pause, pensez à rendre le devoir ; nous reverrons les réponses la semaine prochaine."),
    "en": ("Today we will talk about the slope of a line, which is given by the formula y equals m x plus b.",
           "The professor explained the theory with many practical examples, and the students asked questions.",
           "Before the break, remember to hand in your homework; we will review the answers next week."),
}
# The reference speakers: (variant, words per minute, pitch); the aligner renders with the plain voice at 175.
REFERENCE_VOICES = (("+f3", 140, 70), ("+m3", 205, 35))
REAL_CLIPS = ("audio/st_reading.flac", "audio/vr_audio1.flac", "audio/mt_eng.flac", "video/lecture_en_25s.mp4",
              "video/address_en_26s.mp4", "video/hdtf_aoc.mp4")
REAL_SECONDS = 40.0  # of each clip at most
MIN_PHONE_S = 0.031  # pocketsphinx's shortest phone (3 frames of 10 ms)


def randomly_warped(audio: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, TimeMap]:
    """``audio`` with each 0.4 s piece resampled by a random factor, and the map of its times."""
    piece = int(0.4 * SAMPLE_RATE)
    parts, source, target = [], [0.0], [0.0]
    for start in range(0, len(audio), piece):
        chunk = audio[start:start + piece]
        factor = float(np.exp(rng.uniform(np.log(0.75), np.log(1.33))))  # > 1: slower, lower
        stretched = resample_poly(chunk, int(round(100 * factor)), 100).astype(np.float32)
        parts.append(stretched)
        source.append((start + len(chunk)) / SAMPLE_RATE)
        target.append(target[-1] + len(stretched) / SAMPLE_RATE)
    return np.concatenate(parts), TimeMap(tuple(source), tuple(target))


def warm_up(language: str) -> None:
    """One alignment first, so compiling the warp (numba) does not count as aligner time."""
    noise = np.random.default_rng(0).normal(0, 0.1, SAMPLE_RATE).astype(np.float32)
    align(noise, SAMPLE_RATE, SENTENCES[language][0][:20], language)


def timed_align(audio: np.ndarray, text: str, language: str) -> tuple[list[tuple[str, float]], float, str]:
    """The aligner's phones, the CPU seconds it took (all threads: load from other processes
    does not count, unlike wall time on a shared machine) and its status."""
    started = time.process_time()
    result = align(audio, SAMPLE_RATE, text, language)
    elapsed = time.process_time() - started
    phones = [(p.ipa, p.start_s) for p in result.timeline.phones] if result.timeline else []
    return phones, elapsed, result.status.value


def synthesized(language: str, warped: bool, check_reference: bool = False) -> dict:
    engine = load_espeak()
    warm_up(language)
    rng = np.random.default_rng(7)
    pairs, seconds, spent, statuses = [], 0.0, 0.0, []
    three_way: dict[str, list] = {"sphinx_vs_known": [], "ours_vs_known": [], "ours_vs_sphinx": []}
    for text in SENTENCES[language]:
        for variant, rate, pitch in REFERENCE_VOICES:
            reference = engine.render(text, voice_for(language) + variant, rate, pitch)
            audio = resample_poly(reference.audio, SAMPLE_RATE, reference.sample_rate).astype(np.float32)
            known_s = reference.onsets / reference.sample_rate
            if warped:
                audio, time_map = randomly_warped(audio, rng)
                known_s = np.array([time_map(t) for t in known_s])
            audio += np.random.default_rng(0).normal(0, 3e-4, len(audio)).astype(np.float32)
            known = list(zip(reference.phones, known_s))
            phones, elapsed, status = timed_align(audio, text, language)
            statuses.append(status)
            pairs.append(paired_onsets(known, phones, by_viseme=False))
            seconds, spent = seconds + len(audio) / SAMPLE_RATE, spent + elapsed
            sphinx = sphinx_phones(audio, text) if check_reference else None
            if sphinx:  # the same sentences where pocketsphinx aligns: how much does the reference add?
                three_way["sphinx_vs_known"].append(paired_onsets(known, sphinx, by_viseme=True))
                three_way["ours_vs_known"].append(pairs[-1])
                three_way["ours_vs_sphinx"].append(paired_onsets(sphinx, phones, by_viseme=True))
    extra = {}
    if three_way["ours_vs_known"]:
        extra = {"reference_check": {"sentences": len(three_way["ours_vs_known"]),
                                     **{name: {k: v for k, v in onset_errors(np.concatenate(found)).items()
                                               if k in ("phones", "median_ms", "within_40ms", "offset_ms")}
                                        for name, found in three_way.items()}}}
    return {"language": language + ("-warped" if warped else ""),
            "reference": "espeak-ng, other voices and speeds (known onsets)" + (", randomly time-warped" if warped else ""),
            **onset_errors(np.concatenate(pairs)), "aligned": f"{statuses.count('aligned')}/{len(statuses)}",
            "audio_s": round(seconds, 1), "speed_x_realtime": round(seconds / spent, 1), **extra}


def referenced_chunks(audio: np.ndarray, words: list) -> list:
    """(audio piece, text, pocketsphinx phones) per chunk of ≤ 8 s; a chunk pocketsphinx cannot
    align is cut again into chunks of ≤ 4 s; None for each piece it still cannot align."""
    out: list = []
    for chunk in word_chunks(words, len(audio) / SAMPLE_RATE):
        piece = audio[int(chunk.start_s * SAMPLE_RATE):int(chunk.end_s * SAMPLE_RATE)]
        reference = sphinx_phones(piece, chunk.text)
        if reference is not None:
            out.append((piece, chunk.text, reference))
            continue
        for small in word_chunks(chunk.words, chunk.end_s, max_chunk_s=4.0):
            start = max(small.start_s, chunk.start_s)
            piece = audio[int(start * SAMPLE_RATE):int(min(small.end_s, chunk.end_s) * SAMPLE_RATE)]
            reference = sphinx_phones(piece, small.text)
            out.append(None if reference is None else (piece, small.text, reference))
    return out


def real_english() -> dict:
    from engine.media.audio import decode_audio
    from engine.models.registry import ModelRegistry
    from engine.speech.transcribe import make_transcriber

    asr = make_transcriber(ModelRegistry.from_environment(), "faster-whisper", "en", model="whisper-base")
    warm_up("en")
    all_pairs, sane_pairs, chunks_used, chunks_sane, chunks_failed, seconds, spent = [], [], 0, 0, 0, 0.0, 0.0
    refused = 0
    for clip in REAL_CLIPS:
        path = SHARED / "media" / clip
        if not path.exists():
            continue
        audio = decode_audio(path, SAMPLE_RATE)[:int(REAL_SECONDS * SAMPLE_RATE)]
        for chunk in referenced_chunks(audio, asr.transcribe(audio, "en").words):
            if chunk is None:
                chunks_failed += 1
                continue
            piece, text, reference = chunk
            phones, elapsed, status = timed_align(piece, text, "en")
            seconds, spent = seconds + len(piece) / SAMPLE_RATE, spent + elapsed
            if not phones:
                continue
            pairs = paired_onsets(reference, phones, by_viseme=True)
            all_pairs.append(pairs)
            chunks_used += 1
            if status != "aligned":  # refused: in the all-chunks figures only
                refused += 1
                continue
            lengths = np.diff([t for _, t in reference])
            if np.mean(lengths <= MIN_PHONE_S) < 0.25:
                sane_pairs.append(pairs)
                chunks_sane += 1
    if not all_pairs:
        return {"language": "en-real", "error": "no clip aligned (shared media missing?)"}
    return {"language": "en-real", "reference": "pocketsphinx forced alignment, phones paired by viseme",
            **(onset_errors(np.concatenate(sane_pairs)) if sane_pairs else {}),
            "chunks": chunks_used, "chunks_sane_reference": chunks_sane, "chunks_reference_failed": chunks_failed,
            "chunks_refused_by_aligner": refused, "aligner_settings": "defaults",
            "all_chunks": onset_errors(np.concatenate(all_pairs)),
            "audio_s": round(seconds, 1), "speed_x_realtime": round(seconds / spent, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="pt,es,de,fr,en")
    parser.add_argument("--real", action="store_true", help="also real English speech against pocketsphinx")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = {}
    for language in [lang for lang in args.languages.split(",") if lang]:
        for warped in (False, True):
            result = synthesized(language, warped, check_reference=args.real and language == "en")
            results[result["language"]] = result
            print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.real:
        results["en-real"] = real_english()
        print(json.dumps(results["en-real"], ensure_ascii=False), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
