"""References for the phone aligner's precision (used by ``phoneme_align.py``; not product code).

- English, real speech: pocketsphinx's forced alignment (its en-us acoustic model, CMU dictionary),
  run on chunks of ≤ 12 s cut at word gaps, as it fails on longer ones.
- Any language, synthesized: espeak-ng itself, speaking with another voice variant, pitch and
  speed than the aligner's rendering; its phoneme events are the known times.

Phones of two labellings are paired by a longest-common-subsequence match of their labels (viseme
classes across phone inventories, IPA within one), then onsets of the pairs are compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.speech.phonemes.visemes import Viseme, viseme_of

ARPABET_IPA = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b", "CH": "tʃ", "D": "d", "DH": "ð",
    "EH": "ɛ", "ER": "ɝ", "EY": "eɪ", "F": "f", "G": "ɡ", "HH": "h", "IH": "ɪ", "IY": "i", "JH": "dʒ", "K": "k",
    "L": "l", "M": "m", "N": "n", "NG": "ŋ", "OW": "oʊ", "OY": "ɔɪ", "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ",
    "T": "t", "TH": "θ", "UH": "ʊ", "UW": "u", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}
MAX_CHUNK_S = 8.0
# espeak-ng's English phones (cleaned IPA) → ARPAbet, to give pocketsphinx words its dictionary lacks
IPA_ARPABET = {**{ipa: arpa for arpa, ipa in ARPABET_IPA.items()}, "ə": "AH", "ɐ": "AH", "ɚ": "ER", "ɜ": "ER",
               "ɑ": "AA", "ɒ": "AA", "ɔ": "AO", "i": "IY", "u": "UW", "ᵻ": "IH", "ɾ": "T", "ʔ": "T", "r": "R",
               "e": "EY", "o": "OW", "a": "AA", "ɡ": "G", "g": "G", "əʊ": "OW", "eə": "EH", "ɪə": "IH", "ʊə": "UH",
               "aɪə": "AY", "aʊə": "AW", "iə": "IY", "x": "K", "ç": "HH", "ɬ": "L", "ɫ": "L"}


@dataclass(frozen=True)
class Chunk:
    start_s: float
    end_s: float
    text: str
    words: tuple = ()


def word_chunks(words: Sequence, total_s: float, max_chunk_s: float = MAX_CHUNK_S) -> list[Chunk]:
    """Consecutive words grouped into chunks of ≤ ``max_chunk_s``, cut in the middle of word gaps."""
    chunks: list[Chunk] = []
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and words[j + 1].end - words[i].start <= max_chunk_s - 0.4:
            j += 1
        start = max(0.0, words[i].start - 0.2) if i == 0 else (words[i - 1].end + words[i].start) / 2
        end = min(total_s, words[j].end + 0.2) if j + 1 == len(words) else (words[j].end + words[j + 1].start) / 2
        chunks.append(Chunk(start, end, " ".join(w.text.strip() for w in words[i:j + 1]), tuple(words[i:j + 1])))
        i = j + 1
    return chunks


def sphinx_words(text: str) -> list[str]:
    cleaned = "".join(ch if ch.isalpha() or ch in "' " else " " for ch in text.lower().replace("-", " "))
    return [w.strip("'") for w in cleaned.split() if w.strip("'")]


def sphinx_phones(audio: np.ndarray, text: str) -> list[tuple[str, float]] | None:
    """pocketsphinx's (IPA, onset s) for 16 kHz ``audio`` saying ``text``; None if it cannot (OOV, failure)."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=16000, loglevel="FATAL", beam=1e-100, wbeam=1e-80, pbeam=1e-100)
    words = sphinx_words(text)
    if not words:
        return None
    for word in {w for w in words if decoder.lookup_word(w) is None}:
        pronunciation = espeak_arpabet(word)
        if not pronunciation:
            return None
        decoder.add_word(word, pronunciation, True)
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    try:
        decoder.set_align_text(" ".join(words))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            return None
        decoder.set_alignment()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        alignment = decoder.get_alignment()
    except RuntimeError:  # "Failed to stop utterance processing": no path through the text
        return None
    if alignment is None:
        return None
    phones = []
    for word in alignment:
        for phone in word:
            if phone.name in ARPABET_IPA:
                phones.append((ARPABET_IPA[phone.name], phone.start / 100.0))
    return phones or None


def espeak_arpabet(word: str) -> str:
    """espeak-ng's en-us pronunciation of ``word`` in ARPAbet ("" if a phone has no counterpart)."""
    from engine.speech.phonemes.espeak_lib import load_espeak
    from engine.speech.phonemes.visemes import clean_ipa

    phones = [clean_ipa(p) for p in load_espeak().render(word, "en-us").phones]
    arpabet = [IPA_ARPABET.get(p) for p in phones if p]
    return "" if None in arpabet else " ".join(arpabet)


def paired_onsets(reference: Sequence[tuple[str, float]], ours: Sequence[tuple[str, float]],
                  by_viseme: bool) -> np.ndarray:
    """(k, 3) onsets (reference, ours) of phones paired by an LCS of their labels, and the pair's
    viseme (of the reference phone); pauses ignored."""
    def label(ipa: str) -> object:
        return viseme_of(ipa) if by_viseme else ipa
    ref = [(label(p), t, int(viseme_of(p))) for p, t in reference if viseme_of(p) is not Viseme.SILENCE]
    own = [(label(p), t) for p, t in ours if viseme_of(p) is not Viseme.SILENCE]
    n, m = len(ref), len(own)
    table = np.zeros((n + 1, m + 1), dtype=np.int32)
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i, j] = table[i + 1, j + 1] + 1 if ref[i][0] == own[j][0] else max(table[i + 1, j], table[i, j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if ref[i][0] == own[j][0]:
            pairs.append((ref[i][1], own[j][1], ref[i][2]))
            i, j = i + 1, j + 1
        elif table[i + 1, j] >= table[i, j + 1]:
            i += 1
        else:
            j += 1
    return np.array(pairs, dtype=np.float64).reshape(-1, 3)


def onset_errors(pairs: np.ndarray) -> dict:
    """Median absolute onset error and share within 40 ms after removing the median (constant) offset."""
    if len(pairs) == 0:
        return {"phones": 0}
    signed = pairs[:, 1] - pairs[:, 0]
    offset = float(np.median(signed))
    error = np.abs(signed - offset)
    return {"phones": int(len(pairs)), "offset_ms": round(offset * 1000, 1),
            "median_ms": round(float(np.median(error)) * 1000, 1),
            "within_40ms": round(float(np.mean(error <= 0.040)), 3),
            "p90_ms": round(float(np.percentile(error, 90)) * 1000, 1),
            "median_ms_raw": round(float(np.median(np.abs(signed))) * 1000, 1),
            "within_40ms_by_viseme": {Viseme(int(v)).name.lower(): round(float(np.mean(error[pairs[:, 2] == v] <= 0.04)), 2)
                                      for v in np.unique(pairs[:, 2])}}
