"""`avdub pretrain` (single process, CPU) and `avdub train` on a project without face tracks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from engine.cli.main import main
from engine.lipsync.training.checkpoint import load_checkpoint
from engine.media import VideoWriter, write_wav
from engine.project.store import create_project
from tests.synthetic_head import SyntheticTalkingHead


def _clip(path: Path, frames: int = 30, seed: int = 0) -> Path:
    src = SyntheticTalkingHead(frames, fps=25, seed=seed)
    wav = path.with_suffix(".wav")
    write_wav(wav, src.samples[: int(frames / 25 * 16000)])
    with VideoWriter(path, 256, 256, 25, audio=wav, preset="ultrafast") as w:
        for i in range(frames):
            w.write(src.crop(i))
    wav.unlink()
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    _clip(root / "a.mp4", seed=0)
    _clip(root / "b.mp4", seed=1)
    return root


def test_pretrain_single_process_on_cpu_and_resume(corpus, tmp_path, capsys):
    out = tmp_path / "base.ckpt"
    args = ["pretrain", str(corpus), "--out", str(out), "--preset", "tiny", "--steps", "2", "--batch-size", "2",
            "--threads", "1", "--device", "cpu", "--language", "en", "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["step"] == 2 and summary["preset"] == "tiny" and summary["windows"] > 30
    doc = torch.load(out, weights_only=True)
    assert doc["meta"]["world_size"] == 1 and doc["meta"]["batch_size"] == 2
    assert main(args[:6] + ["--steps", "3"] + args[8:]) == 0  # same --out: resumes at step 2
    assert load_checkpoint(out).step == 3


def test_pretrain_reports_a_bad_dataset_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["pretrain", str(tmp_path / "empty"), "--out", str(tmp_path / "x.ckpt"), "--preset", "tiny"]) == 1
    assert "no videos" in capsys.readouterr().err


def test_train_needs_face_tracks(tmp_path, capsys):
    video = _clip(tmp_path / "talk.mp4", frames=10)
    folder, _ = create_project(tmp_path / "talk.avdub", video, 0.4, "es", "en")
    assert main(["train", str(folder.root)]) == 1
    err = capsys.readouterr().err
    assert "no face tracks" in err and "--until track" in err


@pytest.mark.slow
def test_pretrain_under_torchrun_with_two_cpu_ranks(corpus, tmp_path):
    """The DDP path: two gloo ranks on CPU, DistributedSampler shards, rank 0 writes the checkpoint."""
    import os
    import subprocess
    import sys

    out = tmp_path / "ddp.ckpt"
    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(repo))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "engine.cli.main", "pretrain", str(corpus), "--out", str(out), "--preset", "tiny",
           "--steps", "2", "--batch-size", "1", "--device", "cpu", "--threads", "1", "--json"]
    proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summaries = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1 and summaries[0]["step"] == 2  # only rank 0 reports
    assert torch.load(out, weights_only=True)["meta"]["world_size"] == 2
