"""Text measures for judging speech: character error rate after light normalisation.

Used by the round-trip intelligibility checks (a Whisper transcription of a dub against the
text it was meant to say). Normalisation removes case, accents and punctuation, because the
recogniser's choices there say nothing about whether the speech was understood.
"""

from __future__ import annotations

import re
import unicodedata


def normalize(text: str) -> str:
    """Lower case, no accents, punctuation replaced by spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def cer(reference: str, hypothesis: str) -> float:
    """Levenshtein distance between the normalised texts ÷ the reference's length."""
    r, h = normalize(reference), normalize(hypothesis)
    prev = list(range(len(h) + 1))
    for i, rc in enumerate(r, 1):
        cur = [i] + [0] * len(h)
        for j, hc in enumerate(h, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc))
        prev = cur
    return prev[-1] / max(1, len(r))
