"""Settings of a SLURM run checked against the cluster before anything is submitted.

The workflow calls :func:`slurm_problems` at parse time when the run sets ``slurm_*`` resources (the SLURM profile
does), so a placeholder account, a partition the cluster lacks or a GPU rule sent to a partition without GPUs is one
message naming the setting, not hundreds of queued jobs that fail one by one.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

PLACEHOLDER_ACCOUNTS = {"", "your-account"}


@dataclass(frozen=True)
class GpuRule:
    rule: str
    gpus: int
    why: str  # the configuration that makes it ask, e.g. "train.device: auto, train.processes: 4"
    remedy: str  # the setting that turns the request off, e.g. "train.device: cpu"


def cluster_partitions() -> dict[str, bool]:
    """Partition -> whether any of its nodes has GPUs (``sinfo``'s generic resources mention ``gpu``)."""
    if shutil.which("sinfo") is None:
        raise RuntimeError("SLURM resources are set but `sinfo` is not on PATH: run Snakemake on a SLURM login node")
    listing = subprocess.run(["sinfo", "-h", "-o", "%R|%G"], capture_output=True, text=True, timeout=60)
    if listing.returncode:
        raise RuntimeError(f"`sinfo` failed: {listing.stderr.strip()}")
    partitions: dict[str, bool] = {}
    for line in listing.stdout.split():
        name, _, gres = line.partition("|")
        partitions[name] = partitions.get(name, False) or "gpu" in gres
    return partitions


def slurm_problems(account: str | None, default_partition: str | None, rule_partitions: dict[str, str],
                   gpu_rules: list[GpuRule], partitions: dict[str, bool]) -> list[str]:
    """Every setting that would fail on this cluster, each message naming it. ``rule_partitions``: the rules'
    ``set-resources`` partitions; ``partitions``: :func:`cluster_partitions`."""
    problems = []
    known = ", ".join(sorted(partitions)) or "none"
    if account is None or str(account).strip() in PLACEHOLDER_ACCOUNTS:
        problems.append(f"default-resources.slurm_account is {account!r}: set your cluster's account in the SLURM "
                        "profile (`sshare -U` lists yours)")
    if not default_partition:
        problems.append(f"default-resources.slurm_partition is not set: choose one of the cluster's partitions ({known})")
    elif default_partition not in partitions:
        problems.append(f"default-resources.slurm_partition {default_partition!r}: the cluster has no such partition "
                        f"(it has {known})")
    for rule, partition in sorted(rule_partitions.items()):
        if partition not in partitions:
            problems.append(f"set-resources.{rule}.slurm_partition {partition!r}: the cluster has no such partition "
                            f"(it has {known})")
    for gpu in gpu_rules:
        partition = rule_partitions.get(gpu.rule, default_partition)
        if gpu.gpus and partition in partitions and not partitions[partition]:
            problems.append(f"rule {gpu.rule} asks for {gpu.gpus} GPU(s) ({gpu.why}) but partition {partition!r} has "
                            f"no GPUs: send it to a GPU partition (set-resources.{gpu.rule}.slurm_partition) or set "
                            f"{gpu.remedy}")
    return problems
