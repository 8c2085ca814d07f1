"""One process per device under ``torchrun``: NCCL on GPUs, gloo on CPUs; a plain process is world size 1."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Context:
    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def main(self) -> bool:
        return self.rank == 0


def pick_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """``auto``: this process's CUDA device when there is one, else the CPU. ``cuda`` without a GPU raises."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda was asked for but torch sees no GPU")
        return torch.device("cuda", local_rank if name == "cuda" else int(name.split(":")[1]))
    if name != "cpu":
        raise ValueError(f"device must be auto, cpu or cuda[:N], got {name!r}")
    return torch.device("cpu")


def setup(device: str = "auto") -> Context:
    """Join the process group that ``torchrun`` describes in the environment (if any)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    chosen = pick_device(device, local_rank)
    if world > 1 and not dist.is_initialized():
        if chosen.type == "cuda":
            torch.cuda.set_device(chosen)
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return Context(rank, world, chosen)


def all_reduce_sum(values: list[float], context: Context) -> list[float]:
    """Sum a few scalars over processes (per-epoch statistics)."""
    if context.world == 1:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=context.device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def barrier(context: Context) -> None:
    if context.world > 1:
        dist.barrier()


def teardown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
