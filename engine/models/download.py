"""Resumable, verified HTTP downloads.

Bytes go to ``NAME.part``; a later attempt asks the server for the rest with a Range
request (a server that ignores it answers 200 and the file starts over). Only a complete
file whose sha256 matches is renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from engine.errors import AvdubError, JobCancelled, ModelVerifyError
from engine.jobs.events import CancelToken, Progress, ProgressSink, ignore_progress

CHUNK = 1 << 16


def download_file(url: str, dest: Path, sha256: str | None, progress: ProgressSink = ignore_progress,
                  cancel: CancelToken | None = None, timeout: float = 60.0) -> Path:
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    if dest.is_file() and (sha256 is None or _sha256(dest) == sha256):
        return dest
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the part file is already complete
            response = None
        else:
            raise AvdubError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise AvdubError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from None
    if response is not None:
        with response:
            resumed = response.status == 206
            if not resumed:
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
                    progress(Progress("download", have, total, dest.name))
                out.flush()
                os.fsync(out.fileno())
            if total and have < total:
                raise AvdubError(f"download of {url} stopped at {have} of {total} bytes; run it again to resume")
    if sha256 is not None and _sha256(part) != sha256:
        part.unlink(missing_ok=True)
        raise ModelVerifyError(f"{dest.name} from {url} failed its sha256 check; the damaged download was removed")
    os.replace(part, dest)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
