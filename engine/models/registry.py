"""Find, verify and install model files.

A :class:`ModelSpec` names a model's files (with sha256 and, where one exists, the official
download URL) or the Python package that carries them. The registry looks, in order, in
``$AVDUB_MODEL_PATH`` (``os.pathsep``-separated), ``$AVDUB_SHARED/models``, the user's model
directory (platformdirs), and finally inside installed model packages. A missing model raises
:class:`ModelMissingError` with the exact command that installs it.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine.errors import AvdubError, ModelMissingError, ModelVerifyError
from engine.fsutil import sha256_file
from engine.jobs.events import CancelToken, ProgressSink, ignore_progress
from engine.models.catalog import CATALOG
from engine.models.download import download_file
from engine.models.spec import ModelFile, ModelSpec


@dataclass(frozen=True)
class ModelLocation:
    spec: ModelSpec
    directory: Path
    source: str  # which search place found it

    def path(self, name: str | None = None) -> Path:
        return self.directory / (name or self.spec.files[0].name)


class ModelRegistry:
    """Looks models up; holds no global state (built from an environment mapping)."""

    def __init__(self, specs: Iterable[ModelSpec], search_dirs: Iterable[tuple[Path, str]], user_dir: Path):
        self.specs = {s.id: s for s in specs}
        self.search_dirs = list(search_dirs)
        self.user_dir = Path(user_dir)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None,
                         specs: Iterable[ModelSpec] | None = None) -> "ModelRegistry":
        env = os.environ if env is None else env
        dirs: list[tuple[Path, str]] = []
        for part in env.get("AVDUB_MODEL_PATH", "").split(os.pathsep):
            if part.strip():
                dirs.append((Path(part).expanduser(), "AVDUB_MODEL_PATH"))
        if env.get("AVDUB_SHARED"):
            dirs.append((Path(env["AVDUB_SHARED"]).expanduser() / "models", "AVDUB_SHARED"))
        user_dir = Path(env.get("AVDUB_USER_MODELS") or platformdirs.user_data_dir("avdub")) / "models"
        dirs.append((user_dir, "user model directory"))
        return cls(CATALOG if specs is None else specs, dirs, user_dir)

    def spec(self, model_id: str) -> ModelSpec:
        try:
            return self.specs[model_id]
        except KeyError:
            raise AvdubError(f"unknown model '{model_id}'; known models: {', '.join(sorted(self.specs))}") from None

    def find(self, model_id: str) -> ModelLocation | None:
        spec = self.spec(model_id)
        for directory, source in self.search_dirs:
            for candidate in (directory / spec.id, directory):
                if all((candidate / f.name).is_file() for f in spec.files):
                    return ModelLocation(spec, candidate, f"{source} ({candidate})")
        if spec.package:
            found = importlib.util.find_spec(spec.package)
            if found is not None and found.submodule_search_locations:
                candidate = Path(list(found.submodule_search_locations)[0]) / spec.package_dir
                if all((candidate / f.name).is_file() for f in spec.files):
                    return ModelLocation(spec, candidate, f"package {spec.package}")
        return None

    def locate(self, model_id: str) -> ModelLocation:
        """The model's location, or a ModelMissingError naming the install command."""
        found = self.find(model_id)
        if found is None:
            spec = self.spec(model_id)
            places = ", ".join(str(d) for d, _ in self.search_dirs)
            raise ModelMissingError(model_id, f"looked in {places}", spec.install_hint)
        return found

    def verify(self, model_id: str) -> list[str]:
        """Problems with an installed model (empty list: verified)."""
        location = self.locate(model_id)
        problems = []
        for f in location.spec.files:
            if f.sha256 and sha256_file(location.path(f.name)) != f.sha256:
                problems.append(f"{location.path(f.name)}: sha256 mismatch")
        return problems

    def install(self, model_id: str, progress: ProgressSink = ignore_progress,
                cancel: CancelToken | None = None, target_dir: Path | None = None) -> ModelLocation:
        """Download a model's files (verified, resumable) or pip-install its package."""
        spec = self.spec(model_id)
        cancel = cancel or CancelToken()
        if all(f.url for f in spec.files):
            dest = Path(target_dir or self.user_dir) / spec.id
            dest.mkdir(parents=True, exist_ok=True)
            for f in spec.files:
                assert f.url is not None
                download_file(f.url, dest / f.name, f.sha256, progress=progress, cancel=cancel)
            return ModelLocation(spec, dest, "downloaded")
        if spec.pip_name:
            proc = subprocess.run([sys.executable, "-m", "pip", "install", *spec.pip_name.split()], check=False)
            if proc.returncode != 0:
                raise AvdubError(f"pip could not install {spec.pip_name} (exit code {proc.returncode})")
            importlib.invalidate_caches()
            return self.locate(model_id)
        raise ModelVerifyError(f"model '{model_id}' has no download; {spec.install_hint}")
