"""One language-independent viseme set, mapped from IPA.

A viseme is what the mouth shows while a phone sounds; many phones look alike (/p b m/ all close
the lips), so a small set of classes carries what a face can show while staying the same for
every language: the lip-sync model sees the same classes whether the lecture is English and the
dub Portuguese, or the other way round. The table and the reasoning are in ``docs/phonemes.md``.

Mapping rules: stress and length marks and diacritics (nasalisation, syllabicity, ...) are
stripped; affricates and other multi-letter phones are looked up whole first; a diphthong takes
the class of its first vowel (the lips reach for it first); a symbol the table does not know
counts as a mid vowel (a neutral, half-open mouth), and :func:`unknown_symbols` lists such
symbols so a new language's inventory can be checked.
"""

from __future__ import annotations

import unicodedata
from enum import IntEnum


class Viseme(IntEnum):
    SILENCE = 0
    BILABIAL = 1          # p b m: lips pressed together
    LABIODENTAL = 2       # f v: lower lip under the upper teeth
    DENTAL = 3            # θ ð: tongue tip between the teeth
    ALVEOLAR = 4          # t d n l r: tongue tip up, jaw half open
    SIBILANT = 5          # s z ts dz: teeth close together, lips spread
    POSTALVEOLAR = 6      # ʃ ʒ tʃ dʒ: lips pushed forward
    PALATAL = 7           # j ɲ ʎ ç: tongue body high, lips spread
    VELAR = 8             # k g ŋ x h ʁ: back of the tongue, lips neutral
    OPEN_VOWEL = 9        # a ɑ æ ɐ ʌ: jaw wide open
    MID_VOWEL = 10        # e ɛ ə ɜ: half open, neutral lips
    SPREAD_VOWEL = 11     # i ɪ ɨ ɯ: jaw nearly closed, lips spread
    ROUNDED_MID_VOWEL = 12    # o ɔ ø œ ɒ: rounded, half open
    ROUNDED_CLOSE_VOWEL = 13  # u ʊ y ʏ w ɥ: rounded, nearly closed


VISEME_COUNT = len(Viseme)

_WHOLE: dict[str, Viseme] = {
    "tʃ": Viseme.POSTALVEOLAR, "dʒ": Viseme.POSTALVEOLAR, "ts": Viseme.SIBILANT, "dz": Viseme.SIBILANT,
    "tɕ": Viseme.POSTALVEOLAR, "dʑ": Viseme.POSTALVEOLAR, "tʂ": Viseme.POSTALVEOLAR, "dʐ": Viseme.POSTALVEOLAR,
    "pf": Viseme.BILABIAL, "kx": Viseme.VELAR,
}

_SINGLE: dict[str, Viseme] = {}
for _symbols, _viseme in (
    ("pbmɓʙɸβ", Viseme.BILABIAL),
    ("fvɱʋ", Viseme.LABIODENTAL),
    ("θð", Viseme.DENTAL),
    ("tdnlrɾɹɫɬɮɽɭɳʈɖɻɺ", Viseme.ALVEOLAR),
    ("sz", Viseme.SIBILANT),
    ("ʃʒɕʑʂʐ", Viseme.POSTALVEOLAR),
    ("jçʝɲʎcɟ", Viseme.PALATAL),
    ("kgɡŋxɣχʁʀqɢɴhɦʔħʕ", Viseme.VELAR),
    ("aɑæɐäʌɶ", Viseme.OPEN_VOWEL),
    ("eɛəɜɘɚɝɤ", Viseme.MID_VOWEL),
    ("iɪɨɯ", Viseme.SPREAD_VOWEL),
    ("oɔøœɒɞɵ", Viseme.ROUNDED_MID_VOWEL),
    ("uʊyʏʉwɥ", Viseme.ROUNDED_CLOSE_VOWEL),
):
    for _symbol in _symbols:
        _SINGLE[_symbol] = _viseme

_VOWELS = set("aɑæɐäʌɶeɛəɜɘɚɝɤiɪɨɯoɔøœɒɞɵuʊyʏʉ")
_MARKS = set("ˈˌːˑ.‿͜͡ʰʲʷˠˤ̃ʼ-_|'")


def clean_ipa(ipa: str) -> str:
    """``ipa`` without stress, length, tie bars and diacritics (NFD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFD", ipa)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch not in _MARKS and not ch.isspace())


def viseme_of(ipa: str) -> Viseme:
    """The viseme class of one phone written in IPA; an empty phone (a pause) is silence."""
    symbol = clean_ipa(ipa)
    if not symbol:
        return Viseme.SILENCE
    if symbol in _WHOLE:
        return _WHOLE[symbol]
    if symbol[:2] in _WHOLE:
        return _WHOLE[symbol[:2]]
    vowels = [ch for ch in symbol if ch in _VOWELS]
    if vowels:  # vowels, diphthongs, syllabic consonants written with a vowel
        return _SINGLE[vowels[0]]
    for ch in symbol:
        if ch in _SINGLE:
            return _SINGLE[ch]
    return Viseme.MID_VOWEL


def unknown_symbols(ipa: str) -> set[str]:
    """The letters of ``ipa`` that the table does not know (they fall back to a mid vowel)."""
    return {ch for ch in clean_ipa(ipa) if ch not in _SINGLE}
