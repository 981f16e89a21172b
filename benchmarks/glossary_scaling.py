"""How the glossary's protected-span scan scales with one segment's length.

For a few hostile shapes (one long run of formula characters, calls glued together, a long
formula, many identifiers) and sizes from 40 k to 10 M characters, times
:func:`engine.speech.glossary.translate_keeping` with an identity-like translator. Linear work
shows as seconds growing ×10 when the size grows ×10.

Usage: ``python benchmarks/glossary_scaling.py [--max-size 10000000]``; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time

from engine.speech.glossary import translate_keeping

SHAPES = {"run": "a", "calls": "f(x)", "glued_parens": "a(", "formula": "y = mx + b ", "identifiers": "x_y "}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-size", type=int, default=10_000_000)
    args = parser.parse_args()
    sizes = [n for n in (40_000, 400_000, 4_000_000, 10_000_000) if n <= args.max_size]
    seconds: dict[str, dict[int, float]] = {}
    for name, unit in SHAPES.items():
        seconds[name] = {}
        for n in sizes:
            text = unit * (n // len(unit))
            t0 = time.perf_counter()
            translate_keeping(str.upper, text)
            seconds[name][n] = round(time.perf_counter() - t0, 3)
    print(json.dumps({"sizes": sizes, "seconds": seconds}))


if __name__ == "__main__":
    main()
