"""Content-addressed cache of stage outputs under ``project/cache/``.

A stage describes each unit of work (the whole project, or one segment) by its inputs: a
JSON-able mapping holding texts, settings, model ids and the hashes of upstream outputs.
``hash_inputs`` turns that into a key; an entry is a directory ``cache/<stage>/<key>/``
written to a temporary name (``.<key>.tmp-<pid>-<thread>``), fsync'ed and renamed when
complete, so a killed run never leaves a half-written entry that looks valid, and the next
run knows its leftover folder for a dead process's (``engine.fsutil.remove_dead_temps``). Editing one segment changes only that segment's key,
so only it (and what depends on its output) is recomputed.

Entries no longer in use pile up as a project is edited (each re-dub adds the lip-sync chunks
and render pieces it changed). :meth:`StageCache.prune` removes a stage's unused entries,
least recently used first, beyond a spare allowance, so that undoing an edit still finds the
earlier version while the cache stays within about twice a full set of outputs. A lookup
that finds an entry marks it used (the ``.complete`` file's modification time).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import AvdubError
from engine.fsutil import (TEMP_MARK, atomic_write_text, disk_refusal, fsync_dir, fsync_tree, is_dead_temp,
                           tree_bytes)
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
        if not (path / ".complete").is_file():
            return None
        try:
            os.utime(path / ".complete")  # used now: the last to be pruned
        except OSError:
            pass  # a read-only cache is still a cache
        return path

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
        except OSError as exc:
            pending.discard()
            if exc.filename is None:  # a write() that failed names no file: say where it was
                exc.filename = str(pending.final)
            raise
        except AvdubError:
            pending.discard()
            raise
        except Exception as exc:  # e.g. libsndfile's "System error" on a full disk
            pending.discard()
            refused = disk_refusal(pending.final.parent)
            if refused is not None:
                raise refused from exc
            raise
        except BaseException:
            pending.discard()
            raise
        return pending.commit()

    def begin(self, stage: str, inputs: Mapping[str, Any]) -> "PendingEntry":
        """A temporary folder to fill for ``inputs``; :meth:`PendingEntry.commit` makes it the entry.
        For work that finishes on another thread (``get_or_compute`` is the usual way)."""
        key = hash_inputs({"stage": stage, **inputs})
        final = self.entry(stage, key)
        tmp = final.with_name(f".{key}{TEMP_MARK}{os.getpid()}-{threading.get_ident()}")  # owner known
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        return PendingEntry(tmp, final, dict(inputs))

    def size_bytes(self) -> int:
        return tree_bytes(self.root)

    def prune(self, stage: str, in_use: Iterable[Path], spare_bytes: int | None = None) -> "Pruned":
        """Remove ``stage``'s complete entries that are not ``in_use``, least recently used first,
        until the others take at most ``spare_bytes`` (default: as many bytes as the entries in
        use, about one earlier version); and the temporary folders of runs that are no longer
        alive (a killed run's half-written entries)."""
        kept = {Path(p).resolve() for p in in_use}
        folder = self.root / stage
        if not folder.is_dir():
            return Pruned(0, 0)
        others: list[tuple[float, int, Path]] = []
        removed = freed = kept_bytes = 0
        for shard in folder.iterdir():
            if not shard.is_dir():
                continue
            for entry in shard.iterdir():
                if entry.name.startswith("."):
                    if is_dead_temp(entry):
                        freed += tree_bytes(entry)
                        shutil.rmtree(entry, ignore_errors=True)
                        removed += 1
                    continue
                marker = entry / ".complete"
                if entry.resolve() in kept:
                    kept_bytes += tree_bytes(entry)
                elif marker.is_file():
                    others.append((marker.stat().st_mtime, tree_bytes(entry), entry))
        allowance = kept_bytes if spare_bytes is None else spare_bytes
        others.sort()  # oldest use first
        total = sum(size for _, size, _ in others)
        for _, size, entry in others:
            if total <= allowance:
                break
            shutil.rmtree(entry, ignore_errors=True)
            total -= size
            freed += size
            removed += 1
        return Pruned(removed, freed)

    def clear(self, stage: str | None = None) -> None:
        shutil.rmtree(self.root / stage if stage else self.root, ignore_errors=True)


@dataclass(frozen=True)
class Pruned:
    entries: int  # entries (and dead temporary folders) removed
    bytes: int  # bytes freed


@dataclass(frozen=True)
class PendingEntry:
    directory: Path  # fill this
    final: Path
    inputs: Mapping[str, Any]

    def commit(self) -> Path:
        """Mark complete and move into place (replacing an entry another run completed meanwhile)."""
        try:
            record = json.dumps(encode(dict(self.inputs)), sort_keys=True, default=str)
            atomic_write_text(self.directory / ".complete", record)
            fsync_tree(self.directory)  # what the rename publishes is on disk first
            shutil.rmtree(self.final, ignore_errors=True)
            os.replace(self.directory, self.final)
            fsync_dir(self.final.parent)
        except BaseException:
            self.discard()
            raise
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
