"""Multi-node training: the torchrun command each node's srun task runs, and the workflow's launch line."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from msnet.train.slurm_launch import first_node, node_address, rendezvous_port, torchrun_command

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def scontrol(tmp_path, monkeypatch):
    """A stand-in `scontrol` for a job on gpu[03-04]: node names that are not the nodes' addresses."""
    script = tmp_path / "scontrol"
    script.write_text('#!/bin/sh\ncase "$2" in\n  hostnames) printf "gpu03\\ngpu04\\n" ;;\n'
                      '  node) echo "NodeName=$4 Arch=x86_64 NodeAddr=10.1.0.${4#gpu} NodeHostName=$4" ;;\nesac\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")


def test_each_node_runs_torchrun_with_a_rendezvous_at_the_first_nodes_address(scontrol):
    environ = {"SLURM_JOB_ID": "123456", "SLURM_JOB_NODELIST": "gpu[03-04]", "SLURM_NNODES": "2"}
    command = torchrun_command(4, environ, ["train", "msnet_r50", "--seed", "0"])
    assert command == ["torchrun", "--nnodes", "2", "--nproc_per_node", "4", "--rdzv-backend", "c10d",
                       "--rdzv-endpoint", "10.1.0.03:23456", "--rdzv-id", "123456", "-m", "msnet",
                       "train", "msnet_r50", "--seed", "0"]  # fmt: skip


def test_first_node_and_its_address_come_from_scontrol(scontrol):
    assert first_node("gpu[03-04]") == "gpu03" and node_address("gpu04") == "10.1.0.04"


def test_jobs_sharing_a_first_node_get_different_ports():
    assert rendezvous_port("41") != rendezvous_port("42") and 20000 <= rendezvous_port("987654321") < 30000


def test_outside_a_slurm_job_the_launcher_says_so():
    with pytest.raises(RuntimeError, match="SLURM_JOB_NODELIST, SLURM_NNODES not set: .* inside `srun`"):
        torchrun_command(1, {"SLURM_JOB_ID": "1"}, ["train"])


def _train_commands(tmp_path, *configs):
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
         "--configfile", *configs, "-n", "-p", "--cores", "8", "--forceall", "evaluations"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line.removeprefix("Shell command: ") for line in run.stdout.splitlines()]
    return [line for line in lines if re.search(r"(python -m msnet|torchrun).* train ", line)]


def test_the_one_node_default_is_unchanged_and_nodes_start_one_torchrun_per_node(tmp_path):
    paper = str(REPO / "config/paper.yaml")
    one = _train_commands(tmp_path / "one", paper)
    trained = [line for line in one if "-released/" not in line]
    assert trained and all(line.startswith("torchrun --standalone --nproc_per_node 4 -m msnet train") for line in trained)
    released = [line for line in one if "-released/" in line]  # TSM's checkpoints: evaluated in one process
    assert released and all(line.startswith("python -m msnet train") for line in released)
    (tmp_path / "nodes.yaml").write_text("train: {nodes: 2}\n")
    two = _train_commands(tmp_path / "two", paper, str(tmp_path / "nodes.yaml"))
    assert [line for line in two if "-released/" in line] == released
    two = [line for line in two if "-released/" not in line]
    assert len(two) == len(trained)
    assert all(line.startswith("srun --nodes 2 --ntasks 2 --ntasks-per-node 1 --cpus-per-task ")
               and "--gres gpu:4 python -m msnet.train.slurm_launch --processes 4 -- train" in line for line in two)
