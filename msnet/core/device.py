"""Which torch device a stage runs on, from the one spelling every stage accepts: auto, cpu, cuda or cuda:N."""

from __future__ import annotations

import torch

from msnet.core.errors import BadValue


def pick_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """``auto``: this process's CUDA device when torch sees one, else the CPU; ``cuda``: the GPU of ``local_rank``
    (torchrun's); ``cuda:N``: that GPU. Asking for CUDA without a GPU raises instead of silently using the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise BadValue(f"device {name!r} asked for, but torch sees no CUDA device; use cpu or auto")
        return torch.device("cuda", local_rank if name == "cuda" else int(name.split(":")[1]))
    if name != "cpu":
        raise BadValue(f"device must be auto, cpu, cuda or cuda:N, got {name!r}")
    return torch.device("cpu")
