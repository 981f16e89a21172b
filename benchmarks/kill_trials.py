"""Kill trials: random SIGKILLs during real `avdub run`s and during save loops, then checks.

Each trial copies a small base project (a short clip from the shared media, three segments
voiced by espeak-ng), starts a real `avdub run` of the cheap speech stages (speak, then fit)
or a loop of project saves, and kills it with SIGKILL at a random moment. It then checks that
project.json loads, that every backup parses, and, after the next run completes, that no
temporary file or folder is left anywhere in the project. Prints JSON::

    {"tried": N, "held": N, "failed": N, "runs": …, "saves": …, "failures": [...], …}

A trial *holds* when every check passes. Usage::

    python benchmarks/kill_trials.py --trials 100 [--seed 1] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from engine.fsutil import TEMP_MARK  # noqa: E402
from engine.media.probe import probe  # noqa: E402
from engine.project.model import Segment, Speaker, VoiceSettings  # noqa: E402
from engine.project.store import ProjectFolder, create_project, load_project, parse_document, save_project  # noqa: E402

SAVE_LOOP_SECONDS = 4.0  # about 1 s of start-up, then hundreds of saves
CLIP = "video/vr_face1.mp4"  # 6 s: the speech stages take a few seconds on a CPU
TEXTS = ("Olá a todos.", "Hoje falamos de física.", "Até logo.")
# A save loop: edits a setting and saves, as the studio does on every save, as fast as it can.
SAVE_LOOP = """
import sys
from engine.project.store import load_project, save_project
folder, project = load_project(sys.argv[1])
for i in range(100000):
    project.settings["edit"] = i
    project.settings["note"] = "x" * (i % 4000)  # sizes vary, so a torn file is visible
    save_project(folder, project)
"""


def media_root() -> Path:
    return Path(os.environ.get("AVDUB_SHARED", "/work/shared")) / "media"


def make_base_project(root: Path) -> ProjectFolder:
    """A project on a short real clip with three espeak-ng segments, ready for speak and fit."""
    video = media_root() / CLIP
    folder, project = create_project(root, video, probe(video).duration, "pt", "en")
    project.speakers = (Speaker("spk-1", "Presenter", VoiceSettings("espeak-ng", "pt-br")),)
    span = project.source.duration / len(TEXTS)
    project.set_segments([Segment(f"seg-{i}", round(i * span + 0.1, 3), round((i + 1) * span - 0.1, 3),
                                  f"Text {i}.", text, speaker_id="spk-1") for i, text in enumerate(TEXTS)])
    save_project(folder, project)
    return folder


def avdub_command(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "engine.cli.main", "run", str(project), *args]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def leftovers(root: Path) -> list[str]:
    """Temporary files and folders anywhere under the project."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if TEMP_MARK in p.name)


def check_loads(root: Path) -> list[str]:
    problems = []
    try:
        load_project(root)
    except Exception as exc:  # any failure to load is what the trial looks for
        problems.append(f"project.json does not load: {exc}")
    for backup in sorted((root / "backups").glob("*.json")):
        try:
            parse_document(backup.read_text(encoding="utf-8"), str(backup))
        except Exception as exc:
            problems.append(f"backup {backup.name} does not parse: {exc}")
    return problems


@dataclass(frozen=True)
class Trial:
    kind: str  # "run" or "save"
    delay: float  # s after start when SIGKILL was sent
    killed: bool  # False: it had finished before the kill
    temporaries: int  # left by the killed process, for the next run to remove
    problems: tuple[str, ...]


