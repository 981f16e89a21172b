"""The assembled dub audio (``project.dub_track``) for the stages that use it, or a clear error.

The fit stage writes the dub track; the lip-sync stage hears it, the render stage muxes it and
the export stage splits it into stems. A project records the dub's path; the file may since
have gone (a cleared cache), which is a user error naming the stage that makes it again.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import ProjectError
from engine.project.model import Project
from engine.project.store import ProjectFolder


def dub_track(folder: ProjectFolder, project: Project) -> Path | None:
    """The dub's file, or None before the fit stage has assembled one; ProjectError when it is recorded but gone."""
    if not project.dub_track:
        return None
    path = folder.resolve(project.dub_track)
    if not path.is_file():
        raise ProjectError(f"the dub track {path} is missing; run the fit stage again")
    return path


def require_dub_track(folder: ProjectFolder, project: Project) -> Path:
    """The dub's file; ProjectError when there is none yet or it is gone."""
    path = dub_track(folder, project)
    if path is None:
        raise ProjectError("the project has no dub track yet; run: avdub run PROJECT --until fit")
    return path
