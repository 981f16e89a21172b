"""The four speech stages on a real clip: CLI, info JSON, dub track, incremental edits, bad input."""

from __future__ import annotations

import dataclasses
import json

import pytest
import soundfile as sf

from engine.cli.main import main as cli
from engine.errors import UnsupportedLanguageError
from engine.pipeline import Stage
from engine.project.model import SegmentFlag, VoiceSettings
from engine.project.store import load_project
from engine.speech import DUB_SAMPLE_RATE
from tests.conftest import media_file
from tests.integration.speech_helpers import make_video, new_project, run

FAST = {"asr_model": "whisper-tiny-en"}  # English clips: tiny.en keeps the tests short


def espeak_voice(project):
    project.speakers = tuple(dataclasses.replace(s, voice=VoiceSettings("espeak-ng", "pt-br")) for s in project.speakers)


@pytest.fixture(scope="module")
def lecture_pt(tmp_path_factory):
    """lecture_en_25s dubbed into Portuguese with espeak-ng (fast), through transcribe…fit."""
    root = tmp_path_factory.mktemp("speech") / "lecture.avdub"
    folder = new_project(root, media_file("video/lecture_en_25s.mp4"), "pt", "en", **FAST)
    run(folder, Stage.TRANSLATE)
    run(folder, Stage.FIT, edit=espeak_voice)
    return folder