def kill_after(cmd: list[str], delay: float) -> bool:
    proc = subprocess.Popen(cmd, cwd=REPO, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def finish(cmd: list[str]) -> str | None:
    """Run to completion; the error text when it fails."""
    done = subprocess.run(cmd, cwd=REPO, env=environment(), capture_output=True, text=True, timeout=600)
    return None if done.returncode == 0 else f"rc {done.returncode}: {done.stderr.strip()[-300:]}"


def run_trial(bases: dict[str, Path], work: Path, kind: str, delay: float) -> Trial:
    """``kind``: "speak" (killed mid-speak on a fresh project), "fit" (mid-fit, takes spoken) or
    "save" (mid save loop)."""
    root = work / "p.avdub"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(bases["fresh" if kind == "speak" else "spoken"], root, symlinks=True)
    if kind == "save":
        cmd, again = [sys.executable, "-c", SAVE_LOOP, str(root)], avdub_command(root, "--only", "speak")
    else:
        cmd = again = avdub_command(root, "--only", kind)
    killed = kill_after(cmd, delay)
    temporaries = len(leftovers(root))
    problems = check_loads(root)
    if not problems:  # the next successful run leaves nothing behind
        error = finish(again)
        if error:
            problems.append(f"the next run failed: {error}")
        problems += [f"left behind: {name}" for name in leftovers(root)]
    return Trial(kind, round(delay, 3), killed, temporaries, tuple(problems))


def prepare_bases(work: Path) -> tuple[dict[str, Path], dict[str, float]]:
    """The fresh project and one whose speak stage ran; how long speak and fit take here."""
    fresh = make_base_project(work / "fresh.avdub").root
    spoken = work / "spoken.avdub"
    shutil.copytree(fresh, spoken, symlinks=True)
    seconds = {}
    for stage, root in (("speak", spoken), ("fit", work / "timing.avdub")):
        if stage == "fit":  # timed on a copy: the spoken base keeps fit to do
            shutil.copytree(spoken, root, symlinks=True)
        t0 = time.monotonic()
        error = finish(avdub_command(root, "--only", stage))
        if error:
            raise SystemExit(f"the {stage} stage does not run here: {error}")
        seconds[stage] = time.monotonic() - t0
    shutil.rmtree(work / "timing.avdub")
    return {"fresh": fresh, "spoken": spoken}, seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save-share", type=float, default=0.5, help="share of trials that kill a save loop")
    parser.add_argument("--work", type=Path, default=None, help="where projects are made (default: a temp dir)")
    args = parser.parse_args(argv)
    random.seed(args.seed)
    t0 = time.monotonic()
    work = Path(args.work or tempfile.mkdtemp(prefix="avdub-kill-"))
    work.mkdir(parents=True, exist_ok=True)
    bases, seconds = prepare_bases(work)
    trials: list[Trial] = []
    for _ in range(args.trials):
        kind = "save" if random.random() < args.save_share else random.choice(("speak", "speak", "fit"))
        delay = random.uniform(0.0, seconds[kind] if kind != "save" else SAVE_LOOP_SECONDS)
        trials.append(run_trial(bases, work, kind, delay))
        t = trials[-1]
        print(f"{len(trials):4d} {t.kind:<5} {t.delay:6.2f} s killed={t.killed} temporaries={t.temporaries} "
              f"{'held' if not t.problems else 'FAILED: ' + '; '.join(t.problems)}", file=sys.stderr, flush=True)
    failed = [t for t in trials if t.problems]
    result = {
        "tried": len(trials), "held": len(trials) - len(failed), "failed": len(failed),
        "runs": sum(t.kind != "save" for t in trials), "saves": sum(t.kind == "save" for t in trials),
        "killed_mid_way": sum(t.killed for t in trials),
        "kills_that_left_temporaries": sum(t.temporaries > 0 for t in trials),
        "by_kind": {kind: {"tried": sum(t.kind == kind for t in trials),
                           "left_temporaries": sum(t.kind == kind and t.temporaries > 0 for t in trials),
                           "failed": sum(t.kind == kind and bool(t.problems) for t in trials)}
                    for kind in ("speak", "fit", "save")},
        "unloadable_projects": sum(any("project.json" in p for p in t.problems) for t in trials),
        "unparsable_backups": sum(any(p.startswith("backup") for p in t.problems) for t in trials),
        "left_temporaries": sum(any(p.startswith("left behind") for p in t.problems) for t in trials),
        "stage_seconds": {k: round(v, 2) for k, v in seconds.items()}, "seconds": round(time.monotonic() - t0, 1),
        "failures": [{"kind": t.kind, "delay": t.delay, "problems": list(t.problems)} for t in failed][:10],
    }
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
