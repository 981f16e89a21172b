"""ASR backends on real speech: Whisper tiny.en / base (words, timestamps, language), Vosk Korean, VAD."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from engine.media.audio import decode_audio
from engine.models.registry import ModelRegistry
from engine.speech.asr_blocks import ENERGY_HOP, iter_blocks, plan_blocks, survey_audio
from engine.speech.metrics import cer
from engine.speech.segmenting import segment_words
from engine.speech.transcribe import make_transcriber
from engine.speech.transcribe.base import AudioBlock
from engine.speech.vad import StreamingVad, keep_speech, speech_regions
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
    asr = make_transcriber(registry, "vosk", "ko")
    t = asr.transcribe(audio, "ko")
    # streamed in blocks of any size through one recognizer: the same kind of result (Vosk
    # itself varies from one run to the next here, in confidences and sometimes in a word)
    blocks = [AudioBlock(a, audio[a:a + 12_345]) for a in range(0, audio.size, 12_345)]
    streamed = asr.transcribe_blocks(blocks, "ko")
    assert cer(" ".join(w.text for w in t.words), " ".join(w.text for w in streamed.words)) < 0.4
    for result in (t, streamed):
        assert all(0 <= w.start <= w.end <= audio.size / 16_000 + 0.1 for w in result.words)
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


def test_the_survey_streams_the_same_regions_and_energies_as_the_whole_signal():
    path = media_file("video/speech_en_60s.mp4")
    audio = decode_audio(path)
    survey = survey_audio(path)
    assert survey.samples == audio.size and survey.regions == speech_regions(audio)
    hops = audio.size // ENERGY_HOP
    energies = np.mean(audio[:hops * ENERGY_HOP].astype(np.float64).reshape(hops, -1) ** 2, axis=1)
    assert np.allclose(survey.energies[:hops], energies, rtol=1e-5, atol=1e-12)
    vad = StreamingVad()
    for a in range(0, audio.size, 7_777):  # blocks that split Silero's 512-sample windows
        vad.feed(audio[a:a + 7_777])
    assert vad.finish() == survey.regions


def test_whisper_in_quiet_cut_blocks_times_words_from_the_recording_start(registry):
    path = media_file("video/speech_en_60s.mp4")
    survey = survey_audio(path)
    asr = make_transcriber(registry, "faster-whisper", "en", model="whisper-tiny-en")
    spans = plan_blocks(survey, asr.max_block_seconds)
    assert len(spans) >= 2 and all(b - a <= 30 * 16_000 for a, b in spans)
    t = asr.transcribe_blocks(iter_blocks(path, spans, survey.regions), "en")
    starts = [w.start for w in t.words]
    assert starts == sorted(starts) and 0 <= starts[0] and t.words[-1].end <= survey.seconds + 0.1
    text = " ".join(w.text for w in t.words).lower()
    assert "congress" in text and "republican" in text and "shutdown" in text
    later = [w for w in t.words if w.start >= spans[1][0] / 16_000]
    assert len(later) > 20  # the second block's words, offset to where they are said
    cut = spans[0][1] / 16_000
    assert not any(w.start < cut < w.end for w in t.words)  # no word straddles a cut
