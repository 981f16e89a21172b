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
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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

    def find(self, stage: str, inputs: Mapping[str, Any]) -> Path | None:
        """The complete entry :meth:`get_or_compute` would return for ``inputs``, else None."""
        return self.lookup(stage, hash_inputs({"stage": stage, **inputs}))

    def get_or_compute(self, stage: str, inputs: Mapping[str, Any], compute: Callable[[Path], None]) -> Path:
        """Return the entry for ``inputs``, running ``compute(tmp_dir)`` to fill it if absent."""
        found = self.find(stage, inputs)
        if found is not None:
            return found
        pending = self.begin(stage, inputs)
        try:
            compute(pending.directory)
        except BaseException:
            pending.discard()
            raise
        return pending.commit()

    def begin(self, stage: str, inputs: Mapping[str, Any]) -> "PendingEntry":
        """A temporary folder to fill for ``inputs``; :meth:`PendingEntry.commit` makes it the entry.
        For work that finishes on another thread (``get_or_compute`` is the usual way)."""
        key = hash_inputs({"stage": stage, **inputs})
        final = self.entry(stage, key)
        tmp = final.with_name(f".{key}.tmp-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        return PendingEntry(tmp, final, dict(inputs))

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file()) if self.root.exists() else 0

    def clear(self, stage: str | None = None) -> None:
        shutil.rmtree(self.root / stage if stage else self.root, ignore_errors=True)


@dataclass(frozen=True)
class PendingEntry:
    directory: Path  # fill this
    final: Path
    inputs: Mapping[str, Any]

    def commit(self) -> Path:
        """Mark complete and move into place (replacing an entry another run completed meanwhile)."""
        try:
            record = json.dumps(encode(dict(self.inputs)), sort_keys=True, default=str)
            (self.directory / ".complete").write_text(record)
            shutil.rmtree(self.final, ignore_errors=True)
            os.replace(self.directory, self.final)
        except BaseException:
            self.discard()
            raise
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
