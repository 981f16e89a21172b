"""The project folder: one lecture, its entities, and how they are saved and loaded.

Public API: the entities from :mod:`engine.project.model` and the folder operations from
:mod:`engine.project.store`.
"""

from engine.project.model import (
    FaceTrack,
    MediaRef,
    Project,
    Segment,
    SegmentFlag,
    Speaker,
    StageRecord,
    Take,
    VoiceSettings,
    Word,
    new_id,
)
from engine.project.store import (
    PROJECT_FILE,
    SCHEMA_VERSION,
    ProjectFolder,
    create_project,
    load_project,
    save_project,
)

__all__ = [
    "FaceTrack", "MediaRef", "Project", "Segment", "SegmentFlag", "Speaker", "StageRecord", "Take",
    "VoiceSettings", "Word", "new_id", "PROJECT_FILE", "SCHEMA_VERSION", "ProjectFolder",
    "create_project", "load_project", "save_project",
]
