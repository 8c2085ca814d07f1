"""Temporal shift (TSM, Lin et al. ICCV 2019), as the TSM and MSNet code apply it.

Facts from ``mit-han-lab/temporal-shift-module:ops/temporal_shift.py`` (the MSNet code
is identical): with ``fold = C // 8`` channels [0, fold) take the value of frame t+1,
channels [fold, 2*fold) the value of frame t-1, the rest stay; frames off either end
are zeros (not circular). ``place='blockres'`` shifts only the residual branch: the
wrapper sits in front of ``conv1`` of every residual block.
"""

from __future__ import annotations

import torch
from torch import nn


def temporal_shift(x: torch.Tensor, num_frames: int, fold_div: int = 8) -> torch.Tensor:
    """Shift 1/fold_div of the channels one step back and 1/fold_div one step forward in time.

    Args:
        x: ``(N*T, C, H, W)``, frames of one video contiguous (frame-major).
        num_frames: T.
        fold_div: the reciprocal of the fraction shifted in each direction.
    """
    nt, c, h, w = x.shape
    if nt % num_frames:
        raise ValueError(f"batch {nt} is not a multiple of num_frames={num_frames}")
    x = x.view(nt // num_frames, num_frames, c, h, w)
    fold = c // fold_div
    out = torch.empty_like(x)
    # Channels [0, fold): out[t] = x[t+1]; zero at the last frame.
    out[:, :-1, :fold] = x[:, 1:, :fold]
    out[:, -1:, :fold] = 0
    # Channels [fold, 2*fold): out[t] = x[t-1]; zero at the first frame.
    out[:, 1:, fold : 2 * fold] = x[:, :-1, fold : 2 * fold]
    out[:, :1, fold : 2 * fold] = 0
    out[:, :, 2 * fold :] = x[:, :, 2 * fold :]
    return out.view(nt, c, h, w)


class TemporalShift(nn.Module):
    """Wrap a layer (a block's ``conv1``) so that its input is temporally shifted first."""

    def __init__(self, net: nn.Module, num_frames: int, fold_div: int = 8):
        super().__init__()
        self.net = net
        self.num_frames = num_frames
        self.fold_div = fold_div

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(temporal_shift(x, self.num_frames, self.fold_div))

    def extra_repr(self) -> str:
        return f"num_frames={self.num_frames}, fold_div={self.fold_div}"


def insert_temporal_shift(blocks: nn.Module, num_frames: int, fold_div: int = 8) -> None:
    """Wrap ``conv1`` of every residual block under ``blocks`` (TSM ``blockres`` placement)."""
    for block in blocks.modules():
        conv1 = getattr(block, "conv1", None)
        if isinstance(conv1, nn.Conv2d):
            block.conv1 = TemporalShift(conv1, num_frames, fold_div)
