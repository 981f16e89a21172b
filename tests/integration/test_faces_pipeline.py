"""Faces with the real MediaPipe model on real clips: track, identity round trip, bad input.

Every test runs the real detector and encoder on short clips (≤ 2.5 s), or on media made
from them with ffmpeg; the all-clips acceptance figures live in benchmarks/faces.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from engine.cli.main import main as cli_main
from engine.faces.quality import face_psnr
from engine.faces.store import iter_track_frames, load_track
from engine.media import iter_frames, probe
from engine.pipeline import ContextFactory, RunOptions, Stage, plan, run_stages
from engine.project.model import Segment, SegmentFlag
from engine.project.store import create_project, load_project
from tests.conftest import face_models_registry, media_file


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def project_for(video: Path, root: Path, segments: list[Segment] = ()):
    folder, project = create_project(root, video, probe(video).duration, "pt")
    if segments:
        project.set_segments(segments)
    return folder, project


def run(folder, project, *stages: Stage, **extra) -> None:
    factory = ContextFactory(folder, project, face_models_registry(), RunOptions(extra=extra))
    for stage in stages:
        run_stages(factory, plan(only=stage))


@pytest.mark.parametrize("clip", ["video/vr_face1.mp4", "video/vr_face5.mp4"])
def test_identity_round_trip_reproduces_the_source(clip, tmp_path):
    """Track, then render the original crops back: PSNR ≥ 40 dB inside the face (vr_face1 is VFR)."""
    video = media_file(clip)
    folder, project = project_for(video, tmp_path / "p")
    run(folder, project, Stage.TRACK, Stage.RENDER)
    assert len(project.face_tracks) == 1 and not project.face_tracks[0].low_quality
    track = load_track(folder, project.face_tracks[0])
    info, out = probe(video).require_video(), probe(folder.exports_dir / "dubbed.mp4")
    assert out.require_video().display_size == info.display_size
    assert out.require_video().frame_count == info.frame_count == track.end_frame
    assert abs(out.duration - probe(video).duration) < 0.1
    assert out.audio is not None  # the source audio when there is no dub track
    q = face_psnr(video, folder.exports_dir / "dubbed.mp4", [track])
    assert q.face_frames == info.frame_count
    assert q.psnr >= 40.0, q


def test_replace_blend_round_trip_on_a_small_face_and_crops_api(tmp_path):
    """The paper's plain alpha blend: the warp back must land every pixel where it came from."""
    video = media_file("video/lecture_en_25s.mp4")  # 256×256, eyes ~58 px apart: crops upsample
    short = tmp_path / "lecture.mp4"
    ffmpeg("-i", str(video), "-t", "2", "-c:v", "libx264", "-crf", "10", "-c:a", "copy", str(short))
    folder, project = project_for(short, tmp_path / "p")
    run(folder, project, Stage.TRACK)
    run(folder, project, Stage.RENDER, render={"blend": "replace", "watermark": False})
    (tr,) = project.face_tracks
    assert tr.low_quality and tr.mean_eye_distance < 80  # flagged, as the paper filters
    data = load_track(folder, tr)
    assert face_psnr(short, folder.exports_dir / "dubbed.mp4", [data]).psnr >= 40.0
    frames = list(iter_track_frames(folder, project, tr.id, tr.start_frame + 3, tr.start_frame + 6))
    assert [f.index for f in frames] == [3, 4, 5]
    f = frames[0]
    assert f.crop.shape == (256, 256, 3) and f.crop.dtype == np.uint8 and f.landmarks.shape == (478, 2)
    eyes_y = (f.landmarks[33, 1] + f.landmarks[263, 1]) / 2
    assert abs(eyes_y - 0.22 * 256) < 3 and f.landmarks[152, 1] > f.landmarks[13, 1] > eyes_y

    # `avdub crops` writes crops, masks and references (never the exported frames) for a person to look at
    assert cli_main(["crops", str(folder.root), "--out", str(tmp_path / "crops"), "--frames", "4"]) == 0
    (out,) = (tmp_path / "crops").iterdir()
    names = sorted(p.name for p in out.iterdir())
    assert sum(n.startswith("crop_") for n in names) == 4 and "sheet.png" in names
    refs = [n for n in names if n.startswith("ref_")]
    crops = {n[5:11] for n in names if n.startswith("crop_")}
    assert len(refs) == 10 and not {n[-10:-4] for n in refs} & crops


