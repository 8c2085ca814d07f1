"""One training job across two SLURM nodes (`train.nodes: 2`): a real two-node cluster on this machine (two slurmd,
one CPU each, tools/slurm_local.sh start 2), one torchrun per node meeting at the c10d rendezvous, two gloo
processes; the trained weights equal a one-node `torchrun --standalone` run of two processes, bit for bit."""

import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import CI_CONFIGS, REPO
from msnet.train import checkpoint
from slurm_cluster import edited_profile, local_cluster, slurm_snakemake

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="starting slurmctld, slurmd and munged needs root"),
]
RUN = "results/ci/train/synthetic/tsm-r18_8f/seed0"


@pytest.fixture(scope="module")
def two_nodes():
    with local_cluster(nodes=2) as partitions:
        yield partitions


def test_a_training_job_across_two_nodes_equals_two_processes_on_one(two_nodes, tmp_path):
    nodes, processes = tmp_path / "nodes.yaml", tmp_path / "processes.yaml"
    nodes.write_text("train: {nodes: 2, processes: 1}\n")
    processes.write_text("train: {nodes: 1, processes: 2}\n")
    profile = edited_profile(tmp_path / "profile", two_nodes)  # one core per node: set-threads 1
    cluster = subprocess.run(slurm_snakemake(tmp_path / "cluster", profile, f"{RUN}/train.json",
                                             "--configfile", *map(str, CI_CONFIGS), str(nodes)),
                             capture_output=True, text=True, timeout=900)  # fmt: skip
    assert cluster.returncode == 0, (cluster.stdout + cluster.stderr)[-4000:]
    log = (tmp_path / "cluster/logs/ci/train/synthetic/tsm-r18_8f/seed0.log").read_text()
    # each node's srun task started torchrun for two nodes, with the rendezvous on the first node
    assert "node1 (node 0): torchrun --nnodes 2 --nproc_per_node 1 --rdzv-backend c10d --rdzv-endpoint" in log
    assert "node2 (node 1): torchrun --nnodes 2 --nproc_per_node 1 --rdzv-backend c10d --rdzv-endpoint" in log

    # The same two gloo processes on one machine, one thread each as on the nodes.
    local = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--cores", "2",
                            "--directory", str(tmp_path / "local"), f"{RUN}/train.json", "--set-threads",
                            "train_model=1", "--configfile", *map(str, CI_CONFIGS), str(processes)],
                           capture_output=True, text=True, timeout=900)  # fmt: skip
    assert local.returncode == 0, local.stderr[-3000:]
    for where in ("cluster", "local"):
        trained = json.loads((tmp_path / where / RUN / "train.json").read_text())
        assert (trained["processes"], trained["threads"]) == (2, 1), where
    across, alone = (checkpoint.load(tmp_path / where / RUN / "best.pt")["model"] for where in ("cluster", "local"))
    assert across.keys() == alone.keys() and all(torch.equal(across[k], alone[k]) for k in across)
