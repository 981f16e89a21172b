"""The protected-span scan is linear in the text and finds what the former (quadratic) pattern
found: a 40k-character run once took 110 s, a 10 MB segment never finished."""

from __future__ import annotations

import random
import re
import threading

from engine.speech.glossary import protected_spans, translate_keeping

# The former pattern, kept here as the reference for what must be found.
_OPERAND = r"[A-Za-z0-9_.()\[\]²³]+"
_FORMULA = rf"{_OPERAND}(?:\s*(?:[=+*/^<>]|≤|≥|\s-\s)\s*{_OPERAND})+"
_IDENT = (r"\b(?:[A-Za-z]+_[A-Za-z0-9_]+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*"
          r"|[A-Za-z_][A-Za-z0-9_]*(?=\())(?:\([^()\s]*\))?")
_REFERENCE = re.compile(rf"`[^`]+`|{_FORMULA}|{_IDENT}")


def _reference_matches(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _REFERENCE.finditer(text)]


def test_same_spans_as_the_former_pattern_on_random_text() -> None:
    import engine.speech.glossary as glossary

    rng = random.Random(19)
    alphabet = "aZb_1.()[]²= +-*/^<>≤`xy ,;:é\n"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        assert list(glossary._matches(text)) == _reference_matches(text), text


def test_lecture_sentences_keep_their_formulas_and_names() -> None:
    text = "Here y = mx + b. Call numpy.linalg.solve(A) on x_train, then `git push` or camelCase."
    found = [text[a:b] for a, b in protected_spans(text, ["Here"])]
    assert found == ["Here", "y = mx + b", "numpy.linalg.solve(A)", "x_train", "`git push`", "camelCase"]


def test_megabytes_of_one_segment_are_scanned_in_linear_work() -> None:
    # Quadratic work on these (1 MB each) would be ~10^12 steps: the thread would never finish.
    sizes = 1_000_000
    texts = [u * (sizes // len(u)) for u in ("a", "a(", "x -", "a =  ", "v1_a ")]
    done: list[int] = []

    def scan() -> None:
        for text in texts:
            done.append(len(translate_keeping(str.upper, text, ["a"])))

    worker = threading.Thread(target=scan, daemon=True)
    worker.start()
    worker.join(240)
    assert not worker.is_alive() and len(done) == len(texts)
