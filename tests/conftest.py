import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
# The CI configuration (.test/config.yaml) with every device `cpu` (.test/cpu-cluster.yaml: what the SLURM test's
# GPU-less cluster needs; on a machine without a GPU `auto` already means the CPU, so the numbers are the same).
CI_CONFIGS = (REPO / ".test/config.yaml", REPO / ".test/cpu-cluster.yaml")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def translated_pair(channels: int, size: int, dx: int, dy: int, norm: float | None = None) -> torch.Tensor:
    """Two frames ``(2, C, size, size)``: frame 1 is frame 0 with its content moved by (+dx, +dy).

    ``norm`` gives every pixel's feature vector that L2 norm (random directions).
    """
    f0 = torch.randn(1, channels, size, size, dtype=torch.float64)
    if norm is not None:
        f0 = norm * f0 / f0.norm(dim=1, keepdim=True)
    f1 = torch.roll(f0, shifts=(dy, dx), dims=(2, 3))
    return torch.cat([f0, f1])


# Tiny videos (decord fails below 64 px wide), with every difficulty knob on: camera pan makes every frame distinct,
# which the frame-identity checks of the decoding tests need.
SMALL = dict(height=32, width=64, frames=10)  # tiny videos: every format written and prepared in seconds


@pytest.fixture(scope="session")
def synthetic_roots(tmp_path_factory):
    """The synthetic benchmark in all four provider formats (40 videos each): {format: root}."""
    from msnet.data.synth_writer import write_benchmark
    from msnet.data.synthetic import HARD, SynthConfig

    base = tmp_path_factory.mktemp("synthetic")
    roots = {}
    for name in ("ssv1", "ssv2", "kinetics", "hmdb51"):
        write_benchmark(name, base / name, SynthConfig(**SMALL, **HARD), videos=40, seed=3, workers=1, progress=False)
        roots[name] = base / name
    return roots


@pytest.fixture(scope="session")
def prepared(synthetic_roots, tmp_path_factory):
    """Each format prepared (strict) and decode-checked: {format: prepared folder}."""
    from msnet.data.decode_check import check_decoding
    from msnet.data.prepare import prepare

    base = tmp_path_factory.mktemp("prepared")
    out = {}
    for name, root in synthetic_roots.items():
        prepare(name, root, base / name, progress=False)
        check_decoding(base / name, sample=8, workers=1, progress=False)
        out[name] = base / name
    return out


@pytest.fixture(scope="session")
def ci_workflow_run(tmp_path_factory):
    """The CI configuration run locally (`--cores 2`), once per session: the end-to-end test reads it, the SLURM test
    compares its own run with it."""
    folder = tmp_path_factory.mktemp("ci-workflow")
    run = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--cores", "2",
                          "--directory", str(folder), "--configfile", *map(str, CI_CONFIGS)],
                         capture_output=True, text=True, timeout=1800)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return folder
