"""Real-time factor of every ASR, MT and TTS backend on this machine (one thread each).

- ASR: processing seconds ÷ audio seconds (Whisper tiny.en and base on the 25 s lecture clip;
  Vosk Korean on espeak-ng Korean speech, the only Korean speech obtainable here).
- MT: processing seconds ÷ seconds of the source speech the text was spoken in (the lecture's
  segments), plus characters per second.
- TTS: synthesis seconds ÷ seconds of audio produced, on a Portuguese/Spanish/English sentence.

Usage: ``python benchmarks/speech_speed.py [--out file.json]``; prints JSON (last line).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.media.audio import decode_audio  # noqa: E402
from engine.models.registry import ModelRegistry  # noqa: E402
from engine.speech.segmenting import segment_words  # noqa: E402
from engine.speech.transcribe import make_transcriber  # noqa: E402
from engine.speech.translate import make_translator  # noqa: E402
from engine.speech.tts import make_synthesizer  # noqa: E402

SHARED = Path(os.environ.get("AVDUB_SHARED") or Path(__file__).resolve().parents[2] / "shared")
SENTENCES = {
    "pt": "Hoje vamos falar sobre a inclinação de uma reta, que é dada pela fórmula y igual a m x mais b.",
    "es": "Hoy vamos a hablar de la pendiente de una recta, que viene dada por la fórmula y igual a m x más b.",
    "en": "Today we will talk about the slope of a line, which is given by the formula y equals m x plus b.",
}
TTS = (("kokoro", "pt", "jm_kumo"), ("kokoro", "es", "jm_kumo"), ("piper", "en", "en_US-joe-medium"),
       ("espeak-ng", "pt", "pt-br"), ("espeak-ng", "es", "es"))


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    registry = ModelRegistry.from_environment()
    rows = []
    audio = decode_audio(SHARED / "media/video/lecture_en_25s.mp4")
    seconds = audio.size / 16_000
    words = None
    for model in ("whisper-tiny-en", "whisper-base"):
        asr = make_transcriber(registry, "faster-whisper", "en", model=model)
        asr.transcribe(audio[:16_000 * 2], "en")  # warm-up
        t, dt = timed(asr.transcribe, audio, "en")
        words = t.words
        rows.append({"kind": "asr", "backend": f"faster-whisper/{model}", "rtf": round(dt / seconds, 4),
                     "audio_seconds": round(seconds, 2)})
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "ko.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav),
                        "안녕하세요. 오늘은 직선의 기울기에 대해 이야기하겠습니다. 기울기는 변화량의 비율입니다."], check=True)
        ko = decode_audio(wav)
    vosk = make_transcriber(registry, "vosk", "ko")
    _, dt = timed(vosk.transcribe, ko, "ko")
    rows.append({"kind": "asr", "backend": "vosk/vosk-ko", "rtf": round(dt / (ko.size / 16_000), 4),
                 "audio_seconds": round(ko.size / 16_000, 2)})
    spans = segment_words(words or ())
    texts = [s.text for s in spans]
    spoken = sum(s.end - s.start for s in spans)
    for backend, pair in (("bergamot", ("en", "pt")), ("apertium", ("en", "es"))):
        tr = make_translator(registry, *pair, backend)
        tr.translate("Hello.", *pair)  # warm-up (model load)
        _, dt = timed(lambda: [tr.translate(t, *pair) for t in texts])
        rows.append({"kind": "mt", "backend": f"{backend} {pair[0]}→{pair[1]}", "rtf": round(dt / spoken, 4),
                     "chars_per_second": round(sum(map(len, texts)) / dt, 1), "segments": len(texts)})
    for engine, lang, voice in TTS:
        synth = make_synthesizer(registry, engine)
        synth.synthesize("Olá.", lang, voice)  # warm-up (model load)
        (wav, sr), dt = timed(synth.synthesize, SENTENCES[lang], lang, voice)
        rows.append({"kind": "tts", "backend": f"{engine}/{voice}", "language": lang,
                     "rtf": round(dt / (wav.size / sr), 4), "audio_seconds": round(wav.size / sr, 2)})
        print(json.dumps(rows[-1]), file=sys.stderr)
    result = {"benchmark": "speech_speed", "threads": 1, "cpu_count": os.cpu_count(), "rows": rows}
    text = json.dumps(result, ensure_ascii=False)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
