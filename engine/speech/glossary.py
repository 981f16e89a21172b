"""Terms that must never be translated: code, identifiers, formulas, and the user's own list.

The paper's example of a jarring error is a formula spoken in translation ("y = mx + b"
turned into words of another language). :func:`protected_spans` finds such spans;
:func:`translate_keeping` translates the whole sentence first (best fluency) and accepts it
when every protected span survives verbatim, else translates the text *between* the spans
and puts the spans back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

# `inline code`
_CODE = r"`[^`]+`"
# a formula: operands joined by at least one operator (=, +, *, /, ^, <, >, or a spaced minus).
# An operand is a whole run of operand characters, taken possessively (``++``): no operator can
# follow a shorter piece of a run, so whether a formula starts inside a run depends only on what
# follows the run. The scan therefore tries formulas only where a run starts (the lookbehind)
# and, by hand, where a previous match ended inside a run (see :func:`_matches`): linear work,
# where trying every position of a run cost n² (a 40k-character run took minutes).
_OPERAND_CHARS = r"[A-Za-z0-9_.()\[\]²³]"
_OPERAND = rf"{_OPERAND_CHARS}++"
_FORMULA = rf"{_OPERAND}(?:\s*(?:[=+*/^<>]|≤|≥|\s-\s)\s*{_OPERAND})+"
# identifiers: snake_case, camelCase, dotted.names, calls()
_IDENT = (r"\b(?:[A-Za-z]+_[A-Za-z0-9_]+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*"
          r"|[A-Za-z_][A-Za-z0-9_]*(?=\())(?:\([^()\s]*\))?")
_PATTERN = re.compile(rf"{_CODE}|(?<!{_OPERAND_CHARS}){_FORMULA}|{_IDENT}")
_FORMULA_HERE = re.compile(_FORMULA)
_OPERAND_RUN = re.compile(rf"{_OPERAND_CHARS}*+")
# Checking that every kept span survives a whole-sentence translation costs (distinct spans ×
# text length) character comparisons; past this (a pasted megabyte of code, not a lecture
# sentence) the text is translated between its spans directly, which is linear.
WHOLE_CHECK_BUDGET = 50_000_000


def protected_spans(text: str, terms: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) character spans to keep verbatim, in order."""
    spans = list(_matches(text))
    for term in sorted({t.strip() for t in terms} - {""}):  # each a literal search: linear in the text
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


def _matches(text: str) -> Iterator[tuple[int, int]]:
    """The spans ``re.finditer`` would give for code | formula | identifier tried at every
    position, in linear time. After a match that ends inside an operand run, a formula may start
    right there; if it does not, none starts anywhere else in that run (``failed_until``)."""
    pos, failed_until = 0, 0
    while pos < len(text):
        if pos > 0 and pos >= failed_until and _OPERAND_RUN.match(text, pos - 1, pos).end() == pos:
            formula = _FORMULA_HERE.match(text, pos)
            if formula is not None:
                yield formula.span()
                pos = formula.end()
                continue
            failed_until = _OPERAND_RUN.match(text, pos).end()
        m = _PATTERN.search(text, pos)
        if m is None:
            return
        yield m.span()
        pos = m.end()


def translate_keeping(translate: Callable[[str], str], text: str, terms: Iterable[str] = ()) -> str:
    """Translate ``text`` with ``translate`` while keeping protected spans verbatim."""
    spans = protected_spans(text, terms)
    if not spans:
        return translate(text)
    kept = {text[a:b] for a, b in spans}
    if len(kept) * len(text) <= WHOLE_CHECK_BUDGET:
        whole = translate(text)
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
