"""Resumable, verified HTTP downloads.

Bytes go to ``NAME.part``; a later attempt asks the server for the rest with a Range
request (a server that ignores it answers 200, or a range that does not start where the part
ends, and the file starts over). Only a complete file whose pinned sha256 matches is renamed
into place: a download with no sha256 to check is refused before any byte travels, and a file
that fails the check is removed with a message that says so. A server that answers 416 (no
bytes past the part) either has the whole file in the part already, which the sha256 shows, or
the part is garbage: it is removed and the download starts over once.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from http.client import HTTPResponse
from pathlib import Path

from engine.errors import AvdubError, JobCancelled, ModelVerifyError
from engine.fsutil import sha256_file
from engine.jobs.events import CancelToken, Progress, ProgressSink, ignore_progress

CHUNK = 1 << 16
_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")


def download_file(url: str, dest: Path, sha256: str | None, progress: ProgressSink = ignore_progress,
                  cancel: CancelToken | None = None, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` (resuming ``dest.part``) and check it against ``sha256``."""
    dest = Path(dest)
    if not sha256:
        raise ModelVerifyError(f"refusing to download {dest.name} from {url}: no pinned sha256 to check it against")
    part = dest.with_name(dest.name + ".part")
    if dest.is_file() and sha256_file(dest) == sha256:
        return dest
    have = part.stat().st_size if part.exists() else 0
    response = _open(url, have, timeout)
    if response is None:  # 416: nothing past the part; complete, or garbage to drop
        if sha256_file(part) != sha256:
            part.unlink()
            have = 0
            response = _open(url, 0, timeout)
    if response is not None:
        with response:
            _receive(response, url, part, have, dest.name, progress, cancel, timeout)
    got = sha256_file(part)
    if got != sha256:
        part.unlink(missing_ok=True)
        raise ModelVerifyError(f"{dest.name} from {url} failed its sha256 check (got {got[:12]}…, expected "
                               f"{sha256[:12]}…); the damaged download was removed")
    os.replace(part, dest)
    return dest


def _open(url: str, have: int, timeout: float) -> HTTPResponse | None:
    """The server's answer for bytes ``have``.. of ``url``; None for a 416 to a resume."""
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return None
        raise AvdubError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise AvdubError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from None


def _receive(response: HTTPResponse, url: str, part: Path, have: int, label: str, progress: ProgressSink,
             cancel: CancelToken | None, timeout: float) -> None:
    """Append the response's body to ``part`` (or rewrite it when the server sent the whole file)."""
    resumed = response.status == 206
    if resumed:
        match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        if match is None or int(match.group(1)) != have:  # not the rest of our part: start over
            response.close()
            part.unlink(missing_ok=True)
            fresh = _open(url, 0, timeout)
            assert fresh is not None  # a request without Range never gets the resume's 416 path
            with fresh:
                _receive(fresh, url, part, 0, label, progress, cancel, timeout)
            return
    else:
        have = 0
    length = response.headers.get("Content-Length")
    total = have + int(length) if length and length.isdigit() else 0
    with open(part, "ab" if resumed else "wb") as out:
        while True:
            if cancel is not None and cancel.cancelled:
                raise JobCancelled("download cancelled; it resumes from here next time")
            block = response.read(CHUNK)
            if not block:
                break
            out.write(block)
            have += len(block)
            progress(Progress("download", have, total, label))
        out.flush()
        os.fsync(out.fileno())
    if total and have < total:
        raise AvdubError(f"download of {url} stopped at {have} of {total} bytes; run it again to resume")
