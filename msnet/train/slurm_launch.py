"""One training job across several SLURM nodes: one ``torchrun`` per node, meeting at a rendezvous on the job's
first node.

The workflow launches ``srun --nodes N --ntasks N --ntasks-per-node 1 python -m msnet.train.slurm_launch
--processes P -- train ...``. Each srun task runs this module on its node, reads the job's geometry from the
environment srun gives every task (``SLURM_JOB_NODELIST``, ``SLURM_NNODES``, ``SLURM_JOB_ID``), and replaces itself
with ``torchrun --nnodes N --nproc_per_node P --rdzv-backend c10d --rdzv-endpoint FIRST_NODE:PORT`` (the first
node's ``NodeAddr``, as ``scontrol`` reports it): torchrun's own multi-node rendezvous, so ranks, ``MASTER_ADDR`` and
world size come from torchrun as on one node. The port is derived from the job id, so two jobs sharing a first node
do not collide.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def first_node(nodelist: str) -> str:
    """The first node of a SLURM node list (``gpu[03-04],gpu07`` -> ``gpu03``), as ``scontrol`` expands it."""
    hosts = subprocess.run(["scontrol", "show", "hostnames", nodelist], capture_output=True, text=True, check=True)
    return hosts.stdout.split()[0]


def node_address(node: str) -> str:
    """Where a node is reached: its ``NodeAddr`` (a node's name need not be its host name), else the name."""
    shown = subprocess.run(["scontrol", "show", "node", "-o", node], capture_output=True, text=True)
    for field in shown.stdout.split():
        if field.startswith("NodeAddr="):
            return field.removeprefix("NodeAddr=")
    return node


def rendezvous_port(job_id: str) -> int:
    """A port in 20000-29999 from the job id: unique per job on a shared first node."""
    return 20000 + int(job_id) % 10000


def torchrun_command(processes: int, environ: dict[str, str], arguments: list[str]) -> list[str]:
    """The torchrun command line for this node of the job (``environ``: the srun task's environment)."""
    missing = [name for name in ("SLURM_JOB_ID", "SLURM_JOB_NODELIST", "SLURM_NNODES") if name not in environ]
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not set: msnet.train.slurm_launch runs inside `srun` in a SLURM job")
    host = node_address(first_node(environ["SLURM_JOB_NODELIST"]))
    endpoint = f"{host}:{rendezvous_port(environ['SLURM_JOB_ID'])}"
    return ["torchrun", "--nnodes", environ["SLURM_NNODES"], "--nproc_per_node", str(processes),
            "--rdzv-backend", "c10d", "--rdzv-endpoint", endpoint, "--rdzv-id", environ["SLURM_JOB_ID"],
            "-m", "msnet", *arguments]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m msnet.train.slurm_launch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, required=True, help="training processes (GPUs) per node")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="-- then the msnet command, e.g. -- train ...")
    args = parser.parse_args(argv)
    arguments = args.arguments[1:] if args.arguments[:1] == ["--"] else args.arguments
    command = torchrun_command(args.processes, dict(os.environ), arguments)
    node = os.environ.get("SLURMD_NODENAME", "?")
    print(f"{node} (node {os.environ.get('SLURM_NODEID', '?')}): {' '.join(command)}", file=sys.stderr, flush=True)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
