"""`avdub models list|verify|install`: what models exist, their licences, which are installed, and installing them."""

from __future__ import annotations

import argparse
import json

from engine.cli.progress import TerminalProgress, cancel_on_interrupt
from engine.errors import AvdubError
from engine.models.joining import part_packages
from engine.models.registry import ModelRegistry


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, verify and install models")
    msub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    q = msub.add_parser("list", help="every known model, its licence and where it was found")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)
    q = msub.add_parser("verify", help="check installed models against their sha256")
    q.add_argument("ids", nargs="*", help="model ids (default: every installed model)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_verify)
    q = msub.add_parser("install", help="download (resumable, verified) or pip-install a model")
    q.add_argument("ids", nargs="+")
    q.set_defaults(func=cmd_install)


def cmd_list(args: argparse.Namespace) -> int:
    registry = ModelRegistry.from_environment()
    rows = []
    for spec in registry.specs.values():
        found = registry.find(spec.id)
        if found is not None:
            location: str | None = found.source
        elif registry.joinable(spec.id):
            location = (f"parts in {', '.join(part_packages(spec.files))}; joined into "
                        f"{registry.user_dir / spec.id} on first use")
        else:
            location = None
        rows.append({"id": spec.id, "title": spec.title, "purpose": spec.purpose, "license": spec.license,
                     "non_commercial": spec.non_commercial, "installed": location is not None,
                     "location": location, "install": spec.install_hint})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        where = r["location"] if r["installed"] else f"missing — {r['install']}"
        terms = f"licence: {r['license']}" + ("  [NOT for commercial use]" if r["non_commercial"] else "")
        print(f"{r['id']:<{width}}  {r['title']}\n{'':<{width}}  {terms}\n{'':<{width}}  {where}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    registry = ModelRegistry.from_environment()
    ids = args.ids or [s for s in registry.specs if registry.find(s) is not None]
    results = {mid: registry.verify(mid) for mid in ids}
    if args.json:
        print(json.dumps({mid: {"ok": not problems, "problems": problems} for mid, problems in results.items()}))
    else:
        for mid, problems in results.items():
            print(f"{mid}: {'ok' if not problems else '; '.join(problems)}")
    if any(results.values()):
        raise AvdubError("some models failed verification: " + ", ".join(m for m, p in results.items() if p))
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    registry = ModelRegistry.from_environment()
    bars = TerminalProgress()
    with cancel_on_interrupt() as cancel:
        for mid in args.ids:
            location = registry.install(mid, progress=bars, cancel=cancel)
            bars.close()
            print(f"{mid}: installed in {location.directory}")
    return 0
