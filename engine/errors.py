"""Errors a user can act on.

Every exception here carries a one-line message meant for a person: the CLI prints it on
stderr without a traceback and the studio shows it in a dialog. Anything else that escapes a
stage is a bug and keeps its traceback.
"""

from __future__ import annotations


class AvdubError(Exception):
    """Base of all user-facing errors; ``str(error)`` is a complete sentence."""

    exit_code = 1


class MediaError(AvdubError):
    """A media file is missing, unreadable, truncated or lacks a needed stream."""


class ProjectError(AvdubError):
    """A project folder or its project.json cannot be read, validated or written."""


class ProjectValidationError(ProjectError):
    """project.json parses but a field is wrong; the message names file, field and reason."""

    def __init__(self, file: str, field: str, reason: str):
        self.file, self.field, self.reason = file, field, reason
        super().__init__(f"{file}: field '{field}': {reason}")


class NewerSchemaError(ProjectError):
    """The project was written by a newer avdub than this one."""


class ModelMissingError(AvdubError):
    """A model the work needs is not installed; the message names it and how to install it."""

    def __init__(self, model_id: str, detail: str, install_hint: str):
        self.model_id, self.install_hint = model_id, install_hint
        super().__init__(f"model '{model_id}' is not installed ({detail}); install it with: {install_hint}")


class ModelVerifyError(AvdubError):
    """A model file exists but its checksum does not match the registry."""


class UnsupportedLanguageError(AvdubError):
    """A language or language pair no installed backend supports."""


class StageNotBuiltError(AvdubError):
    """A pipeline stage that this version of avdub does not implement yet."""

    exit_code = 3


class JobCancelled(AvdubError):
    """The user cancelled a job; nothing it would have written was kept."""

    exit_code = 130
