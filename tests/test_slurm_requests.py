"""What the SLURM executor would submit for config/paper.yaml on a GPU cluster: every rule that uses a GPU asks for
exactly the GPUs it uses, and nothing else asks for one.

The cluster is a stand-in (`sinfo` on PATH describing a CPU and a GPU partition), so nothing is submitted: Snakemake's
dry run with the SLURM profile evaluates every job's resources, and the executor plugin's own functions turn each job
into its sbatch command line. tests/test_slurm.py runs jobs on a real (GPU-less) cluster.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from snakemake_executor_plugin_slurm.submit_string import get_submit_command
from snakemake_executor_plugin_slurm.utils import set_gres_string

REPO = Path(__file__).resolve().parents[1]
GPU_CLUSTER = "cpu|(null)|64|256000\ngpu|gpu:a100:4|32|512000\n"  # sinfo -h -o "%R|%G|%c|%m"


class _Resources(dict):
    __getattr__ = dict.__getitem__


class _Job:
    """What the plugin reads of a job: its resources and threads."""

    def __init__(self, rule: str, output: str, threads: int, resources: dict):
        self.name, self.output, self.threads, self.resources = rule, output, threads, _Resources(resources)


def _value(text: str):
    return int(text) if text.isdigit() else text


def dry_run_jobs(tmp_path: Path, configfiles: list[Path], edit=lambda profile: None) -> list[_Job]:
    """The jobs of a dry run under the SLURM profile (account set, as the README asks), with their evaluated
    resources; threads are the profile's set-threads (a remote run's jobs get those, else 1)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sinfo").write_text(f"#!/bin/sh\nprintf '{GPU_CLUSTER}'\n")
    (bin_dir / "sinfo").chmod(0o755)
    profile = yaml.safe_load((REPO / "profiles/slurm/profile.yaml").read_text())
    profile["default-resources"]["slurm_account"] = "lab"
    edit(profile)
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile/profile.yaml").write_text(yaml.safe_dump(profile))
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
         "--configfile", *map(str, configfiles), "--workflow-profile", str(tmp_path / "profile"), "-n"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    jobs, rule, local, output = [], None, False, ""
    for line in (run.stdout + run.stderr).splitlines():
        if match := re.match(r"^(local)?rule (\w+):", line):
            local, rule = bool(match.group(1)), match.group(2)
        elif line.strip().startswith("output:"):
            output = line.split(":", 1)[1].strip()
        elif line.strip().startswith("resources:") and rule and not local:
            items = dict(item.split("=", 1) for item in line.split(":", 1)[1].strip().split(", "))
            resources = {key: _value(value) for key, value in items.items()}
            jobs.append(_Job(rule, output, profile["set-threads"].get(rule, 1), resources))
    return jobs


def sbatch_line(job: _Job) -> str:
    params = dict(run_uuid="run", slurm_logfile="log", comment_str=job.name, workdir=None,
                  account=f"-A {job.resources['slurm_account']}", partition=f"-p {job.resources['slurm_partition']}")
    return get_submit_command(job, params) + set_gres_string(job)


def gpus(line: str) -> int:
    match = re.search(r"--gpus=(?:\w+:)?(\d+)", line)
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="module")
def paper_jobs(tmp_path_factory):
    return dry_run_jobs(tmp_path_factory.mktemp("paper"), [REPO / "config/paper.yaml"])


def test_every_gpu_rule_asks_for_exactly_the_gpus_it_uses(paper_jobs):
    lines = {}
    for job in paper_jobs:
        lines.setdefault(job.name, []).append(sbatch_line(job))
    # training: torchrun with train.processes = 4 processes, one GPU each, 8 cores per GPU, on the GPU partition
    trained = [sbatch_line(job) for job in paper_jobs if job.name == "train_model" and "-released/" not in job.output]
    assert trained and all(gpus(line) == 4 and "--cpus-per-gpu=8" in line and "-p gpu" in line for line in trained)
    assert all("--mem 128000" in line and "-t 4320" in line for line in trained)
    # TSM's released checkpoints (experiments *-tsm-released) are only evaluated: one process, one GPU
    released = [sbatch_line(job) for job in paper_jobs if job.name == "train_model" and "-released/" in job.output]
    assert released and all(gpus(line) == 1 for line in released)
    # one process each: evaluation, run-time (Table 2's speed), TV-L1 (method torch)
    for rule in ("evaluate_model", "runtime", "extract_flow"):
        assert lines[rule] and all(gpus(line) == 1 and "-p gpu" in line for line in lines[rule]), rule
    # everything else runs on CPUs
    others = {rule for rule in lines if rule not in ("train_model", "evaluate_model", "runtime", "extract_flow")}
    assert {"cost_official", "prepare_dataset", "extract_frames", "ms_motion"} <= others
    assert all(gpus(line) == 0 and "-p cpu" in line for rule in others for line in lines[rule])
    assert all("--cpus-per-task=16" in line for line in lines["extract_frames"])


def test_a_cpu_device_asks_for_no_gpu(tmp_path):
    cpu = tmp_path / "cpu.yaml"
    cpu.write_text("train: {device: cpu}\nruntime: {device: cpu}\ndata: {flow: {device: cpu}}\n")
    jobs = dry_run_jobs(tmp_path, [REPO / "config/paper.yaml", cpu])
    assert jobs and all(gpus(sbatch_line(job)) == 0 for job in jobs)


def test_training_across_nodes_asks_for_the_nodes_one_task_each_and_the_gpus_per_node(tmp_path):
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text("train: {nodes: 2}\n")
    jobs = dry_run_jobs(tmp_path, [REPO / "config/paper.yaml", nodes])
    trained = [sbatch_line(job) for job in jobs if job.name == "train_model" and "-released/" not in job.output]
    assert trained and all("--nodes=2" in line and "--ntasks=2" in line and "--gres=gpu:4" in line
                           and "--cpus-per-gpu=8" in line and "--gpus" not in line and "ntasks-per-gpu" not in line
                           for line in trained)  # fmt: skip
    released = [sbatch_line(job) for job in jobs if job.name == "train_model" and "-released/" in job.output]
    assert released and all(gpus(line) == 1 and "--nodes=1" in line for line in released)
