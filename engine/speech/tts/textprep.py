"""Make text speakable before synthesis: read formula symbols aloud, drop what no voice can say.

Symbols with a spoken reading in the target language (``=``, ``+``, ``%`` …) become words;
emoji, pictographs and characters of a script the language does not use (mixed scripts) are
dropped and reported, so the stage can flag the segment UNPRONOUNCEABLE instead of letting a
TTS engine crash or babble.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SPOKEN = {
    "en": {"=": "equals", "+": "plus", "%": "percent", "&": "and", "<": "less than", ">": "greater than",
           "*": "times", "/": "over", "^": "to the power of", "≤": "at most", "≥": "at least"},
    "es": {"=": "igual a", "+": "más", "%": "por ciento", "&": "y", "<": "menor que", ">": "mayor que",
           "*": "por", "/": "entre", "^": "elevado a", "≤": "como máximo", "≥": "como mínimo"},
    "pt": {"=": "igual a", "+": "mais", "%": "por cento", "&": "e", "<": "menor que", ">": "maior que",
           "*": "vezes", "/": "sobre", "^": "elevado a", "≤": "no máximo", "≥": "no mínimo"},
}
# Scripts of languages whose text should be Latin; others keep whatever script they use.
LATIN_LANGUAGES = {"en", "es", "pt", "fr", "it", "de", "ca", "gl", "eu", "nl", "sv", "da", "nb", "fi", "pl",
                   "cs", "sk", "sl", "hr", "ro", "hu", "tr", "id", "ms", "vi", "eo", "is", "et", "lt", "lv",
                   "sq", "sw", "tl", "ga"}


@dataclass(frozen=True)
class PreparedText:
    text: str
    dropped: str  # characters removed because no voice can say them


def _is_latin(ch: str) -> bool:
    return "LATIN" in unicodedata.name(ch, "")


def prepare(text: str, language: str) -> PreparedText:
    spoken = SPOKEN.get(language, SPOKEN["en"] if language in LATIN_LANGUAGES else {})
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    dropped: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in spoken:
            out.append(f" {spoken[ch]} ")
        elif cat.startswith("L"):
            if language in LATIN_LANGUAGES and not _is_latin(ch):
                dropped.append(ch)
                out.append(" ")
            else:
                out.append(ch)
        elif cat.startswith(("N", "Z")) or ch in ".,;:!?'\"()-¿¡«»—–…":
            out.append(ch)
        elif cat.startswith("M"):
            out.append(ch)
        else:  # emoji, pictographs, other symbols, controls
            if not ch.isspace():
                dropped.append(ch)
            out.append(" ")
    clean = " ".join("".join(out).split())
    clean = re.sub(r"\s+([,.;:!?])", r"\1", clean)
    if not re.search(r"[^\W_]", clean):  # nothing left a voice could say
        clean = ""
    return PreparedText(clean, "".join(dropped))
