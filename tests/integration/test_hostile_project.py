"""Malformed and hostile project.json files: refused at load with one line naming file, field
and reason, the file left byte-identical, no traceback from `avdub info`, `run` or `export`,
and no file outside the project (or its video) ever opened."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.errors import ProjectError
from engine.project.store import load_project
from tests.conftest import media_file
from tests.integration.hostile_project import OUTSIDE, VARIANTS, build, variant_text

_OPENED: list[str] = []
_RECORDING: list[bool] = [False]


def _audit(event: str, args: tuple) -> None:
    if _RECORDING[0] and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(args[0], "utf-8", "replace") if isinstance(args[0], bytes) else str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("hostile")
    root, video = build(tmp, media_file("video/vr_face2.mp4"))
    return tmp, root, video, json.loads((root / "project.json").read_text(encoding="utf-8"))


def _outside_reads(tmp: Path, root: Path, video: Path) -> list[str]:
    bad = []
    for name in _OPENED:
        path = Path(name) if Path(name).is_absolute() else Path.cwd() / name
        text = str(path)
        if text.startswith(str(tmp / OUTSIDE)) or text == "/etc/passwd" or text.startswith("/etc/win"):
            bad.append(text)
    return bad


def test_there_are_enough_variants() -> None:
    assert len(VARIANTS) >= 50 and len({v.name for v in VARIANTS}) == len(VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_variant_is_refused_cleanly_and_reads_nothing_outside(variant, hostile, capsys) -> None:
    tmp, root, video, base = hostile
    text = variant_text(base, variant)
    (root / "project.json").write_text(text, encoding="utf-8")
    before = (root / "project.json").read_bytes()
    _OPENED.clear()
    _RECORDING[0] = True
    try:
        with pytest.raises(ProjectError) as refused:
            load_project(root)
        message = str(refused.value)
        assert "\n" not in message and str(root / "project.json") in message, message
        codes = [main(["info", str(root)]), main(["run", str(root), "--only", "fit"]),
                 main(["export", str(root), "--srt", str(tmp / "out.srt"), "--stems", str(tmp / "stems")]),
                 main(["export", str(root), "--archive", str(tmp / "out.zip")])]
    finally:
        _RECORDING[0] = False
    err = capsys.readouterr().err
    assert all(code != 0 for code in codes), codes
    lines = err.strip().splitlines()
    assert len(lines) == 4 and all(ln.startswith("avdub: error: ") for ln in lines), err
    assert (root / "project.json").read_bytes() == before
    assert not (tmp / "out.srt").exists() and not (tmp / "out.zip").exists()
    assert _outside_reads(tmp, root, video) == []


def test_the_base_project_itself_loads(hostile) -> None:
    tmp, root, video, base = hostile
    (root / "project.json").write_text(json.dumps(base, indent=1), encoding="utf-8")
    load_project(root)


def test_the_audit_sees_a_read_outside(hostile) -> None:
    tmp, root, video, _ = hostile
    _OPENED.clear()
    _RECORDING[0] = True
    try:
        (tmp / OUTSIDE / "secret.wav").read_bytes()
    finally:
        _RECORDING[0] = False
    assert _outside_reads(tmp, root, video) == [str(tmp / OUTSIDE / "secret.wav")]
