"""Local correlation between two feature maps (the MS module's matching step).

Semantics follow the correlation extension the official MSNet code calls
(``SpatialCorrelationSampler(kernel_size=1, patch_size=P, dilation_patch=d)``)::

    out[n, i, j, y, x] = sum_c f1[n, c, y, x] * f2[n, c, y + (i - k) * d, x + (j - k) * d]

with ``k = (P - 1) // 2``, the first window axis ``i`` the vertical displacement dy,
terms outside the map zero, and no normalisation by C.

Two implementations share that contract:

* :func:`correlation_reference` -- pad, ``F.unfold`` and a channel sum. Obviously right,
  but it materialises a ``(C, P*P, H, W)`` tensor; used as the oracle in tests.
* :class:`SpatialCorrelation` -- the fast path: an autograd Function that loops over the
  ``P*P`` shifts, multiplying and reducing over channels, with an explicit backward of
  the same form. It never holds more than one shifted product at a time. FLOP
  counters see it as the single op ``prim::PythonOp.SpatialCorrelation``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _check(f1: torch.Tensor, f2: torch.Tensor, patch_size: int, dilation: int) -> None:
    if f1.shape != f2.shape or f1.dim() != 4:
        raise ValueError(f"expected two equal (B, C, H, W) maps, got {tuple(f1.shape)} and {tuple(f2.shape)}")
    if patch_size < 1 or patch_size % 2 == 0:
        raise ValueError(f"patch_size must be a positive odd number, got {patch_size}")
    if dilation < 1:
        raise ValueError(f"dilation must be >= 1, got {dilation}")


def correlation_reference(f1: torch.Tensor, f2: torch.Tensor, patch_size: int = 15, dilation: int = 1) -> torch.Tensor:
    """Unfold-based oracle: ``(B, C, H, W) x 2 -> (B, P, P, H, W)``."""
    _check(f1, f2, patch_size, dilation)
    b, c, h, w = f1.shape
    r = (patch_size - 1) // 2 * dilation
    windows = F.unfold(f2, kernel_size=patch_size, dilation=dilation, padding=r)  # (B, C*P*P, H*W)
    windows = windows.view(b, c, patch_size * patch_size, h * w)
    out = (windows * f1.reshape(b, c, 1, h * w)).sum(dim=1)
    return out.view(b, patch_size, patch_size, h, w)


def _shifts(patch_size: int, dilation: int, h: int, w: int):
    """Yield (i, j, rows, cols): window index and the slice of the padded map it reads."""
    for i in range(patch_size):
        rows = slice(i * dilation, i * dilation + h)
        for j in range(patch_size):
            yield i, j, rows, slice(j * dilation, j * dilation + w)


class SpatialCorrelation(torch.autograd.Function):
    """Shift-and-accumulate correlation with an exact hand-written backward."""

    @staticmethod
    def forward(ctx, f1: torch.Tensor, f2: torch.Tensor, patch_size: int, dilation: int) -> torch.Tensor:
        _check(f1, f2, patch_size, dilation)
        b, _, h, w = f1.shape
        r = (patch_size - 1) // 2 * dilation
        f1 = f1.contiguous()
        f2p = F.pad(f2, (r, r, r, r))
        out = f1.new_empty(b, patch_size, patch_size, h, w)
        product = torch.empty_like(f1)  # one shifted product, reused for every shift
        for i, j, rows, cols in _shifts(patch_size, dilation, h, w):
            torch.mul(f1, f2p[:, :, rows, cols], out=product)
            torch.sum(product, dim=1, out=out[:, i, j])
        ctx.save_for_backward(f1, f2p)
        ctx.geometry = (patch_size, dilation, r)
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        f1, f2p = ctx.saved_tensors
        patch_size, dilation, r = ctx.geometry
        h, w = f1.shape[-2:]
        grad_out = grad_out.contiguous()
        need_f1, need_f2 = ctx.needs_input_grad[:2]
        grad_f1 = torch.zeros_like(f1) if need_f1 else None
        grad_f2p = torch.zeros_like(f2p) if need_f2 else None
        for i, j, rows, cols in _shifts(patch_size, dilation, h, w):
            g = grad_out[:, i, j].unsqueeze(1)
            if need_f1:
                grad_f1.addcmul_(g, f2p[:, :, rows, cols])
            if need_f2:
                grad_f2p[:, :, rows, cols].addcmul_(g, f1)
        grad_f2 = grad_f2p[:, :, r : r + h, r : r + w] if need_f2 else None
        return grad_f1, grad_f2, None, None


def correlation(f1: torch.Tensor, f2: torch.Tensor, patch_size: int = 15, dilation: int = 1) -> torch.Tensor:
    """Local correlation ``(B, C, H, W) x 2 -> (B, P, P, H, W)`` on the fast path."""
    return SpatialCorrelation.apply(f1, f2, patch_size, dilation)


class Correlation(nn.Module):
    """Module form of :func:`correlation`, so cost counters can hook it like a layer."""

    def __init__(self, patch_size: int = 15, dilation: int = 1):
        super().__init__()
        self.patch_size = patch_size
        self.dilation = dilation

    def forward(self, f1: torch.Tensor, f2: torch.Tensor) -> torch.Tensor:
        return correlation(f1, f2, self.patch_size, self.dilation)

    def extra_repr(self) -> str:
        return f"patch_size={self.patch_size}, dilation={self.dilation}"
