"""A small valid project on a real clip, and the malformed variants of its project.json that
the hardening tests feed to avdub (types, ranges, nesting, huge values, paths)."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.media.probe import probe
from engine.project.model import FaceTrack, Segment, Speaker, Take, Word
from engine.project.store import create_project, save_project

OUTSIDE = "outside"  # a folder beside the project holding sentinel files nothing may read


def build(tmp: Path, clip: Path) -> tuple[Path, Path]:
    """(project folder, its video): two segments with words, a take, a face track, a dub track."""
    video = tmp / "lecture.mp4"
    shutil.copy(clip, video)
    root = tmp / "lecture.avdub"
    folder, project = create_project(root, video, probe(video).duration, "es", "en")
    speaker = Speaker("spk-1", "Presenter")
    take = Take("take-1", "cache/speak/t1/take.wav", 1.2, "espeak-ng", "es", 1)
    project.speakers = (speaker,)
    project.face_tracks = (FaceTrack("trk-1", 0, 100, "cache/track/t1", 120.0),)
    project.set_segments([
        Segment("seg-1", 0.5, 2.0, "Hello there.", "Hola.", "spk-1", (Word("Hello", 0.5, 1.0), Word("there.", 1.1, 2.0)),
                takes=(take,), current_take_id="take-1"),
        Segment("seg-2", 2.5, 4.0, "A formula y = mx + b.", "Una fórmula y = mx + b.", "spk-1"),
    ])
    project.dub_track = "cache/fit/f1/dub.wav"
    save_project(folder, project, backup=False)
    outside = tmp / OUTSIDE
    outside.mkdir()
    for name in ("secret.wav", "secret.json", "landmarks.npz"):
        (outside / name).write_bytes(b"sentinel: must never be opened\n")
    return root, video


@dataclass(frozen=True)
class Variant:
    name: str
    change: Callable[[dict], Any]  # edits the document in place, or returns a replacement text


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        *parents, last = _steps(path)
        target = doc
        for step in parents:
            target = target[step]
        target[last] = value
    return change


def _steps(path: str) -> list:
    steps: list = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        steps.append(name)
        if index:
            steps.append(int(index.rstrip("]")))
    return steps


def _text(render: Callable[[dict], str]) -> Callable[[dict], str]:
    return render


def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def _deep_text(doc: dict, depth: int) -> str:
    return '{"deep": ' + "[" * depth + "]" * depth + ", " + json.dumps(doc)[1:]


def _overlap(doc: dict) -> None:
    doc["project"]["segments"][1]["start"] = 1.5


BIG = int("9" * 400)
SEG = "project.segments[0]"
TAKE = f"{SEG}.takes[0]"
TRACK = "project.face_tracks[0]"

VARIANTS: tuple[Variant, ...] = (
    # types
    Variant("document is a list", _text(lambda d: "[]")),
    Variant("document is a string", _text(lambda d: '"project"')),
    Variant("truncated JSON", _text(lambda d: json.dumps(d)[:-40])),
    Variant("schema_version string", _set("schema_version", "1")),
    Variant("schema_version from the future", _set("schema_version", 99)),
    Variant("project is a list", _set("project", [])),
    Variant("segments is a string", _set("project.segments", "x")),
    Variant("segments is an object", _set("project.segments", {"a": 1})),
    Variant("start is a string", _set(f"{SEG}.start", "0.5")),
    Variant("start is true", _set(f"{SEG}.start", True)),
    Variant("start is null", _set(f"{SEG}.start", None)),
    Variant("end is a list", _set(f"{SEG}.end", [])),
    Variant("revision is a float", _set(f"{SEG}.revision", 1.5)),
    Variant("flags unknown", _set(f"{SEG}.flags", ["nope"])),
    Variant("flags a string", _set(f"{SEG}.flags", "overflow")),
    Variant("takes an object", _set(f"{SEG}.takes", {})),
    Variant("words of strings", _set(f"{SEG}.words", ["Hello"])),
    Variant("voice is a number", _set("project.speakers[0].voice", 5)),
    Variant("source is a list", _set("project.source", [])),
    Variant("source duration string", _set("project.source.duration", "5")),
    Variant("target language number", _set("project.target_language", 5)),
    Variant("target language unknown", _set("project.target_language", "xx")),
    Variant("id null", _set("project.id", None)),
    Variant("stages a list", _set("project.stages", [])),
    Variant("unknown field", _set(f"{SEG}.colour", "red")),
    Variant("track start a string", _set(f"{TRACK}.start_frame", "0")),
    # ranges
    Variant("negative start", _set(f"{SEG}.start", -1.0)),
    Variant("end before start", _set(f"{SEG}.end", 0.1)),
    Variant("end 1e308", _set(f"{SEG}.end", 1e308)),
    Variant("end 1e6 on a short video", _set(f"{SEG}.end", 1e6)),
    Variant("start infinite", _text(lambda d: json.dumps(d).replace('"start": 0.5', '"start": Infinity', 1))),
    Variant("start NaN", _text(lambda d: json.dumps(d).replace('"start": 0.5', '"start": NaN', 1))),
    Variant("start 1e400", _text(lambda d: json.dumps(d).replace('"start": 0.5', '"start": 1e400', 1))),
    Variant("overlapping segments", _overlap),
    Variant("word end before start", _set(f"{SEG}.words[0].end", 0.2)),
    Variant("word past the video", _set(f"{SEG}.words[1].end", 500.0)),
    Variant("word confidence 2", _set(f"{SEG}.words[0].confidence", 2.0)),
    Variant("target end before target start", lambda d: d["project"]["segments"][0].update(target_start=1.0, target_end=0.9)),
    Variant("negative take duration", _set(f"{TAKE}.duration", -1.0)),
    Variant("zero stretch", _set(f"{TAKE}.stretch", 0.0)),
    Variant("take from a future revision", _set(f"{TAKE}.made_from_revision", 7)),
    Variant("revision 0", _set(f"{SEG}.revision", 0)),
    Variant("negative size", _set("project.source.size_bytes", -1)),
    Variant("negative start frame", _set(f"{TRACK}.start_frame", -5)),
    Variant("track ends before it starts", _set(f"{TRACK}.end_frame", 0)),
    Variant("negative stage seconds", lambda d: d["project"]["stages"].update(
        transcribe={"input_hash": "x", "finished_at": "2026-01-01T00:00:00+00:00", "seconds": -3})),
    # huge values
    Variant("400-digit revision", _set(f"{SEG}.revision", BIG)),
    Variant("400-digit start", _set(f"{SEG}.start", BIG)),
    Variant("400-digit size", _set("project.source.size_bytes", BIG)),
    Variant("5000-digit integer", _text(lambda d: json.dumps(d).replace('"revision": 1', '"revision": ' + "7" * 5000, 1))),
    Variant("huge negative take duration", _set(f"{TAKE}.duration", -1e300)),
    # nesting
    Variant("nesting 100 in a field", _set(f"{SEG}.source_text", _nested(100))),
    Variant("nesting 1000 in the document", _text(lambda d: _deep_text(d, 1000))),
    Variant("nesting 100000 in the document", _text(lambda d: _deep_text(d, 100_000))),
    # paths
    Variant("dub track escapes", _set("project.dub_track", "../../../../etc/passwd")),
    Variant("dub track to a sentinel", _set("project.dub_track", f"../{OUTSIDE}/secret.wav")),
    Variant("dub track absolute", _set("project.dub_track", "/etc/passwd")),
    Variant("dub track through cache", _set("project.dub_track", f"cache/../../{OUTSIDE}/secret.wav")),
    Variant("dub track windows drive", _set("project.dub_track", "C:\\Windows\\win.ini")),
    Variant("dub track backslashes", _set("project.dub_track", f"..\\{OUTSIDE}\\secret.wav")),
    Variant("dub track empty", _set("project.dub_track", "")),
    Variant("take audio escapes", _set(f"{TAKE}.audio_path", f"../{OUTSIDE}/secret.wav")),
    Variant("take audio absolute", _set(f"{TAKE}.audio_path", "/etc/passwd")),
    Variant("track data escapes", _set(f"{TRACK}.data_path", f"../{OUTSIDE}")),
    Variant("track data absolute", _set(f"{TRACK}.data_path", "/etc")),
    Variant("source path empty", _set("project.source.path", "")),
    Variant("source path with NUL", _set("project.source.path", "video\u0000.mp4")),
)


def variant_text(base: dict, variant: Variant) -> str:
    doc = copy.deepcopy(base)
    out = variant.change(doc)
    return out if isinstance(out, str) else json.dumps(doc, indent=1)
