"""The documented SLURM command on a real cluster: slurm-wlm and munge on this machine (tools/slurm_local.sh, one
node, partitions `cpu` and `gpu`, no GPUs, no accounting), the workflow through `--workflow-profile
profiles/slurm` with only the edits the README lists, results equal to the local run's, and a training job cancelled
by the scheduler resubmitted and resumed from its checkpoint.

Needs root (the daemons) and Debian's packages (installed by the script when missing); CI runs as root.
"""

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
import torch

from conftest import CI_CONFIGS, REPO
from slurm_cluster import edited_profile, local_cluster, slurm_snakemake

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="starting slurmctld, slurmd and munged needs root"),
]

# One job of every kind the CI configuration has: data (generate, prepare, decode check, frame extraction in two
# shards, TV-L1 in two shards), cost and the cost tables, run-time and Table 2, training, evaluation, an ensemble and
# the motion check. 17 submitted jobs; the rest of the CI configuration repeats these kinds.
TARGETS = [
    "reports/ci/cost/table1.md",
    "reports/ci/speed/table2.md",
    "results/ci/data/kinetics/frames/summary.json",
    "results/ci/data/ssv1/flow/summary.json",
    "results/ci/eval/synthetic/msnet-r50_en16+8/seed0/1clip.json",
    "results/ci/motion/synthetic/msnet-r18_8f.json",
]
RESUMED = "results/ci/train/synthetic/msnet-r18_8f/seed1"


@pytest.fixture(scope="module")
def slurm_cluster():
    with local_cluster(nodes=1) as partitions:
        yield partitions


def cancel_when_checkpointed(folder: Path, comment: str, done: threading.Event, record: dict) -> None:
    """scancel the SLURM job whose comment is ``comment`` once its run folder holds a checkpoint."""
    while not done.is_set():
        if (folder / "checkpoint.pt").exists() and not (folder / "train.json").exists():
            jobs = subprocess.run(["squeue", "-h", "-o", "%i %k %T"], capture_output=True, text=True).stdout.split("\n")
            running = [line.split()[0] for line in jobs if f" {comment} RUNNING" in f" {line}"]
            if running:
                subprocess.run(["scancel", running[0]], check=True)
                record.update(job=running[0], at=time.time())
                return
        time.sleep(0.05)


def comparable(result: dict) -> dict:
    return {key: value for key, value in result.items() if key not in ("provenance", "created", "commit", "seconds")}


def test_the_documented_slurm_command_runs_every_job_kind_with_the_local_results_and_resumes(
        slurm_cluster, ci_workflow_run, tmp_path):  # fmt: skip
    local = ci_workflow_run
    profile = edited_profile(tmp_path / "profile", slurm_cluster)
    workdir = tmp_path / "run"
    started = time.time()
    run = subprocess.run(slurm_snakemake(workdir, profile, *TARGETS, "--configfile", *map(str, CI_CONFIGS)),
                         capture_output=True, text=True, timeout=1500)  # fmt: skip
    minutes = (time.time() - started) / 60
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    submitted = log.count("has been submitted with SLURM jobid")
    print(f"\nSLURM run: {submitted} jobs submitted, {minutes:.1f} min")
    assert submitted == 17, log[-4000:]  # the cost jobs and the report rules run in the submitting process
    # Cost: equal to the local run's, row by row.
    for result in sorted((local / "results/ci/cost").glob("*/*.json")):
        mine = json.loads((workdir / result.relative_to(local)).read_text())
        assert comparable(mine) == comparable(json.loads(result.read_text())), result.name
    # Data: the same lists of videos, frame folders and flow fields.
    for listing in ("data/ssv1/train.txt", "data/kinetics/frames/train.txt", "data/ssv1/flow/val.txt"):
        assert (workdir / "results/ci" / listing).read_text() == (local / "results/ci" / listing).read_text()
    # Training and evaluation: deterministic CPU training, so the very same per-video scores and ensemble.
    for row in ("msnet-r18_8f", "msnet-r18_8f_p7"):
        mine, theirs = (torch.load(folder / f"results/ci/eval/synthetic/{row}/seed0/1clip.scores.pt")
                        for folder in (workdir, local))  # fmt: skip
        assert torch.equal(mine["scores"], theirs["scores"]) and torch.equal(mine["labels"], theirs["labels"]), row
    ensemble = "results/ci/eval/synthetic/msnet-r50_en16+8/seed0/1clip.json"
    assert json.loads((workdir / ensemble).read_text())["top1"] == json.loads((local / ensemble).read_text())["top1"]
    motion = "results/ci/motion/synthetic/msnet-r18_8f.json"
    assert json.loads((workdir / motion).read_text())["summary"] == json.loads((local / motion).read_text())["summary"]
    for row in ("tsm-r18_8f", "msnet-r18_8f"):  # timed on the node (a timing: positive, not equal)
        assert json.loads((workdir / f"results/ci/runtime/official/{row}.json").read_text())["videos_per_s"] > 0
    assert (workdir / "reports/ci/speed/table2.md").exists()

    # Resumable at scale: a longer training run (seed 1, 12 epochs, a checkpoint after every batch) is cancelled by
    # the scheduler after its first checkpoint; the profile's `retries` resubmits it and it resumes.
    longer = tmp_path / "longer.yaml"
    longer.write_text("train: {seeds: [0, 1], checkpoint_steps: 1, experiments: {synthetic: {recipe_args: {epochs: 12}}}}\n")
    done, record = threading.Event(), {}
    watcher = threading.Thread(target=cancel_when_checkpointed, daemon=True, args=(
        workdir / RESUMED, "rule_train_model_wildcards_ci_synthetic_msnet-r18_8f_1", done, record))
    watcher.start()
    run = subprocess.run(slurm_snakemake(workdir, profile, f"{RESUMED}/train.json", "--configfile", *map(str, CI_CONFIGS),
                                         str(longer)), capture_output=True, text=True, timeout=900)  # fmt: skip
    done.set()
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    assert record, "the training job finished before the test could cancel it"
    assert f"SLURM-job '{record['job']}' failed" in log and "CANCELLED" in log  # the scheduler's cancel, seen
    assert log.count("has been submitted with SLURM jobid") == 2  # the job and its retry
    trained = json.loads((workdir / RESUMED / "train.json").read_text())
    assert trained["resumes"] == 1 and [epoch["epoch"] for epoch in trained["history"]] == list(range(1, 13))
    assert "resumed from" in (workdir / "logs/ci/train/synthetic/msnet-r18_8f/seed1.log").read_text()


def test_settings_that_do_not_fit_the_cluster_are_named_before_anything_is_submitted(slurm_cluster, tmp_path):
    before = subprocess.run(["squeue", "-h"], capture_output=True, text=True).stdout
    unedited = REPO / "profiles/slurm"  # placeholder account, 16-32 cores and 128 GB per job
    run = subprocess.run(slurm_snakemake(tmp_path / "run", unedited, "--configfile", str(REPO / ".test/config.yaml")),
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    log = run.stdout + run.stderr
    assert run.returncode != 0 and "The SLURM settings do not fit this cluster (nothing was submitted)" in log
    assert "default-resources.slurm_account is 'your-account'" in log
    assert "set-threads.train_model 32: the nodes of partition 'gpu' have at most" in log
    # .test/config.yaml alone leaves run-time on `auto`: a GPU request, and this cluster has none
    assert "rule runtime asks for 1 GPU(s) (runtime.device: auto) but partition 'gpu' has no GPUs" in log
    assert "has been submitted" not in log and subprocess.run(["squeue", "-h"], capture_output=True, text=True).stdout == before
