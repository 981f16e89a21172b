"""Is the file at the project's source path still the video the project was made from?

Every stage's results (transcript, takes, face tracks, the fine-tuned model) belong to one
video. The project stores its size and a content fingerprint (:func:`engine.fsutil.file_fingerprint`:
three 1 MiB samples, cheap on any length); :func:`source_change` compares them with the file now
at the source path. The pipeline asks before any stage runs and ``avdub info`` before it calls a
stage done, so a clip copied over the source never passes as the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.errors import ProjectError
from engine.fsutil import file_fingerprint
from engine.project.model import Project
from engine.project.store import ProjectFolder


class SourceChangedError(ProjectError):
    """The file at the project's source path is not the video the project was made from."""


@dataclass(frozen=True)
class SourceChange:
    path: Path
    stored_size: int
    size: int

    def describe(self, root: Path) -> str:
        what = (f"its size changed from {self.stored_size} to {self.size} bytes" if self.size != self.stored_size
                else "its content differs (same size)")
        return (f"the project's video {self.path} is not the one the project was made from ({what}); every stage "
                f"is stale. Put the original back, or if it moved: avdub relink {root} ORIGINAL_VIDEO")


def source_change(folder: ProjectFolder, project: Project) -> SourceChange | None:
    """How the source differs from the one the project stored; None when it is the same file.
    A missing source raises the usual MediaError (from :meth:`ProjectFolder.source_path`)."""
    path = folder.source_path(project)
    try:
        size = path.stat().st_size
        same = size == project.source.size_bytes and file_fingerprint(path) == project.source.fingerprint
    except OSError as exc:
        raise ProjectError(f"cannot read the project's video {path}: {exc.strerror or exc}") from None
    return None if same else SourceChange(path, project.source.size_bytes, size)


def require_same_source(folder: ProjectFolder, project: Project) -> Path:
    """The source path, or SourceChangedError saying what changed and what to do."""
    change = source_change(folder, project)
    if change is not None:
        raise SourceChangedError(change.describe(folder.root))
    return folder.source_path(project)
