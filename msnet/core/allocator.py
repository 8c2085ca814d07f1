"""Keep freed CPU memory in the process while timing: the CPU counterpart of CUDA's caching allocator.

glibc's ``malloc`` serves every block above its mmap threshold (128 KiB, adapting up to 32 MiB) with a fresh
``mmap`` and returns it on ``free``, so each forward pass of a ResNet-50 clip asks the kernel for its activations
again and touches every new page: measured 74,000 page faults per TSM-R50 8x224x224 forward (about 300 MB of zeroed
pages), 20 % of its time (341 -> 267 ms on 2 cores), and more for the models with more large temporaries. On a GPU
the caching allocator reuses blocks and no such cost exists, so timings without this measure the kernel's page
zeroing as much as the network. ``mallopt`` raises the mmap and trim thresholds, so freed blocks go back to malloc's
free lists and are reused; the run-time JSON records whether it was applied.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 30  # blocks up to 1 GiB come from the heap and are reused
TRIM_THRESHOLD = (1 << 31) - 1  # never hand the heap's top back to the kernel


def glibc() -> ctypes.CDLL | None:
    """The C library, when it is glibc on Linux (mallopt, mallinfo2); None elsewhere."""
    if platform.system() != "Linux":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def keep_freed_memory() -> dict:
    """Apply the two ``mallopt`` settings (glibc only); returns what was done, for the result's provenance."""
    libc = glibc()
    if libc is None or not hasattr(libc, "mallopt"):  # not Linux, or a libc without mallopt (musl)
        return {"allocator": "system default", "tuned": False, "reason": f"no glibc mallopt ({platform.system()})"}
    done = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return {"allocator": "glibc malloc", "tuned": done, "mmap_threshold": MMAP_THRESHOLD, "trim_threshold": TRIM_THRESHOLD}
