"""What CPU a result was made on: its name and the instruction sets that change bf16 training.

Two machines of one "AMD EPYC" name can differ in whether they have AVX-512 BF16: with it, bf16 convolutions run
natively; without it (AVX2 only) they are emulated, far slower and with other rounding: on an AVX2-only EPYC, bf16
training steps took 9-15x the time of fp32 ones (tools/bf16_step_speed.py; docs/training.md, "bf16 without native
support"), where an AVX-512 BF16 EPYC makes them 1.3-1.9x faster than fp32. The chaotic appearance pretraining then
draws differently (docs/training.md, "The pretraining's draw"), so a result records the features it ran with and the
accuracy gate says when a run's differ from its reference's; a job that would emulate bf16 warns
(msnet/train/precision.py).
"""

from __future__ import annotations

import functools
import platform
from pathlib import Path

# /proc/cpuinfo flags that decide how bf16 and fp32 convolutions run (widest first)
FEATURES = ("amx_bf16", "avx512_bf16", "avx512f", "avx2")


@functools.cache
def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo; {} where there is none (not Linux)."""
    fields: dict[str, str] = {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return fields
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def cpu_name() -> str:
    """The CPU's model name, else what the platform says."""
    return _cpuinfo().get("model name") or platform.processor() or platform.machine()


def cpu_flags() -> str:
    """The raw flags line (the native kernel's cache key); the platform's processor string where there is none."""
    return _cpuinfo().get("flags") or platform.processor()


def cpu_features() -> list[str]:
    """Which of :data:`FEATURES` this CPU has (empty where /proc/cpuinfo is absent)."""
    flags = set(_cpuinfo().get("flags", "").split())
    return [feature for feature in FEATURES if feature in flags]


def native_bf16() -> bool:
    """Whether bf16 convolutions run natively (AVX-512 BF16 or AMX); False where /proc/cpuinfo is absent (unknown)."""
    return bool({"amx_bf16", "avx512_bf16"} & set(cpu_features()))


def cpu_description() -> str:
    """``name (features)``, as provenance records it: e.g. ``AMD EPYC (avx512_bf16, avx512f, avx2)``."""
    features = cpu_features()
    return f"{cpu_name()} ({', '.join(features) if features else 'no AVX2'})"
