"""DDP with two gloo processes on the CPU trains the same network as one process that gives each half of the batch
its own BatchNorm statistics (``--bn-chunks 2``, the single-device emulation of two GPUs)."""

import subprocess
import sys

import pytest
import torch

from msnet.train import checkpoint as ckpt


def command(prepared, out):
    return ["-m", "msnet", "train", "tsm_r18", "--data", str(prepared), "--out", str(out), "--frames", "4",
            "--crop", "32", "--recipe", "synthetic", "--recipe-set", "batch_size=4", "--recipe-set", "epochs=1",
            "--recipe-set", "dropout=0", "--recipe-set", "precision=fp32", "--workers", "0", "--threads", "1",
            "--no-progress", "--seed", "5"]


@pytest.mark.slow
def test_two_process_ddp_matches_single_process(prepared, tmp_path):
    single = subprocess.run([sys.executable, *command(prepared["ssv1"], tmp_path / "single"), "--bn-chunks", "2"],
                            capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr
    ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          *command(prepared["ssv1"], tmp_path / "ddp")], capture_output=True, text=True, timeout=300)
    assert ddp.returncode == 0, ddp.stderr
    assert "2 processes" in ddp.stderr

    a = ckpt.load(tmp_path / "single" / "checkpoint.pt")
    b = ckpt.load(tmp_path / "ddp" / "checkpoint.pt")
    assert a["model"].keys() == b["model"].keys()
    for name, tensor in a["model"].items():
        assert torch.allclose(tensor.float(), b["model"][name].float(), rtol=1e-5, atol=1e-6), name
    history_a, history_b = a["state"]["history"], b["state"]["history"]
    assert history_a[0]["train_loss"] == pytest.approx(history_b[0]["train_loss"], abs=1e-4)
    assert history_a[0]["val_top1"] == history_b[0]["val_top1"]


def test_batch_must_split_across_processes():
    from msnet.train.batches import epoch_batches

    with pytest.raises(ValueError, match="divisible"):
        epoch_batches(10, 5, seed=0, epoch=0, world=2)
    halves = [epoch_batches(17, 4, seed=1, epoch=2, rank=r, world=2) for r in (0, 1)]
    whole = epoch_batches(17, 4, seed=1, epoch=2)
    assert [a + b for a, b in zip(*halves)] == whole and len(whole) == 4  # last partial batch dropped
    assert epoch_batches(17, 4, seed=1, epoch=2, start=3) == whole[3:]