def test_cli_info_json_carries_segments_and_dub_track(lecture_pt, capsys):
    assert cli(["info", str(lecture_pt.root), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {"transcribe": "done", "translate": "done", "speak": "done", "fit": "done"}.items() <= info["stages"].items()
    segs = info["segments"]
    assert len(segs) >= 2
    for s in segs:
        assert {"id", "start", "end", "source_text", "target_text", "take_duration", "fit_ratio", "flags"} <= s.keys()
        assert s["target_text"] and s["take_duration"] > 0.5 and s["fit_ratio"] > 0
    track, sr = sf.read(info["dub_track"])
    assert sr == DUB_SAMPLE_RATE
    assert abs(track.size / sr - info["media"]["duration"]) <= 1 / info["media"]["video"]["fps"]
    assert abs(track).max() > 0.05


def test_cli_export_subtitles_and_voices(lecture_pt, tmp_path, capsys):
    srt, vtt = tmp_path / "t.srt", tmp_path / "b.vtt"
    assert cli(["export", str(lecture_pt.root), "--srt", str(srt)]) == 0
    assert cli(["export", str(lecture_pt.root), "--vtt", str(vtt), "--which", "bilingual"]) == 0
    _, project = load_project(lecture_pt.root)
    assert project.segments[0].target_text in srt.read_text(encoding="utf-8")
    assert project.segments[0].source_text in vtt.read_text(encoding="utf-8")
    capsys.readouterr()
    assert cli(["voices", "pt", "--json"]) == 0
    voices = json.loads(capsys.readouterr().out)
    assert "pt-br" in voices["espeak-ng"]["pt"] and voices["default"]["pt"]


def test_editing_one_translation_respeaks_only_that_segment(lecture_pt):
    _, before = load_project(lecture_pt.root)
    seg = before.segments[1]
    edited = run(lecture_pt, Stage.FIT, only=None,
                 edit=lambda p: p.edit_segment(seg.id, target_text="Um texto novo e curto."))
    assert edited.settings["speech"]["last_speak"] == {"synthesized": 1, "reused": len(before.segments) - 1}
    assert edited.settings["speech"]["last_fit"]["stretched"] <= 1  # only the edited take may need stretching
    for old, new in zip(before.segments, edited.segments):
        if old.id == seg.id:
            assert new.current_take.audio_path != old.current_take.audio_path and not new.is_stale
        else:
            assert new.current_take.audio_path == old.current_take.audio_path
    # Translating again keeps the edit (the machine translation never overwrites it).
    again = run(lecture_pt, Stage.TRANSLATE, edit=lambda p: p.stages.pop("translate"))
    assert again.segment(seg.id).target_text == "Um texto novo e curto."


def test_empty_and_unpronounceable_edits_are_flagged_not_fatal(lecture_pt):
    _, p0 = load_project(lecture_pt.root)
    a, b = p0.segments[0].id, p0.segments[-1].id

    def edit(p):
        p.edit_segment(a, target_text="   ")
        p.edit_segment(b, target_text="A reta y = mx + b 😀 Привет 🎉")

    p = run(lecture_pt, Stage.FIT, edit=edit)
    sa, sb = p.segment(a), p.segment(b)
    assert SegmentFlag.EMPTY_TRANSLATION in sa.flags and sa.current_take is None and sa.target_text == "   "
    assert SegmentFlag.UNPRONOUNCEABLE in sb.flags and sb.current_take is not None
    track, sr = sf.read(lecture_pt.resolve(p.dub_track))
    assert abs(track[: int(sa.end * sr) - int(0.1 * sr)]).max() == 0.0  # the emptied segment is silent
    _, saved = load_project(lecture_pt.root)
    assert saved.segment(a).target_text == "   "  # edits survive the run


def test_silent_video_gives_no_segments_and_a_silent_track(tmp_path):
    video = make_video(tmp_path / "silent.mp4", 3.0, "anullsrc=r=44100:cl=mono")
    folder = new_project(tmp_path / "silent.avdub", video, "pt", "en")
    p = run(folder, Stage.FIT)
    assert p.segments == () and p.settings["speech"]["no_speech"] is True
    track, sr = sf.read(folder.resolve(p.dub_track))
    assert abs(track.size / sr - p.source.duration) < 0.04 and not track.any()


def test_unsupported_pair_fails_clearly_and_keeps_the_transcript(tmp_path):
    folder = new_project(tmp_path / "sw.avdub", media_file("video/vr_face2.mp4"), "sw", "en", **FAST)
    run(folder, Stage.TRANSCRIBE)
    with pytest.raises(UnsupportedLanguageError, match=r"available pairs: .*en→pt"):
        run(folder, Stage.TRANSLATE)
    _, p = load_project(folder.root)
    assert p.segments and p.segments[0].source_text


def test_source_language_is_detected_when_omitted(tmp_path):
    folder = new_project(tmp_path / "auto.avdub", media_file("video/vr_face2.mp4"), "pt", None)
    p = run(folder, Stage.TRANSCRIBE)
    assert p.source_language == "en" and p.segments and p.speakers
    assert all(s.speaker_id == p.speakers[0].id for s in p.segments)


def test_background_mix_puts_the_ducked_original_under_the_dub(lecture_pt):
    def bg(on):
        return lambda p: p.settings["speech"].update(background=on)

    plain = run(lecture_pt, Stage.FIT, edit=bg(False))
    dry, sr = sf.read(lecture_pt.resolve(plain.dub_track))
    mixed_p = run(lecture_pt, Stage.FIT, edit=bg(True))
    mixed, _ = sf.read(lecture_pt.resolve(mixed_p.dub_track))
    assert mixed.size == dry.size and mixed_p.dub_track != plain.dub_track
    diff = mixed - dry
    assert 0.001 < abs(diff).mean() < 0.1  # the original is there, well under the dub
    run(lecture_pt, Stage.FIT, edit=bg(False))


def test_an_unknown_voice_stops_with_a_clear_error_and_the_project_stays_intact(lecture_pt):
    from engine.errors import AvdubError

    _, p0 = load_project(lecture_pt.root)

    def edit(p):
        p.speakers = tuple(dataclasses.replace(s, voice=VoiceSettings("espeak-ng", "xx-nonexistent"))
                           for s in p.speakers)

    with pytest.raises(AvdubError, match="xx-nonexistent"):
        run(lecture_pt, Stage.FIT, edit=edit)
    _, p1 = load_project(lecture_pt.root)
    assert [s.target_text for s in p1.segments] == [s.target_text for s in p0.segments]
    assert p1.dub_track == p0.dub_track
