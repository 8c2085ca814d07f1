"""Mixed precision as a recipe names it: ``fp32`` (none), ``fp16`` (CUDA autocast; the trainer adds a gradient
scaler) or ``bf16`` (autocast on the CPU or CUDA). bf16 on this project's AVX-512 BF16 CPU made training steps of
the synthetic protocol 1.3-1.9x faster (docs/training.md); it changes the numbers, so it is part of the recipe (and of
every result's fingerprint), never a silent switch."""

from __future__ import annotations

import torch

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}


def autocast(device: torch.device, precision: str):
    """The autocast context for ``precision`` on ``device`` (a no-op for fp32)."""
    dtype = DTYPES.get(precision)
    return torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)
