"""Settings of a SLURM run checked against the cluster before anything is submitted.

The workflow calls :func:`slurm_problems` at parse time when the run sets ``slurm_*`` resources (the SLURM profile
does), so a placeholder account, a partition the cluster lacks, a GPU rule sent to a partition without GPUs, or a job
asking for more cores or memory than any node of its partition has is one message naming the setting, not hundreds
of queued jobs that fail (or wait forever) one by one.
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


@dataclass(frozen=True)
class Partition:
    """What the largest nodes of a partition offer (``sinfo``'s generic resources, CPUs and memory per node)."""

    gpus: bool
    cpus: int
    mem_mb: int


@dataclass(frozen=True)
class JobRequest:
    """What one rule's jobs ask for, as the profile writes it (``set-threads``, ``mem_mb``)."""

    rule: str
    threads: int | None
    mem_mb: int | None


def parse_sinfo(listing: str) -> dict[str, Partition]:
    """``sinfo -h -o "%R|%G|%c|%m"`` lines (one per partition and node configuration; ``%m`` may end in ``+``)."""
    partitions: dict[str, Partition] = {}
    for line in listing.split():
        name, gres, cpus, mem = line.split("|")
        cpus, mem = int(cpus.rstrip("+")), int(mem.rstrip("+"))
        known = partitions.get(name, Partition(False, 0, 0))
        partitions[name] = Partition(known.gpus or "gpu" in gres, max(known.cpus, cpus), max(known.mem_mb, mem))
    return partitions


def cluster_partitions() -> dict[str, Partition]:
    """The cluster's partitions from ``sinfo``."""
    if shutil.which("sinfo") is None:
        raise RuntimeError("SLURM resources are set but `sinfo` is not on PATH: run Snakemake on a SLURM login node")
    listing = subprocess.run(["sinfo", "-h", "-o", "%R|%G|%c|%m"], capture_output=True, text=True, timeout=60)
    if listing.returncode:
        raise RuntimeError(f"`sinfo` failed: {listing.stderr.strip()}")
    return parse_sinfo(listing.stdout)


def slurm_problems(account: str | None, default_partition: str | None, rule_partitions: dict[str, str],
                   gpu_rules: list[GpuRule], partitions: dict[str, Partition],
                   requests: list[JobRequest] = ()) -> list[str]:
    """Every setting that would fail on this cluster, each message naming it. ``rule_partitions``: the rules'
    ``set-resources`` partitions; ``partitions``: :func:`cluster_partitions`; ``requests``: each rule's cores and
    memory as the profile sets them (a rule without its own ``mem_mb`` carries the default's)."""
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
        if gpu.gpus and partition in partitions and not partitions[partition].gpus:
            problems.append(f"rule {gpu.rule} asks for {gpu.gpus} GPU(s) ({gpu.why}) but partition {partition!r} has "
                            f"no GPUs: send it to a GPU partition (set-resources.{gpu.rule}.slurm_partition) or set "
                            f"{gpu.remedy}")
    for request in requests:
        partition = rule_partitions.get(request.rule, default_partition)
        if partition not in partitions:
            continue  # named above
        node = partitions[partition]
        if request.threads is not None and request.threads > node.cpus:
            problems.append(f"set-threads.{request.rule} {request.threads}: the nodes of partition {partition!r} have "
                            f"at most {node.cpus} CPUs (SLURM would refuse or never start the job)")
        if request.mem_mb is not None and request.mem_mb > node.mem_mb:
            where = "default-resources" if request.rule == "*" else f"set-resources.{request.rule}"
            problems.append(f"{where}.mem_mb {request.mem_mb}: the nodes of partition {partition!r} have at most "
                            f"{node.mem_mb} MB")
    return problems
