"""Lip-sync in the project pipeline, on a real clip with the real face tracker.

vr_face1.mp4 (135 VFR frames, one presenter) is tracked once per module; each test works on
its own copy of that project. The model is the ``cpu`` preset trained for a few steps: these
tests check the plumbing (windows, leak rules, resume, chunks, caching, paste), not quality.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.cli.main import main as cli_main
from engine.errors import JobCancelled, ProjectError
from engine.faces.align import crop, footprint, warp_back
from engine.faces.masks import MaskKind, face_mask
from engine.faces.render import composite
from engine.faces.store import iter_track_frames, load_track
from engine.jobs.events import CancelToken
from engine.lipsync.config import preset
from engine.lipsync.data.crop_files import open_crops
from engine.lipsync.data.track_source import cached_audio, open_track_source, sample_runs
from engine.lipsync.data.windows import WindowDataset
from engine.lipsync.training.checkpoint import load_checkpoint
from engine.media import decode_audio, iter_frames, probe, write_wav
from engine.pipeline import ContextFactory, RunOptions, Stage, StageStatus, plan, run_stages, spec_for, stage_status
from engine.project.model import Segment
from engine.project.store import create_project, load_project, save_project
from tests.conftest import face_models_registry, media_file

CPU = preset("cpu")
FAST = {"preset": "cpu", "threads": 1, "chunk_frames": 40}  # 135 frames → 4 chunks of 33–34


def factory(folder, project, cancel: CancelToken | None = None, sink=None, **lipsync) -> ContextFactory:
    # 1 s render pieces: 22 frames each at vr_face1's average 22.1 fps, 7 pieces
    extra = {"lipsync": {**FAST, **lipsync},
             "render": {"watermark": False, "preset": "ultrafast", "piece_seconds": 1.0}}
    kwargs = {"cancel": cancel} if cancel else {}
    if sink is not None:
        kwargs["sink"] = sink
    return ContextFactory(folder, project, face_models_registry(), RunOptions(device="cpu", extra=extra), **kwargs)


def run(folder, project, stage: Stage, **lipsync) -> None:
    run_stages(factory(folder, project, **lipsync), plan(only=stage))


@pytest.fixture(scope="module")
def tracked(tmp_path_factory) -> Path:
    video = media_file("video/vr_face1.mp4")
    root = tmp_path_factory.mktemp("tracked") / "p"
    folder, project = create_project(root, video, probe(video).duration, "es", "en")
    project.set_segments([Segment("seg-a", 0.2, 1.8), Segment("seg-b", 2.2, 2.3), Segment("seg-c", 3.0, 5.5)])
    run_stages(ContextFactory(folder, project, face_models_registry()), plan(only=Stage.TRACK))
    assert len(project.face_tracks) == 1 and project.settings["faces"]["presenter_tracks"]
    return root


@pytest.fixture
def project(tracked, tmp_path):
    """A fresh copy of the tracked project (same folder depth: the video path stays valid)."""
    root = tmp_path / "p"
    shutil.copytree(tracked, root)
    return load_project(root)


@pytest.fixture
def trained(project):
    folder, proj = project
    run(folder, proj, Stage.TRAIN, steps=2)
    return folder, proj


def test_sample_runs_stay_capped_and_spread_for_an_hour():
    hour = 25 * 3600
    runs = sample_runs(hour, 3000, 9)
    assert sum(len(r) for r in runs) <= 3000 and all(len(r) >= 9 for r in runs)
    assert runs[0].start == 0 and runs[-1].stop == hour  # from the first minute to the last
    gaps = np.diff([r.start for r in runs])
    assert gaps.min() > 0.9 * gaps.mean()  # evenly spread
    assert sample_runs(135, 3000, 9) == [range(135)]


def test_track_source_shapes_and_leak_rules(project):
    folder, proj = project
    ctx = factory(folder, proj).make(spec_for(Stage.TRAIN))
    (track,) = proj.face_tracks
    samples = cached_audio(ctx.cache, folder.source_path(proj))
    assert abs(len(samples) / 16000 - probe(folder.source_path(proj)).duration) < 0.05
    src = open_track_source(folder, proj, ctx.cache, track, CPU.resolution, CPU.window, CPU.num_references, samples)
    data = load_track(folder, track)
    assert src.num_frames == 135 and src.language == "en"
    assert src.crop(5).shape == (128, 128, 3) and src.crop(5).dtype == np.uint8  # cached at model resolution
    lm = src.landmarks(5)
    assert lm.shape == (13, 2) and np.all((lm > 0) & (lm < 256))
    np.testing.assert_array_equal(src.loss_mask(5), face_mask(data.template_landmarks(5), MaskKind.LOSS))
    assert src.frame_time(7) == float(data.times[7]) and src.audio(-100, 300)[:100].max() == 0.0  # silence before
    # inference crops: full 256 px, identical to the faces pipeline's aligned crops
    src.load(range(20, 24))
    reference = [f.crop for f in iter_track_frames(folder, proj, track, 20, 24)]
    for i, expected in zip(range(20, 24), reference):
        np.testing.assert_array_equal(src.crop(i), expected)
    # rule 4 for every training window, and for a whole chunk with its buffers
    ds = WindowDataset(src, CPU, starts=src.sample.starts)
    assert len(ds) > 30 and len(ds) + ds.rejected_windows == 135 - CPU.window + 1
    for k in range(len(ds)):
        window = range(ds.starts[k], ds.starts[k] + CPU.window)
        refs = ds.references_for(window)
        assert len(set(refs)) == CPU.num_references and not set(refs) & set(window)
    item = ds[0]
    assert item["inputs"].shape == (CPU.window, 3, 128, 128) and item["mel"].shape == (CPU.window, 80, 24)
    assert item["landmarks_valid"].any()
    assert sorted(src.reference_indices(range(0, 125))) == list(range(125, 135))  # only 10 frames left: all
    with pytest.raises(ProjectError, match="too few"):
        src.reference_indices(range(0, 130))  # 5 left: never fall back to frames inside the window
    # a capped sample (an hour-long lecture's case): only sampled runs cached, windows inside them
    small = open_track_source(folder, proj, ctx.cache, track, CPU.resolution, CPU.window, CPU.num_references,
                              samples, cache_frames=72)
    assert small.sample.crops.shape[0] == 72 and isinstance(small.sample.crops, np.memmap)
    cached = set(small.sample.rows.tolist())
    assert all(set(range(s, s + CPU.window)) <= cached for s in small.sample.starts)
    with pytest.raises(KeyError):
        small.crop(next(i for i in range(135) if i not in cached))


def test_train_needs_the_track_stage(tmp_path):
    video = media_file("video/vr_face1.mp4")
    folder, proj = create_project(tmp_path / "p", video, probe(video).duration, "es")
    with pytest.raises(ProjectError, match="run the track stage first"):
        run(folder, proj, Stage.TRAIN, steps=1)
    with pytest.raises(ProjectError, match="run the track stage first"):
        run(folder, proj, Stage.LIPSYNC)


def test_train_resume_and_cancel(trained):
    folder, proj = trained
    model = proj.settings["lipsync"]["model"]
    ckpt = folder.resolve(model["checkpoint"])
    assert model["step"] == 2 and model["preset"] == "cpu" and ckpt.is_relative_to(folder.cache_dir)
    assert load_checkpoint(ckpt).step == 2 and {"rec", "msssim", "land"} <= set(model["losses"])
    assert proj.settings["lipsync"]["steps"] == 2  # remembered: a plain run finds the stage up to date
    plain = ContextFactory(folder, proj, face_models_registry(), RunOptions(device="cpu"))
    assert stage_status(plain, spec_for(Stage.TRAIN)) is StageStatus.DONE
    # more steps continue the same checkpoint; cancelling saves where it stopped
    cancel, seen = CancelToken(), []

    def sink(event):
        seen.append(event.message)
        if event.message.startswith("step 3/"):
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_stages(factory(folder, proj, cancel=cancel, sink=sink, steps=6), plan(only=Stage.TRAIN))
    # the reporter checks the token at the next step's report: step 4 is taken, then saved
    assert load_checkpoint(ckpt).step == 4 and any("step/s" in m and "rec" in m for m in seen)
    run(folder, proj, Stage.TRAIN, steps=5)  # resumed after the cancel: one more step, same file
    assert proj.settings["lipsync"]["model"]["step"] == 5 and load_checkpoint(ckpt).step == 5


def _dub(folder, proj, samples_24k: np.ndarray, name: str) -> None:
    path = folder.root / name
    write_wav(path, samples_24k, 24000)
    proj.dub_track = folder.relative(path)


@pytest.mark.slow
def test_lipsync_render_and_incremental_chunks(trained):
    folder, proj = trained
    run(folder, proj, Stage.RENDER)
    identity = folder.root / "identity.mp4"
    shutil.move(folder.exports_dir / "dubbed.mp4", identity)

    # no dub yet: the original audio drives the mouths, and the stage says so
    run(folder, proj, Stage.LIPSYNC)
    rec = proj.settings["lipsync"]
    assert rec["last_run"] == {"generated": 4, "reused": 0, "audio": "original", "pruned": 0}
    (track,) = proj.face_tracks
    chunks = rec["chunks"][track.id]
    assert [(c["start"], c["end"]) for c in chunks] == [(0, 34), (34, 68), (68, 102), (102, 135)]
    for c in chunks:
        crops = open_crops(folder.resolve(c["file"]))
        assert len(crops) == c["end"] - c["start"] and crops[0].shape == (256, 256, 3)

    # the provider pastes generated crops: only inside the render mask, exactly nothing elsewhere
    from engine.stages.lipsync_crops import crop_provider

    ctx = factory(folder, proj).make(spec_for(Stage.RENDER))
    provider = crop_provider(ctx)
    assert provider is not None
    data = load_track(folder, track)
    frame = next(f.image for f in iter_frames(folder.source_path(proj), 60, 61))
    m = np.asarray(data.transforms[60])
    original = crop(frame, m)
    generated = provider(track.id, 60, original)
    out = frame.copy()
    composite(out, generated, original, m, data.template_landmarks(60))
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = footprint(m, (w, h))
    inside = np.zeros((h, w), bool)
    inside[y0:y1, x0:x1] = warp_back(face_mask(data.template_landmarks(60), MaskKind.RENDER), m, (x0, y0, x1, y1)) > 0
    changed = np.abs(out.astype(int) - frame.astype(int)).max(-1) > 0
    assert changed.sum() > 1000 and not (changed & ~inside).any()

    run(folder, proj, Stage.RENDER)
    mouth_y, mouth_x = (int(v) for v in np.round(np.linalg.inv(np.vstack([m, [0, 0, 1]]))[:2] @ [128, 160, 1])[::-1])
    for a, b in zip(iter_frames(identity, 60, 61), iter_frames(folder.exports_dir / "dubbed.mp4", 60, 61)):
        diff = np.abs(a.image.astype(int) - b.image.astype(int)).mean(-1)
        # The mouth changed: well above the encoder's noise (< 1 outside the face), though a chosen
        # real reference mouth differs from the original less than a decoded one would.
        assert diff[mouth_y - 20:mouth_y + 20, mouth_x - 20:mouth_x + 20].mean() > 2.5
        assert diff[:y0 - 8].mean() < 1.0 and diff[y1 + 8:].mean() < 1.0  # outside the face: encoder noise only

    # a dub track; then one segment's audio changes: only the chunk that hears it is generated again
    audio = decode_audio(folder.source_path(proj), 24000)
    _dub(folder, proj, audio, "dub1.wav")
    assert crop_provider(factory(folder, proj).make(spec_for(Stage.RENDER))) is None  # stale: not used
    run(folder, proj, Stage.LIPSYNC)
    assert proj.settings["lipsync"]["last_run"]["audio"] == "dub"
    run(folder, proj, Stage.RENDER)
    before = {c["start"]: c["file"] for c in proj.settings["lipsync"]["chunks"][track.id]}
    seg = proj.segment("seg-b")  # 2.2–2.3 s: inside chunk 34–67 and its buffers only
    changed_audio = audio.copy()
    span = slice(int(seg.start * 24000), int(seg.end * 24000))
    changed_audio[span] = np.random.default_rng(0).normal(0, 0.2, span.stop - span.start).astype(np.float32)
    _dub(folder, proj, changed_audio, "dub2.wav")
    run(folder, proj, Stage.LIPSYNC)
    last = proj.settings["lipsync"]["last_run"]
    assert {k: last[k] for k in ("generated", "reused")} == {"generated": 1, "reused": 3}
    # Unused chunks now (driven by the original audio, and dub1's one): pruning keeps those in
    # use and at most as many bytes of the others as the ones in use take.
    in_use = {folder.resolve(c["file"]).parent for c in proj.settings["lipsync"]["chunks"][track.id]}
    sizes = {e.parent: sum(p.stat().st_size for p in e.parent.iterdir())
             for e in (folder.cache_dir / "lipsync-chunks").rglob(".complete")}
    assert in_use <= set(sizes) and len(sizes) > len(in_use)
    assert sum(v for k, v in sizes.items() if k not in in_use) <= sum(sizes[k] for k in in_use)
    after = {c["start"]: c["file"] for c in proj.settings["lipsync"]["chunks"][track.id]}
    assert [s for s in before if before[s] != after[s]] == [34]
    # and the render encodes only the pieces showing that chunk's frames (34–67: pieces 22–43, 44–65, 66–87)
    run(folder, proj, Stage.RENDER)
    assert {k: proj.settings["render"]["last_run"][k] for k in ("frames", "pieces", "encoded")} == \
        {"frames": 135, "pieces": 7, "encoded": 3}

    # the per-segment hook is the stage's run: only the chunk that hears the change is generated again
    from engine.stages.lipsync import lipsync_segment

    changed_audio[span] *= -1
    _dub(folder, proj, changed_audio, "dub3.wav")
    lipsync_segment(factory(folder, proj).make(spec_for(Stage.LIPSYNC)), "seg-b")
    assert proj.settings["lipsync"]["last_run"]["generated"] == 1 and proj.settings["lipsync"]["last_run"]["reused"] == 3


def test_avdub_train_cli(project, capsys):
    folder, _ = project
    args = ["train", str(folder.root), "--preset", "cpu", "--steps", "1", "--threads", "1", "--device", "cpu", "--json"]
    assert cli_main(args) == 0
    model = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert model["step"] == 1 and model["preset"] == "cpu" and model["stopped"] == "done"
    assert cli_main(args[:5] + ["2"] + args[6:]) == 0  # resumes: one more step on the same checkpoint
    model2 = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert model2["step"] == 2 and model2["checkpoint"] == model["checkpoint"]
    _, saved = load_project(folder.root)
    assert saved.settings["lipsync"]["model"]["step"] == 2 and "train" in saved.stages
    assert cli_main(["train", str(folder.root), "--from", str(folder.root / "nope.ckpt")]) == 1
    assert "does not exist" in capsys.readouterr().err
    # from a base checkpoint: its weights, a model (and checkpoint) of its own, counting from step 0
    base = folder.root / "base.ckpt"
    shutil.copy(folder.resolve(model2["checkpoint"]), base)
    assert cli_main(["train", str(folder.root), "--from", str(base), "--steps", "1", "--json"]) == 0
    tuned = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert tuned["step"] == 1 and tuned["from"] == str(base) and tuned["checkpoint"] != model2["checkpoint"]
    # a third model: of those not in use only the newest (tuned) stays, with its crop sample
    folder, saved = load_project(folder.root)
    del saved.settings["lipsync"]["base"]  # the remembered --from: a tiny model cannot start from it
    save_project(folder, saved)
    assert cli_main(["train", str(folder.root), "--preset", "tiny", "--steps", "1", "--json"]) == 0
    tiny = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert not folder.resolve(model2["checkpoint"]).parent.exists()
    assert folder.resolve(tuned["checkpoint"]).is_file() and folder.resolve(tiny["checkpoint"]).is_file()
    assert tiny["pruned"] >= 1 and tiny["pruned_bytes"] > 0
