"""Entry point of `avdub`: parses arguments, dispatches to command modules, maps errors to exits.

User errors (:class:`engine.errors.AvdubError`) print one line on stderr and exit non-zero
without a traceback; so do refused writes (a full, read-only or forbidden disk: an ``OSError``
that :func:`engine.errors.disk_error` recognises). Ctrl-C cancels the running job cleanly
(exit 130). :func:`entry` is the process's entry point: it also makes a Ctrl-C during start-up
(while the command modules import) or during shutdown exit 130 without a traceback.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

CANCELLED_EXIT = 130  # 128 + SIGINT, the shell's convention for "stopped by Ctrl-C"


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from engine import __version__
    from engine.cli import eval_cmds, export_cmds, faces_cmds, lipsync_cmds, models_cmds, project_cmds, speech_cmds

    parser = argparse.ArgumentParser(
        prog="avdub",
        description="Dub lecture videos audio-visually: new voice, new lips.",
    )
    parser.add_argument("--version", action="version", version=f"avdub {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Each module adds its sub-commands; imported here, after entry() has taken over Ctrl-C.
    for module in (project_cmds, models_cmds, export_cmds, speech_cmds, faces_cmds, lipsync_cmds, eval_cmds):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command in this process; returns the exit status."""
    from engine.errors import AvdubError, disk_error

    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except AvdubError as exc:
        print(f"avdub: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        refused = disk_error(exc)
        if refused is None:
            raise  # not the disk's doing: a bug, which keeps its traceback
        print(f"avdub: error: {refused}", file=sys.stderr)
        return refused.exit_code
    except KeyboardInterrupt:
        print("avdub: cancelled", file=sys.stderr)
        return CANCELLED_EXIT


def entry(argv: Sequence[str] | None = None) -> int:
    """The `avdub` process: :func:`main`, with Ctrl-C covered from the first to the last moment."""
    signal.signal(signal.SIGINT, _exit_cancelled)  # start-up: nothing to undo yet
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here: KeyboardInterrupt, caught
        code = main(argv)
    except KeyboardInterrupt:  # between the handler swap and main's own try
        print("avdub: cancelled", file=sys.stderr)
        code = CANCELLED_EXIT
    finally:
        signal.signal(signal.SIGINT, _exit_cancelled)  # shutdown: the work is done or undone
    _flush()
    return code


def _exit_cancelled(signum: int, frame: object) -> None:
    _flush()
    os.write(2, b"avdub: cancelled\n")
    os._exit(CANCELLED_EXIT)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError, RuntimeError):
            pass  # a closed pipe, or a flush the signal interrupted


if __name__ == "__main__":
    sys.exit(entry())
