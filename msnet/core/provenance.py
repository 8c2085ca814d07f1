"""Provenance stamped into every result file: what code, which versions, which spec."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from msnet.core.cpu import cpu_description

PACKAGES = ("torch", "torchvision", "fvcore", "numpy", "snakemake", "msnet-repro")


def git_commit(cwd: str | Path | None = None) -> str:
    """``HEAD`` commit, with ``-dirty`` when tracked files differ; ``unknown`` outside git."""
    cwd = cwd or Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def spec_hash(spec: dict) -> str:
    """Stable short hash of a JSON-able spec (model, frames, overrides, ...)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:12]


def provenance(spec: dict) -> dict:
    return {
        "git_commit": git_commit(),
        "versions": versions(),
        "spec_hash": spec_hash(spec),
        "host": platform.node(),
        "machine": platform.machine(),
        "cpu": cpu_description(),  # bf16 rounds and runs differently with and without AVX-512 BF16
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
