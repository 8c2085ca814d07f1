"""A real SLURM cluster on this machine for the SLURM tests (tools/slurm_local.sh), the README's profile edits for
it, and the Snakemake command line that submits to it."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tools/slurm_local.sh"
CONF_FILE = Path("/etc/slurm/slurm.conf")


def config_is_the_scripts() -> bool:
    """/etc/slurm/slurm.conf is one tools/slurm_local.sh wrote (its controller's pid file is in the script's state
    folder)."""
    state = os.environ.get("SLURM_LOCAL_STATE", "/run/msnet-slurm")  # the script's default, or where it was told
    return CONF_FILE.is_file() and f"SlurmctldPidFile={state}/slurmctld.pid" in CONF_FILE.read_text().splitlines()


@contextlib.contextmanager
def local_cluster(nodes: int):
    """Start a cluster of ``nodes`` nodes (slurm-wlm and munge installed when missing), yield its partitions from
    ``sinfo``, stop it by the PIDs its daemons wrote. Stopped, it leaves no slurm.conf of its own behind: with one and
    no controller every later `snakemake` starts 9 s slower (tools/slurm_local.sh)."""
    start = subprocess.run(["bash", str(SCRIPT), "start", str(nodes)], capture_output=True, text=True, timeout=900)
    assert start.returncode == 0, start.stdout + start.stderr
    try:
        from msnet.cluster_check import cluster_partitions

        yield cluster_partitions()
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], timeout=120)
    assert not config_is_the_scripts(), f"tools/slurm_local.sh stop left its {CONF_FILE} behind"


def edited_profile(folder: Path, partitions) -> Path:
    """profiles/slurm with the README's edits for this cluster: an account, and cores and memory per job within its
    nodes (the pre-submission check names each setting that does not fit). Partitions `cpu` and `gpu` exist here."""
    profile = yaml.safe_load((REPO / "profiles/slurm/profile.yaml").read_text())
    node = partitions["cpu"]
    profile["default-resources"]["slurm_account"] = "local-test"
    for resources in [profile["default-resources"], *profile["set-resources"].values()]:
        if "mem_mb" in resources:
            resources["mem_mb"] = min(resources["mem_mb"], node.mem_mb)
    profile["set-threads"] = {rule: min(threads, node.cpus) for rule, threads in profile["set-threads"].items()}
    (folder / "slurm").mkdir(parents=True)
    (folder / "slurm/profile.yaml").write_text(yaml.safe_dump(profile))
    return folder / "slurm"


def slurm_snakemake(workdir: Path, profile: Path, *args: str) -> list[str]:
    """Targets go before ``--configfile`` (which takes every following word). Status checks from 5 s: the plugin's
    default, 40 s, suits a busy cluster, not seconds-long test jobs."""
    return [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
            "--workflow-profile", str(profile), "--slurm-init-seconds-before-status-checks", "5", *args]  # fmt: skip