def test_no_face_stretch_is_flagged_and_untouched(tmp_path):
    video = media_file("video/vr_face5.mp4")
    clip = tmp_path / "gap.mp4"
    # 1 s of face, 1 s of a plain wall (a cut), 1 s of face
    ffmpeg("-i", str(video), "-f", "lavfi", "-i", "color=c=gray:s=524x524:r=25:d=1",
           "-filter_complex", "[0:v]trim=0:1,setpts=PTS-STARTPTS[a];[0:v]trim=2:3,setpts=PTS-STARTPTS[b];"
           "[a][1:v][b]concat=n=3:v=1[v]", "-map", "[v]", "-an", "-c:v", "libx264", "-crf", "12", "-r", "25", str(clip))
    seg_face = Segment("seg-a", 0.1, 0.9)
    seg_wall = Segment("seg-b", 1.2, 1.8)
    folder, project = project_for(clip, tmp_path / "p", [seg_face, seg_wall])
    run(folder, project, Stage.TRACK, Stage.RENDER)
    faces = project.settings["faces"]
    assert len(project.face_tracks) == 2 and faces["cuts"] == [25, 50]
    assert any(s <= 26 and e >= 49 for s, e in faces["no_face_spans"])
    assert SegmentFlag.NO_FACE in project.segment("seg-b").flags
    assert SegmentFlag.NO_FACE not in project.segment("seg-a").flags
    assert faces["speaking"]["seg-a"] == project.face_tracks[0].id
    out = folder.exports_dir / "dubbed.mp4"
    assert probe(out).audio is None  # a source without sound renders without sound
    for a, b in zip(iter_frames(clip, 30, 45), iter_frames(out, 30, 45)):
        assert np.abs(a.image[:300].astype(int) - b.image[:300].astype(int)).mean() < 2.0  # only encoding noise


def test_two_faces_two_tracks_and_the_editor_override(tmp_path):
    left, right = media_file("video/vr_face5.mp4"), media_file("video/vr_face3.mp4")
    clip = tmp_path / "two.mp4"
    ffmpeg("-i", str(left), "-i", str(right), "-filter_complex",
           "[0:v]trim=0:1.5,setpts=PTS-STARTPTS,scale=400:400[a];[1:v]trim=0:1.5,setpts=PTS-STARTPTS,scale=400:400[b];"
           "[a][b]hstack[v]", "-map", "[v]", "-map", "0:a", "-t", "1.5", "-c:v", "libx264", "-crf", "14", str(clip))
    folder, project = project_for(clip, tmp_path / "p", [Segment("seg-a", 0.0, 1.4)])
    run(folder, project, Stage.TRACK)
    assert len(project.face_tracks) == 2
    chosen = project.settings["faces"]["speaking"]["seg-a"]
    other = next(t.id for t in project.face_tracks if t.id != chosen)
    project.edit_segment("seg-a", face_track_id=other)
    run(folder, project, Stage.TRACK)
    assert project.settings["faces"]["speaking"]["seg-a"] == other
    _, reloaded = load_project(folder.root)
    assert reloaded.segment("seg-a").face_track_id == other
    assert cli_main(["crops", str(folder.root), "--out", str(tmp_path / "crops"), "--segment", "seg-a", "--frames", "2"]) == 0
    assert [p.name for p in (tmp_path / "crops").iterdir()] == [f"seg-a_{other}"]


def test_rotated_small_and_leaving_faces(tmp_path):
    video = media_file("video/vr_face5.mp4")
    # rotation metadata: stored sideways (524×400 becomes 400×524 coded), displayed upright
    side = tmp_path / "side.mp4"
    ffmpeg("-i", str(video), "-t", "1", "-vf", "crop=524:400:0:40,transpose=1", "-c:v", "libx264", "-crf", "14", "-c:a", "copy", str(side))
    rotated = tmp_path / "rotated.mp4"
    ffmpeg("-i", str(side), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated))
    assert probe(rotated).require_video().rotation in (90, 270)
    folder, project = project_for(rotated, tmp_path / "rot")
    run(folder, project, Stage.TRACK, Stage.RENDER)
    assert len(project.face_tracks) == 1
    out = probe(folder.exports_dir / "dubbed.mp4").require_video()
    assert out.display_size == (524, 400) and out.rotation == 0

    # a small face (eye distance well under 80 px): tracked, flagged low quality
    small = tmp_path / "small.mp4"
    ffmpeg("-i", str(video), "-t", "1", "-vf", "scale=200:200", "-c:v", "libx264", "-crf", "14", str(small))
    folder, project = project_for(small, tmp_path / "small")
    run(folder, project, Stage.TRACK)
    assert len(project.face_tracks) == 1 and project.face_tracks[0].low_quality

    # the face slides out of the frame: the track ends, frames after it are untouched
    leaving = tmp_path / "leaving.mp4"
    ffmpeg("-i", str(video), "-t", "2", "-vf", "pad=1100:524:0:0,crop=524:524:'min(576,t*500)':0",
           "-c:v", "libx264", "-crf", "14", str(leaving))
    folder, project = project_for(leaving, tmp_path / "leave")
    run(folder, project, Stage.TRACK, Stage.RENDER)
    assert project.face_tracks and project.face_tracks[-1].end_frame < 50
    assert project.settings["faces"]["no_face_spans"][-1][1] == 50


def test_single_frame_video(tmp_path):
    video = media_file("video/vr_face5.mp4")
    one = tmp_path / "one.mp4"
    ffmpeg("-i", str(video), "-frames:v", "1", "-c:v", "libx264", "-crf", "14", "-an", str(one))
    folder, project = project_for(one, tmp_path / "p")
    run(folder, project, Stage.TRACK, Stage.RENDER)
    assert [(t.start_frame, t.end_frame) for t in project.face_tracks] == [(0, 1)]
    assert probe(folder.exports_dir / "dubbed.mp4").require_video().frame_count == 1
