"""Checkpoints: atomic writes, safe loads (``weights_only=True``), everything a bitwise-identical resume needs.

A training checkpoint holds the model, optimiser and AMP-scaler states, the torch RNG states (CPU and CUDA: dropout
draws from them), the position (epoch, batches done in it), the running sums of the epoch in progress and the history
of finished epochs. Data randomness needs no state: clips and batch order are functions of (seed, epoch, index).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch


def save_atomic(obj: dict, path: str | Path) -> None:
    """Write to a temporary file in the same folder, then rename: a kill never leaves a torn checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load(path: str | Path) -> dict:
    """Load a checkpoint without unpickling arbitrary objects (tensors, dicts, lists, numbers, strings only)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # a truncated or foreign file: say which
        raise RuntimeError(f"{path}: not a readable msnet checkpoint ({err})") from err


def weights_digest(path: str | Path) -> str:
    """SHA-256 of a state dict's names, dtypes, shapes and values, not of the file: ``torch.save`` names its archive
    after the file it writes (here a temporary one), so one state saved twice differs byte for byte."""
    digest = hashlib.sha256()
    for name, tensor in sorted(load(path).items()):
        tensor = tensor.detach().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The model inside a DistributedDataParallel wrapper (state dicts are saved without the ``module.`` prefix)."""
    return getattr(model, "module", model)


def load_matching(model: torch.nn.Module, state: dict) -> list[str]:
    """Load the tensors of ``state`` whose names and shapes match ``model`` (fine-tuning with a new classifier).

    Returns the names left at their initial values; raises if nothing matched (a wrong checkpoint)."""
    own = model.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not usable:
        raise RuntimeError("the initialisation checkpoint shares no tensor with this model")
    model.load_state_dict(usable, strict=False)
    return sorted(set(own) - set(usable))
