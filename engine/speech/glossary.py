"""Terms that must never be translated: code, identifiers, formulas, and the user's own list.

The paper's example of a jarring error is a formula spoken in translation ("y = mx + b"
turned into words of another language). :func:`protected_spans` finds such spans;
:func:`translate_keeping` translates the whole sentence first (best fluency) and accepts it
when every protected span survives verbatim, else translates the text *between* the spans
and puts the spans back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# `inline code`
_CODE = r"`[^`]+`"
# a formula: operands joined by at least one operator (=, +, *, /, ^, <, >, or a spaced minus)
_OPERAND = r"[A-Za-z0-9_.()\[\]²³]+"
_FORMULA = rf"{_OPERAND}(?:\s*(?:[=+*/^<>]|≤|≥|\s-\s)\s*{_OPERAND})+"
# identifiers: snake_case, camelCase, dotted.names, calls()
_IDENT = (r"\b(?:[A-Za-z]+_[A-Za-z0-9_]+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*"
          r"|[A-Za-z_][A-Za-z0-9_]*(?=\())(?:\([^()\s]*\))?")
_PATTERN = re.compile(rf"{_CODE}|{_FORMULA}|{_IDENT}")


def protected_spans(text: str, terms: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) character spans to keep verbatim, in order."""
    spans = [(m.start(), m.end()) for m in _PATTERN.finditer(text)]
    for term in terms:
        term = term.strip()
        if term:
            spans += [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", text)]
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        # strip sentence punctuation a formula regex may have swallowed at its end ("b.")
        while b > a and text[b - 1] in ".,;:" and b - a > 1:
            b -= 1
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def translate_keeping(translate: Callable[[str], str], text: str, terms: Iterable[str] = ()) -> str:
    """Translate ``text`` with ``translate`` while keeping protected spans verbatim."""
    spans = protected_spans(text, terms)
    if not spans:
        return translate(text)
    whole = translate(text)
    kept = [text[a:b] for a, b in spans]
    if all(k in whole for k in kept):
        return whole
    pieces: list[str] = []
    pos = 0
    for a, b in spans:
        pieces.append(_translate_piece(translate, text[pos:a]))
        pieces.append(text[a:b])
        pos = b
    pieces.append(_translate_piece(translate, text[pos:]))
    return " ".join(" ".join(p.split()) for p in pieces if p.strip()).replace(" ,", ",").replace(" .", ".")


def _translate_piece(translate: Callable[[str], str], piece: str) -> str:
    if not re.search(r"[^\W\d_]{2,}", piece):  # punctuation, numbers, single letters: keep
        return piece
    return translate(piece.strip())
