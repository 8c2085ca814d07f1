"""A training run killed with SIGKILL at an arbitrary point and started again ends bitwise identical to an
uninterrupted run (CPU, deterministic settings, the same thread count)."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from msnet.train import checkpoint as ckpt

TIMING = {"clips_per_s", "train_seconds", "eval_seconds", "resumed"}


def train_command(prepared, out, *extra):
    return [sys.executable, "-m", "msnet", "train", "tsm_r18", "--data", str(prepared), "--out", str(out),
            "--frames", "4", "--crop", "32", "--recipe", "synthetic", "--recipe-set", "batch_size=4",
            "--recipe-set", "epochs=2", "--recipe-set", "lr_steps=[1]", "--recipe-set", "precision=fp32",
            "--workers", "0", "--threads", "1",
            "--no-progress", "--seed", "5", *extra]


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


def comparable_log(folder):
    with open(folder / "log.csv") as f:
        return [{k: v for k, v in row.items() if k not in TIMING} for row in csv.DictReader(f)]


@pytest.mark.slow
def test_sigkill_then_resume_is_bitwise_identical(prepared, tmp_path):
    reference, interrupted = tmp_path / "reference", tmp_path / "interrupted"
    done = run(train_command(prepared["ssv1"], reference))
    assert done.returncode == 0, done.stderr

    # Checkpoint every 3 batches; kill soon after the first mid-epoch checkpoint appears (possibly mid-write).
    process = subprocess.Popen(train_command(prepared["ssv1"], interrupted, "--checkpoint-steps", "3"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not (interrupted / "checkpoint.pt").exists():
        assert process.poll() is None, "training ended before its first checkpoint"
        assert time.time() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    state = ckpt.load(interrupted / "checkpoint.pt")["state"]
    assert (state["epoch"], state["step"]) < (2, 0), "the kill came after training had finished"
    assert not (interrupted / "train.json").exists()

    resumed = run(train_command(prepared["ssv1"], interrupted, "--checkpoint-steps", "3"))
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from" in resumed.stderr
    result = json.loads((interrupted / "train.json").read_text())
    assert result["resumes"] == 1

    for name in ("checkpoint.pt", "best.pt"):
        a, b = ckpt.load(reference / name)["model"], ckpt.load(interrupted / name)["model"]
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a), f"{name}: weights differ after resume"
    assert comparable_log(reference) == comparable_log(interrupted)
    expected = json.loads((reference / "train.json").read_text())
    assert (result["best"], result["last"]) == (expected["best"], expected["last"])


def test_resume_refuses_a_different_run(prepared, tmp_path):
    out = tmp_path / "run"
    first = run(train_command(prepared["ssv1"], out) + ["--recipe-set", "epochs=1"])
    assert first.returncode == 0, first.stderr
    other = run(train_command(prepared["ssv1"], out) + ["--recipe-set", "epochs=1", "--seed", "6"])
    assert other.returncode != 0
    assert "belongs to a different run" in other.stderr
