"""Face commands: ``crops`` writes aligned crops, masks and references as PNG for inspection."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.project.store import load_project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crops", help="write face crops, masks and chosen references as PNG")
    p.add_argument("project", type=Path)
    p.add_argument("--out", type=Path, required=True, help="folder to write into")
    p.add_argument("--segment", metavar="ID", help="only the face chosen for this segment, over its span")
    p.add_argument("--frames", type=int, default=12, help="frames per track, evenly spaced (default 12)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_crops)


def cmd_crops(args: argparse.Namespace) -> int:
    from engine.faces.export import export_crops

    folder, project = load_project(args.project)
    written = export_crops(folder, project, args.out, args.segment, args.frames)
    if args.json:
        print(json.dumps({"folders": [str(p) for p in written]}))
    else:
        for p in written:
            print(f"wrote {p}")
    return 0
