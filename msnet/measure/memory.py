"""Peak CPU memory of one call, exactly: glibc's count of bytes in use, read after every PyTorch operation.

The process's peak resident set (``ru_maxrss``) mixes in the libraries, pages the allocator keeps, and whatever
ran before; two runs of the same training step differ by hundreds of MB. Here a ``TorchDispatchMode`` reads
``mallinfo2()`` (heap and mmapped bytes in use) after every operator of the call, forward and backward, and keeps
the maximum: the memory the step needs at op granularity (scratch memory an operator frees before returning is
not seen). Linux/glibc only; elsewhere the functions return None.
"""

from __future__ import annotations

import ctypes

from torch.utils._python_dispatch import TorchDispatchMode

from msnet.core.allocator import glibc


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _mallinfo2():
    libc = glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):  # not glibc, or glibc < 2.33
        return None
    function = libc.mallinfo2
    function.restype = _MallInfo2
    return function


_MALLINFO2 = _mallinfo2()


def bytes_in_use() -> int | None:
    """Heap bytes allocated plus mmapped bytes, now."""
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return info.uordblks + info.hblkhd


class _PeakAfterEveryOp(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.peak = bytes_in_use()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.peak = max(self.peak, bytes_in_use())
        return out


def peak_memory(fn) -> dict | None:
    """Call ``fn()`` once; MB in use before it, at its peak, and the difference (what the call needed)."""
    before = bytes_in_use()
    if before is None:
        return None
    with _PeakAfterEveryOp() as mode:
        fn()
    mb = 2**20
    return {"before_mb": before / mb, "peak_mb": mode.peak / mb, "added_mb": (mode.peak - before) / mb,
            "method": "glibc mallinfo2 after every PyTorch operator"}
