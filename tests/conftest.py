"""Shared test fixtures: where the real media and models are, and fresh project folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AVDUB_SHARED") or REPO.parent / "shared").resolve()
MEDIA = SHARED / "media"

# Qt must never look for a display in tests; models are found through the shared folder.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AVDUB_SHARED", str(SHARED))


def media_file(relative: str) -> Path:
    """A clip from the shared media folder, or skip the test with the reason."""
    path = MEDIA / relative
    if not path.is_file():
        pytest.skip(f"test media not available: {path} (set AVDUB_SHARED to the shared folder)")
    return path


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared folder not available: {SHARED}")
    return SHARED


@pytest.fixture
def user_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty per-test user model directory, so tests never touch the real one."""
    path = tmp_path / "user-models"
    monkeypatch.setenv("AVDUB_USER_MODELS", str(path))
    return path


def face_models_registry():
    """The model registry, or a skip naming the face model that is not installed."""
    from engine.models.registry import ModelRegistry

    registry = ModelRegistry.from_environment()
    for model in ("face-landmarker", "yunet"):
        if registry.find(model) is None:
            pytest.skip(f"model '{model}' not installed (avdub models install {model})")
    return registry
