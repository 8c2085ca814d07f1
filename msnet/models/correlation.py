"""Local correlation between two feature maps (the MS module's matching step).

Semantics follow the correlation extension the official MSNet code calls
(``SpatialCorrelationSampler(kernel_size=1, patch_size=P, dilation_patch=d)``)::

    out[n, i, j, y, x] = sum_c f1[n, c, y, x] * f2[n, c, y + (i - k) * d, x + (j - k) * d]

with ``k = (P - 1) // 2``, the first window axis ``i`` the vertical displacement dy,
terms outside the map zero, and no normalisation by C.

Two implementations share that contract:

* :func:`correlation_reference` -- pad, ``F.unfold`` and a channel sum. Obviously right,
  but it materialises a ``(C, P*P, H, W)`` tensor; used as the oracle in tests.
* :class:`SpatialCorrelation` -- the fast path: an autograd Function doing one banded
  batched matmul per window row, with an explicit backward of the same form. Its largest
  temporary is the padded f2 itself, laid out ``(H + 2r, B, C, W + 2r)``; it never builds
  a ``(C, P*P, H, W)`` tensor or an ``(H*W) x (H*W)`` matrix. Its output is stored
  window-last (a ``(B, P, P, H, W)`` view of ``(B, H, W, P, P)`` memory). FLOP counters see
  it as the single op ``prim::PythonOp.SpatialCorrelation``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from msnet.core.errors import BadValue


def _check(f1: torch.Tensor, f2: torch.Tensor, patch_size: int, dilation: int) -> None:
    if f1.shape != f2.shape or f1.dim() != 4:
        raise ValueError(f"expected two equal (B, C, H, W) maps, got {tuple(f1.shape)} and {tuple(f2.shape)}")
    if patch_size < 1 or patch_size % 2 == 0:
        raise BadValue(f"patch_size must be a positive odd number, got {patch_size}")
    if dilation < 1:
        raise BadValue(f"dilation must be >= 1, got {dilation}")


def correlation_reference(f1: torch.Tensor, f2: torch.Tensor, patch_size: int = 15, dilation: int = 1) -> torch.Tensor:
    """Unfold-based oracle: ``(B, C, H, W) x 2 -> (B, P, P, H, W)``."""
    _check(f1, f2, patch_size, dilation)
    b, c, h, w = f1.shape
    r = (patch_size - 1) // 2 * dilation
    windows = F.unfold(f2, kernel_size=patch_size, dilation=dilation, padding=r)  # (B, C*P*P, H*W)
    windows = windows.view(b, c, patch_size * patch_size, h * w)
    out = (windows * f1.reshape(b, c, 1, h * w)).sum(dim=1)
    return out.view(b, patch_size, patch_size, h, w)


def _rows(f2_rows: torch.Tensor, i: int, dilation: int, h: int) -> torch.Tensor:
    """Padded rows ``y + i*dilation`` of f2 for every output row y, as ``(H*B, C, W + 2r)``.

    ``f2_rows`` is the padded f2 laid out row-major ``(H + 2r, B, C, W + 2r)``, so this is a view.
    """
    _, b, c, wp = f2_rows.shape
    return f2_rows[i * dilation : i * dilation + h].view(h * b, c, wp)


def _band(matrix: torch.Tensor, b: int, patch_size: int, dilation: int) -> torch.Tensor:
    """View ``[y, n, x, j] = matrix[y*B + n, x, x + j*dilation]`` of a ``(H*B, W, W + 2r)`` matrix: the P
    diagonals that are correlation outputs, with the window offset j last (adjacent in memory when d = 1)."""
    bh, w, wp = matrix.shape
    return matrix.as_strided((bh // b, b, w, patch_size), (b * w * wp, w * wp, wp + 1, dilation), matrix.storage_offset())


class SpatialCorrelation(torch.autograd.Function):
    """Correlation as one batched matmul per vertical offset, with an exact hand-written backward.

    For window row i, every output row y needs ``f1[:, :, y, :]^T @ f2p[:, :, y + i*d, :]``, a
    ``(W, C) x (C, W + 2r)`` product whose ``P`` diagonals ``x + j*d`` are the outputs: a
    banded GEMM that wastes ``(W + 2r) / P`` of its multiply-adds but runs at matmul speed,
    where a loop over the ``P*P`` shifts is bound by memory traffic.

    The output is stored window-last, ``(B, H, W, P, P)`` in memory, and returned as its ``(B, P, P, H, W)``
    view: the displacement step reduces over the window, which is then contiguous (a softmax over a strided
    axis is several times slower), and the band copies read and write runs of P adjacent values.
    """

    @staticmethod
    def forward(ctx, f1: torch.Tensor, f2: torch.Tensor, patch_size: int, dilation: int) -> torch.Tensor:
        _check(f1, f2, patch_size, dilation)
        b, c, h, w = f1.shape
        r = (patch_size - 1) // 2 * dilation
        f2_rows = F.pad(f2, (r, r, r, r)).permute(2, 0, 1, 3).contiguous()  # (H+2r, B, C, W+2r)
        a = f1.permute(2, 0, 3, 1).reshape(h * b, w, c)
        out = f1.new_empty(b, h, w, patch_size, patch_size)
        product = f1.new_empty(h * b, w, w + 2 * r)
        for i in range(patch_size):
            torch.bmm(a, _rows(f2_rows, i, dilation, h), out=product)
            out[:, :, :, i].copy_(_band(product, b, patch_size, dilation).transpose(0, 1))
        ctx.save_for_backward(a, f2_rows)
        ctx.geometry = (patch_size, dilation, r, b, c, h, w)
        return out.permute(0, 3, 4, 1, 2)

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        a, f2_rows = ctx.saved_tensors
        patch_size, dilation, r, b, c, h, w = ctx.geometry
        need_f1, need_f2 = ctx.needs_input_grad[:2]
        grad_a = torch.zeros_like(a) if need_f1 else None
        grad_f2_rows = torch.zeros_like(f2_rows) if need_f2 else None
        a_t = a.transpose(1, 2) if need_f2 else None
        grad = grad_out.permute(0, 3, 4, 1, 2)  # (B, H, W, P, P): a free view when it arrives window-last
        g_matrix = a.new_zeros(h * b, w, w + 2 * r)  # band entries rewritten for each i, the rest stay 0
        band = _band(g_matrix, b, patch_size, dilation)
        for i in range(patch_size):
            band.copy_(grad[:, :, :, i].transpose(0, 1))
            if need_f1:
                grad_a.baddbmm_(g_matrix, _rows(f2_rows, i, dilation, h).transpose(1, 2))
            if need_f2:
                _rows(grad_f2_rows, i, dilation, h).baddbmm_(a_t, g_matrix)
        grad_f1 = grad_a.view(h, b, w, c).permute(1, 3, 0, 2).contiguous() if need_f1 else None
        grad_f2 = grad_f2_rows[r : r + h, :, :, r : r + w].permute(1, 2, 0, 3).contiguous() if need_f2 else None
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
