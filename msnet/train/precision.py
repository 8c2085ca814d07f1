"""Mixed precision as a recipe names it: ``fp32`` (none), ``fp16`` (CUDA autocast; the trainer adds a gradient
scaler) or ``bf16`` (autocast on the CPU or CUDA). bf16 on an AVX-512 BF16 CPU made training steps of the synthetic
protocol 1.3-1.9x faster; on a CPU without native bf16 (AVX2 only) it is emulated and 9-15x slower than fp32
(docs/training.md). It changes the numbers, so it is part of the recipe (and of every result's fingerprint), never a
silent switch: a job that would emulate it says so and how to choose fp32."""

from __future__ import annotations

import logging

import torch

from msnet.core.cpu import cpu_description, native_bf16

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}
log = logging.getLogger("msnet.train")


def autocast(device: torch.device, precision: str):
    """The autocast context for ``precision`` on ``device`` (a no-op for fp32)."""
    dtype = DTYPES.get(precision)
    return torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)


def warn_if_emulated(device: torch.device, precision: str, fp32_setting: str) -> bool:
    """Log a warning when bf16 would run emulated on this CPU; ``fp32_setting`` is how the job's config chooses fp32.
    Returns whether it warned."""
    if precision != "bf16" or device.type != "cpu" or native_bf16():
        return False
    log.warning("bf16 on %s is emulated (no AVX-512 BF16 or AMX): training steps take 9-15x as long as in fp32 "
                "(tools/bf16_step_speed.py measures it here). The result keeps bf16, as configured; for fp32 set %s "
                "(another configuration: its numbers differ from bf16 references).", cpu_description(), fp32_setting)
    return True
