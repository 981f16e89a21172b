"""How much disk a project folder takes, stage by stage, and how much is left beside it.

The cache holds everything a stage can recompute (speech takes, face tracks, crop samples,
fine-tuned models, generated mouths, render pieces); the stages prune what no version in
use needs beyond about one earlier version, so this is what an editor looks at to see where
a project's gigabytes went (``avdub info``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from engine.fsutil import tree_bytes
from engine.project.store import ProjectFolder


@dataclass(frozen=True)
class DiskUse:
    project_bytes: int  # the whole folder, cache included
    cache_bytes: dict[str, int] = field(default_factory=dict)  # per cache folder (stage), largest first
    free_bytes: int | None = None  # on the project's file system; None when it cannot be asked

    def to_dict(self) -> dict:
        return {"project_bytes": self.project_bytes, "cache_bytes": dict(self.cache_bytes),
                "free_bytes": self.free_bytes}


def disk_use(folder: ProjectFolder) -> DiskUse:
    cache = folder.cache_dir
    sizes = {d.name: tree_bytes(d) for d in cache.iterdir() if d.is_dir()} if cache.is_dir() else {}
    try:
        free: int | None = shutil.disk_usage(folder.root).free
    except OSError:
        free = None
    return DiskUse(tree_bytes(folder.root), dict(sorted(sizes.items(), key=lambda kv: -kv[1])), free)


def human_bytes(n: int) -> str:
    """1 234 567 → '1.2 MB' (powers of 1000, as file managers show them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
