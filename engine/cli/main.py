"""Entry point of `avdub`: parses arguments, dispatches to command modules, maps errors to exits.

User errors (:class:`engine.errors.AvdubError`) print one line on stderr and exit non-zero
without a traceback; Ctrl-C cancels the running job cleanly (exit 130).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from engine import __version__
from engine.cli import eval_cmds, export_cmds, faces_cmds, lipsync_cmds, models_cmds, project_cmds, speech_cmds
from engine.errors import AvdubError

# Each module adds its sub-commands through ``register(subparsers)``.
COMMAND_MODULES = (project_cmds, models_cmds, export_cmds, speech_cmds, faces_cmds, lipsync_cmds, eval_cmds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="avdub",
        description="Dub lecture videos audio-visually: new voice, new lips.",
    )
    parser.add_argument("--version", action="version", version=f"avdub {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AvdubError as exc:
        print(f"avdub: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("avdub: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
