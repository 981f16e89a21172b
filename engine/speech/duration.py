"""Estimate how long a text takes to say, to compare a translation against its slot.

Spoken duration is close to proportional to the syllable count; vowel groups approximate
syllables well in Romance and Germanic languages. Rates are what avdub's default voices
produce (syllables per second, measured on Piper joe / Kokoro / espeak-ng output), so the
estimate predicts the take before it is synthesized. Scripts without vowel letters (CJK,
Korean) fall back to characters per second.
"""

from __future__ import annotations

import re

SYLLABLES_PER_SECOND = {"en": 4.6, "es": 6.0, "pt": 5.4, "fr": 5.6, "it": 6.0, "de": 4.8}
DEFAULT_RATE = 5.2
CHARS_PER_SECOND = 7.0  # CJK / Hangul: one character is about one syllable, spoken a bit slower
PAUSE_SECONDS = 0.25  # per sentence-internal comma / full stop

_VOWELS = re.compile(r"[aeiouyàáâãäåèéêëìíîïòóôõöùúûüýæœ]+", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def syllables(text: str) -> int:
    count = 0
    for word in re.findall(r"[^\W_]+", text):
        if word.isdigit():
            count += 2 * len(word)  # digits are read as words of about two syllables
        else:
            count += max(1, len(_VOWELS.findall(word))) if not _CJK.search(word) else 0
    return count


def estimate_seconds(text: str, language: str) -> float:
    """Predicted spoken duration of ``text`` in ``language`` (seconds)."""
    if not text.strip():
        return 0.0
    cjk = len(_CJK.findall(text))
    pauses = len(re.findall(r"[,;:.!?](?=\s)", text))
    rate = SYLLABLES_PER_SECOND.get(language, DEFAULT_RATE)
    return round(syllables(text) / rate + cjk / CHARS_PER_SECOND + pauses * PAUSE_SECONDS, 3)
