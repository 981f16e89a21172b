"""Segmentation, glossary protection, duration estimates and TTS text preparation (no models)."""

from __future__ import annotations

from engine.project.model import Word
from engine.speech.duration import estimate_seconds, syllables
from engine.speech.glossary import protected_spans, translate_keeping
from engine.speech.segmenting import MAX_SECONDS, segment_words
from engine.speech.tts.textprep import prepare


def words_from(text: str, start: float = 0.0, step: float = 0.3, gap_after: dict[int, float] | None = None) -> list[Word]:
    out, t = [], start
    for i, w in enumerate(text.split()):
        out.append(Word(w, round(t, 3), round(t + step * 0.8, 3)))
        t += step + (gap_after or {}).get(i, 0.0)
    return out


def test_sentences_split_at_final_punctuation():
    spans = segment_words(words_from("This is the first sentence. And here is the second one."))
    assert [s.text for s in spans] == ["This is the first sentence.", "And here is the second one."]


def test_pause_splits_and_short_sentence_merges():
    spans = segment_words(words_from("OK. so we start here and continue", gap_after={3: 1.0}))
    # "OK." is shorter than MIN_SECONDS, so it stays with what follows until the pause
    assert [s.text for s in spans] == ["OK. so we start", "here and continue"]


def test_run_on_sentence_is_cut_below_the_maximum_without_cutting_words():
    text = " ".join(f"word{i}," if i % 17 == 16 else f"word{i}" for i in range(200))  # 60 s, no full stop
    words = words_from(text)
    spans = segment_words(words)
    assert all(s.end - s.start <= MAX_SECONDS + 1e-9 for s in spans)
    assert [w for s in spans for w in s.words] == words  # every word once, in order, none split
    assert len(spans) >= 5


def test_word_longer_than_maximum_is_its_own_segment():
    spans = segment_words([Word("a", 0, 0.2), Word("looong", 0.3, 14.0), Word("b", 14.1, 14.3)])
    assert [s.text for s in spans] == ["a", "looong", "b"]


def test_cjk_words_join_without_spaces_when_asr_gives_none():
    spans = segment_words([Word("말", 0.0, 0.3), Word("메시지", 0.3, 0.8)])
    assert spans[0].text == "말 메시지"


def test_glossary_finds_formulas_identifiers_and_terms():
    text = "The line is y = mx + b, so call np.polyfit() or fit_line with the Adam optimizer."
    kept = [text[a:b] for a, b in protected_spans(text, ["Adam"])]
    assert kept == ["y = mx + b", "np.polyfit()", "fit_line", "Adam"]
    assert protected_spans("A well-known result, not a formula.") == []


def test_translate_keeping_falls_back_to_pieces_when_a_term_is_mangled():
    calls = []

    def fake_mt(s: str) -> str:  # a translator that translates formulas into words
        calls.append(s)
        return s.replace("=", "igual").replace("The line is", "La recta es").replace("where m is the slope", "donde m es la pendiente")

    out = translate_keeping(fake_mt, "The line is y = mx + b, where m is the slope")
    assert "y = mx + b" in out and out.startswith("La recta es") and "pendiente" in out
    assert len(calls) == 3  # the whole sentence first, then the two pieces around the formula


def test_translate_keeping_accepts_whole_translation_when_terms_survive():
    assert translate_keeping(lambda s: s.upper().replace("MX", "mx").replace("Y =", "y =").replace("+ B", "+ b"),
                             "so y = mx + b") == "SO y = mx + b"


def test_duration_estimate_grows_with_text_and_is_zero_for_empty():
    assert estimate_seconds("   ", "pt") == 0.0
    short = estimate_seconds("Olá a todos.", "pt")
    long = estimate_seconds("Olá a todos, hoje vamos falar sobre a inclinação de uma reta no plano.", "pt")
    assert 0.3 < short < long < 8
    assert syllables("casa") == 2 and syllables("2024") == 8


def test_prepare_reads_symbols_and_drops_emoji_and_other_scripts():
    p = prepare("y = mx + b 😀 e Привет", "pt")
    assert p.text == "y igual a mx mais b e"
    assert "😀" in p.dropped and "П" in p.dropped
    assert prepare("🎉🎉 ✨", "es").text == ""
    assert prepare("こんにちは", "ja").text == "こんにちは"


def test_words_stamped_in_silence_snap_to_voice_onset():
    from engine.stages.transcribe import snap_to_speech

    words = [Word("My", 0.0, 0.88), Word("best", 0.88, 1.12), Word("Then", 5.0, 5.3)]
    out = snap_to_speech(words, [[0.6, 3.0], [5.05, 6.0]])
    assert [w.start for w in out] == [0.6, 0.88, 5.0]  # 5.0 is within the tolerance of 5.05


def test_takes_are_levelled_to_the_presenter_without_clipping():
    import numpy as np

    from engine.stages.speak import level, speech_rms

    t = np.arange(24_000) / 24_000
    loud = (0.99 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    quiet = level(loud, 0.1)
    assert abs(speech_rms(quiet) - 0.1) < 0.01
    assert np.abs(level(loud * 0.01, 0.5)).max() <= 0.9 + 1e-6
