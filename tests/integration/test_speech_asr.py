"""ASR backends on real speech: Whisper tiny.en / base (words, timestamps, language), Vosk Korean, VAD."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from engine.media.audio import decode_audio
from engine.models.registry import ModelRegistry
from engine.speech.segmenting import segment_words
from engine.speech.transcribe import make_transcriber
from engine.speech.vad import keep_speech, speech_regions
from tests.conftest import media_file


@pytest.fixture(scope="module")
def registry() -> ModelRegistry:
    return ModelRegistry.from_environment()


def test_whisper_tiny_en_words_and_segments_on_lecture(registry):
    audio = decode_audio(media_file("video/lecture_en_25s.mp4"))
    regions = speech_regions(audio)
    assert regions and regions[0].start < 1.5
    t = make_transcriber(registry, "faster-whisper", "en", model="whisper-tiny-en").transcribe(keep_speech(audio, regions), "en")
    text = " ".join(w.text for w in t.words).lower()
    assert "hairdress" in text and "robot" in text
    starts = [w.start for w in t.words]
    assert starts == sorted(starts) and all(w.end >= w.start for w in t.words)
    assert t.words[-1].end <= 25.2
    spans = segment_words(t.words)
    assert 2 <= len(spans) and all(s.end - s.start <= 12.0 for s in spans)


@pytest.mark.parametrize("clip, language", [("video/news_de_20s.mp4", "de"), ("audio/st_fayu.flac", "fr")])
def test_whisper_base_detects_the_language(registry, clip, language):
    audio = decode_audio(media_file(clip), duration=8.0)
    t = make_transcriber(registry, "faster-whisper", None).transcribe(audio, None)
    assert t.language == language and len(t.words) >= 5


def test_vosk_korean_word_timings(registry, tmp_path):
    # No Korean recording is available here: espeak-ng reads Korean text (Hangul), Vosk recognises it.
    wav = tmp_path / "ko.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(wav), "안녕하세요. 오늘은 직선의 기울기에 대해 이야기하겠습니다."], check=True)
    audio = decode_audio(wav)
    t = make_transcriber(registry, "vosk", "ko").transcribe(audio, "ko")
    assert t.language == "ko" and len(t.words) >= 2
    assert all(0 <= w.start <= w.end <= audio.size / 16_000 + 0.1 for w in t.words)
    assert [w.start for w in t.words] == sorted(w.start for w in t.words)
    assert any("\uac00" <= ch <= "\ud7af" for w in t.words for ch in w.text)  # Hangul came out


def test_vad_finds_no_speech_in_silence_and_music():
    sr = 16_000
    t = np.arange(sr * 6) / sr
    chord = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0)) / 4  # a sustained C major chord
    beat = (np.sin(2 * np.pi * 2 * t) > 0.95) * np.random.default_rng(0).normal(0, 0.3, t.size)  # drum-like hits
    music = (chord * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t)) + beat).astype(np.float32)
    assert speech_regions(np.zeros(sr * 3, np.float32)) == []
    assert sum(r.end - r.start for r in speech_regions(music)) < 0.5
