"""The model registry: every model file avdub uses, where to find it, how to install it."""

from engine.models.catalog import CATALOG
from engine.models.download import download_file
from engine.models.registry import ModelLicence, ModelLocation, ModelRegistry
from engine.models.spec import ModelFile, ModelSpec

__all__ = [
    "CATALOG", "download_file", "ModelFile", "ModelLicence", "ModelLocation", "ModelRegistry", "ModelSpec",
]
