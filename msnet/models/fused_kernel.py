"""The native CPU kernel of the MS module's matching + displacement steps (``ext/motion_squeeze_cpu.c``), for
inference, with the PyTorch path as the automatic fallback.

The kernel is compiled on first use with the machine's C compiler (``-O3 -march=native -fopenmp``, under a second)
into a cache folder (``$MSNET_EXT_CACHE``, default ``~/.cache/msnet-repro/ext``) keyed by the source, the flags and
the CPU, and loaded with ctypes (no PyTorch headers, so nothing slow to build). Without a compiler, without the
``ext/`` folder (a non-editable install) or with ``MSNET_FUSED_KERNEL=0`` the PyTorch path runs, and
:func:`status` says why. The MS module calls :func:`fused_displacement` only where its result cannot differ in use:
CPU float32, no autograd, not being traced (fvcore), and not switched off by :func:`use_fused_kernel` (the THOP
counter switches it off: its module hooks must see the correlation layer run).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch

from msnet.core.cpu import cpu_flags

log = logging.getLogger(__name__)

SOURCE = Path(__file__).resolve().parents[2] / "ext" / "motion_squeeze_cpu.c"
FLAGS = ["-O3", "-march=native", "-ffp-contract=fast", "-fopenmp", "-fPIC", "-shared", "-std=c11"]
ABI_VERSION = 3
LANES = 16  # as in the C source

_state: dict = {"library": None, "tried": False, "reason": "not loaded yet", "enabled": True}


def _cache_dir() -> Path:
    return Path(os.environ.get("MSNET_EXT_CACHE", Path.home() / ".cache" / "msnet-repro" / "ext"))


def _build() -> ctypes.CDLL:
    compiler = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise RuntimeError("no C compiler (gcc/cc) on PATH")
    if not SOURCE.exists():
        raise RuntimeError(f"{SOURCE} not found (install the repository with `pip install -e .`)")
    key = hashlib.sha256(SOURCE.read_bytes() + " ".join([compiler, *FLAGS, cpu_flags()]).encode()).hexdigest()[:16]
    target = _cache_dir() / f"motion_squeeze_cpu-{key}.so"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            built = Path(tmp) / target.name
            run = subprocess.run([compiler, *FLAGS, str(SOURCE), "-o", str(built), "-lm"], capture_output=True,
                                 text=True)
            if run.returncode != 0:
                raise RuntimeError(f"compiling {SOURCE} failed: {run.stderr.strip()[:500]}")
            os.replace(built, target)  # atomic: concurrent jobs never load a half-written library
    library = ctypes.CDLL(str(target))
    if library.ms_fused_abi_version() != ABI_VERSION:
        raise RuntimeError(f"{target}: ABI version {library.ms_fused_abi_version()}, expected {ABI_VERSION}")
    function = library.ms_fused_displacement
    function.restype = ctypes.c_int
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p] + [ctypes.c_int] * 10 + [ctypes.c_float] * 2 + \
        [ctypes.c_int] * 4
    return library


def library() -> ctypes.CDLL | None:
    """The loaded kernel, building it on first use; None when unavailable (see :func:`status`)."""
    if not _state["tried"]:
        _state["tried"] = True
        if os.environ.get("MSNET_FUSED_KERNEL", "1") == "0":
            _state["reason"] = "switched off by MSNET_FUSED_KERNEL=0"
        elif platform.system() != "Linux":
            _state["reason"] = f"built for Linux only (this is {platform.system()})"
        else:
            try:
                _state["library"] = _build()
                _state["reason"] = "loaded"
            except (RuntimeError, OSError) as err:
                _state["reason"] = str(err)
                log.warning("MS module: native CPU kernel unavailable (%s); using the PyTorch path", err)
    return _state["library"]


def status() -> dict:
    """Whether the kernel can run here and, if not, why; recorded in run-time results."""
    library()
    available = _state["library"] is not None and _state["enabled"]
    return {"available": available,
            "reason": _state["reason"] if _state["enabled"] else "switched off by use_fused_kernel(False)"}


@contextlib.contextmanager
def use_fused_kernel(enabled: bool):
    """Switch the kernel on or off inside a block (the THOP counter needs the layers the kernel replaces)."""
    before = _state["enabled"]
    _state["enabled"] = enabled
    try:
        yield
    finally:
        _state["enabled"] = before


def applicable(features: torch.Tensor) -> bool:
    """True where the kernel's result equals the PyTorch path's and nothing needs the intermediate layers."""
    return (_state["enabled"] and features.device.type == "cpu" and features.dtype == torch.float32
            and not (torch.is_grad_enabled() and features.requires_grad) and not torch.jit.is_tracing()
            and library() is not None)


def fused_displacement(features: torch.Tensor, *, patch_size: int, dilation: int, official: bool, kernel: bool,
                       confidence: bool, sigma: float, temperature: float, backward: bool) -> torch.Tensor:
    """Motion of (N, T, C, H, W) matching features -> (N*T, 2|3|4|6, H, W), as ``MotionSqueeze.motion`` returns."""
    n, t, c, h, w = features.shape
    r = (patch_size - 1) // 2 * dilation
    # columns outside the map read zeros; LANES more on the right so that the kernel always reads whole vectors
    padded = torch.nn.functional.pad(features, (r, r + LANES * dilation)).contiguous()
    per_direction = 3 if confidence else 2
    out_channels = per_direction * (2 if backward else 1)
    out = features.new_empty(n, t, out_channels, h, w)
    function = library().ms_fused_displacement
    for direction in range(2 if backward else 1):
        code = function(padded.data_ptr(), out.data_ptr(), n, t, h, w, c, patch_size, dilation, int(official),
                        int(kernel), int(confidence), sigma, temperature, direction, out_channels,
                        direction * per_direction, torch.get_num_threads())
        if code != 0:
            raise MemoryError("MS module native kernel: out of memory")
    return out.view(n * t, out_channels, h, w)
