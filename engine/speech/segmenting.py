"""Group recognised words into sentence-like segments of at most ~12 s, never cutting a word.

Rules, in order: a segment ends after a word with sentence-final punctuation once it is at
least ``min_seconds`` long; it ends at a pause of ``pause_seconds`` or more (speakers breathe
between sentences, and voice activity detection marks those gaps); and it never grows past
``max_seconds`` — when the next word would push it over, the segment is cut at its best
internal boundary (a clause comma, else the longest pause), and the words after that boundary
start the next segment. Words are atoms: a cut always falls between two words. A single word
longer than the maximum becomes a segment of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.project.model import Word

MAX_SECONDS = 12.0  # the paper's utterances are sentence-sized, at most ~12 s
MIN_SECONDS = 1.0  # shorter "sentences" ("OK.") are merged with what follows
PAUSE_SECONDS = 0.7  # a gap this long between words is a sentence boundary in lecture speech

_FINAL = (".", "?", "!", "。", "？", "！", "…")
_CLAUSE = (",", ";", ":", "、", "，")


@dataclass(frozen=True)
class SegmentSpan:
    words: tuple[Word, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return join_words(self.words)


def join_words(words: Sequence[Word]) -> str:
    """Words back into text. ASR words carry their own leading spaces or none (CJK)."""
    text = "".join(w.text if w.text[:1].isspace() else " " + w.text for w in words)
    return " ".join(text.split())


def _best_cut(words: list[Word]) -> int:
    """Index after which to cut ``words`` (1 ≤ i < len): a clause comma near the middle or the longest pause."""
    n = len(words)
    best, best_score = n // 2, -1.0
    for i in range(1, n):
        gap = words[i].start - words[i - 1].end
        score = gap + (0.5 if words[i - 1].text.strip().endswith(_CLAUSE) else 0.0)
        score -= 0.05 * abs(i - n / 2) / max(n, 1)  # prefer balanced halves on ties
        if score > best_score:
            best, best_score = i, score
    return best


def segment_words(words: Sequence[Word], max_seconds: float = MAX_SECONDS, min_seconds: float = MIN_SECONDS,
                  pause_seconds: float = PAUSE_SECONDS) -> list[SegmentSpan]:
    """Split a time-ordered word list into sentence-like spans (see the module docstring)."""
    words = [w for w in words if w.text.strip()]
    spans: list[SegmentSpan] = []
    current: list[Word] = []

    def flush(upto: int | None = None) -> None:
        nonlocal current
        if upto is None:
            upto = len(current)
        if upto > 0:
            spans.append(SegmentSpan(tuple(current[:upto])))
        current = current[upto:]

    for word in words:
        if current:
            gap = word.start - current[-1].end
            if gap >= pause_seconds:
                flush()
        while current and word.end - current[0].start > max_seconds:
            if len(current) == 1:
                flush()
            else:
                flush(_best_cut(current))
        current.append(word)
        if word.text.strip().endswith(_FINAL) and current[-1].end - current[0].start >= min_seconds:
            flush()
    flush()
    return spans
