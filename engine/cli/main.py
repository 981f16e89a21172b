"""Entry point of `avdub`: parses arguments, dispatches to command modules, maps errors to exits.

User errors (:class:`engine.errors.AvdubError`) print one line on stderr and exit non-zero
without a traceback; Ctrl-C cancels the running job cleanly (exit 130).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from engine import __version__
from engine.errors import AvdubError

# Each module adds its sub-commands through ``register(subparsers)``.
COMMAND_MODULES = (
    "engine.cli.project_cmds",
    "engine.cli.models_cmds",
    "engine.cli.export_cmds",
    "engine.cli.speech_cmds",
    "engine.cli.faces_cmds",
    "engine.cli.lipsync_cmds",
    "engine.cli.eval_cmds",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="avdub",
        description="Dub lecture videos audio-visually: new voice, new lips.",
    )
    parser.add_argument("--version", action="version", version=f"avdub {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
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
