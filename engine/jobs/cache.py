"""Content-addressed cache of stage outputs under ``project/cache/``.

A stage describes each unit of work (the whole project, or one segment) by its inputs: a
JSON-able mapping holding texts, settings, model ids and the hashes of upstream outputs.
``hash_inputs`` turns that into a key; an entry is a directory ``cache/<stage>/<key>/``
written to a temporary name and renamed when complete, so a killed run never leaves a
half-written entry that looks valid. Editing one segment changes only that segment's key,
so only it (and what depends on its output) is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.project.codec import encode


def hash_inputs(inputs: Mapping[str, Any]) -> str:
    """A stable sha256 of JSON-able inputs (dataclasses and enums allowed)."""
    canonical = json.dumps(encode(dict(inputs)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class StageCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def entry(self, stage: str, key: str) -> Path:
        return self.root / stage / key[:2] / key

    def lookup(self, stage: str, key: str) -> Path | None:
        """The entry's directory if it was completely written, else None."""
        path = self.entry(stage, key)
        return path if (path / ".complete").is_file() else None

    def get_or_compute(self, stage: str, inputs: Mapping[str, Any], compute: Callable[[Path], None]) -> Path:
        """Return the entry for ``inputs``, running ``compute(tmp_dir)`` to fill it if absent."""
        key = hash_inputs({"stage": stage, **inputs})
        found = self.lookup(stage, key)
        if found is not None:
            return found
        final = self.entry(stage, key)
        tmp = final.with_name(f".{key}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            compute(tmp)
            (tmp / ".complete").write_text(json.dumps(encode(dict(inputs)), sort_keys=True, default=str))
            shutil.rmtree(final, ignore_errors=True)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file()) if self.root.exists() else 0

    def clear(self, stage: str | None = None) -> None:
        shutil.rmtree(self.root / stage if stage else self.root, ignore_errors=True)
