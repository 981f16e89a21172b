"""Errors a user can act on.

Every exception here carries a one-line message meant for a person: the CLI prints it on
stderr without a traceback and the studio shows it in a dialog. Anything else that escapes a
stage is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno


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


class DiskError(AvdubError):
    """The disk refused a write: full, over quota, read-only or not permitted. Nothing was lost:
    every write is atomic, so the previous files are as they were."""


# What a disk says when it refuses a write, and what the user can do about it.
_DISK_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "the disk quota is used up; free some space and try again",
    errno.EFBIG: "the file would exceed a file size limit",
    errno.EROFS: "the file system is read-only; copy the project to a writable place",
    errno.EACCES: "permission denied; check who owns the folder",
    errno.EPERM: "the operation is not permitted here; check who owns the folder",
}


def disk_error(exc: OSError) -> DiskError | None:
    """The one-line user error for a refused write, or None when ``exc`` is something else (a bug
    that should keep its traceback)."""
    advice = _DISK_ADVICE.get(exc.errno) if exc.errno is not None else None
    if advice is None:
        return None
    verb = "cannot access" if exc.errno in (errno.EACCES, errno.EPERM) else "cannot write"
    where = f" {exc.filename}" if exc.filename else ""
    return DiskError(f"{verb}{where}: {exc.strerror or exc} ({advice}); nothing was lost")
