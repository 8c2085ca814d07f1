"""Feature transformation of the MS module: displacement tensor -> motion feature.

``dws`` is the paper's Fig. 3 / the official ``Flow_refinement``: four depthwise-separable
blocks (7x7, then three 3x3), widths D -> 16 -> 32 -> 64 -> C, every conv bias-free and
followed by BN and ReLU. The other forms are the Table 7 ablation (supplementary Sec. 1):
``1x(1,1)`` and ``1x(3,3)`` are one standard conv D -> C; ``4x(3,3)`` is four standard 3x3
convs D -> 64 -> 64 -> 64 -> C. The paper does not print the widths of ``4x(3,3)``; 64
reproduces its FLOPs (35.8 G for MSNet-R50, docs/specs.md).
"""

from __future__ import annotations

import torch
from torch import nn

from msnet.core.errors import BadValue

TRANSFORMS = ("dws", "1x(1,1)", "1x(3,3)", "4x(3,3)")


class _ReLUKeepingMask(torch.autograd.Function):
    """In-place ReLU whose backward needs only where the input was positive (1 byte an element, not 4)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.mark_dirty(x)
        x.relu_()
        ctx.save_for_backward(x > 0)
        return x

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (positive,) = ctx.saved_tensors
        return torch.where(positive, grad, 0.0)  # as ReLU's own backward: the gradient where the output is > 0


class ReLUKeepingMask(nn.ReLU):
    """``nn.ReLU(inplace=True)`` that, in training, keeps a boolean mask for its backward instead of its output.

    For the FT's last activation, whose output only feeds the residual add: autograd would keep that output alive
    (103 MB for MSNet-R50 at batch 8) just for the ReLU's backward. Same values and gradients; plain ReLU when there
    is nothing to differentiate or when traced (FLOP counters then see the usual op)."""

    def __init__(self):
        super().__init__(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() and x.requires_grad and not torch.jit.is_tracing():
            return _ReLUKeepingMask.apply(x)
        return super().forward(x)


def conv_bn_relu(in_ch: int, out_ch: int, kernel: int, groups: int = 1) -> nn.Sequential:
    """Bias-free conv, BN, ReLU with 'same' padding."""
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_ch),
        nn.ReLU(inplace=True),
    )


def _depthwise_separable(in_ch: int, out_ch: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(conv_bn_relu(in_ch, in_ch, kernel, groups=in_ch), conv_bn_relu(in_ch, out_ch, 1))


def build_feature_transform(kind: str, in_channels: int, out_channels: int) -> nn.Sequential:
    """The FT layers named ``kind`` (one of :data:`TRANSFORMS`)."""
    if kind == "dws":
        widths = [in_channels, 16, 32, 64, out_channels]
        kernels = [7, 3, 3, 3]
        return nn.Sequential(*(_depthwise_separable(a, b, k) for a, b, k in zip(widths, widths[1:], kernels)))
    if kind == "1x(1,1)":
        return nn.Sequential(conv_bn_relu(in_channels, out_channels, 1))
    if kind == "1x(3,3)":
        return nn.Sequential(conv_bn_relu(in_channels, out_channels, 3))
    if kind == "4x(3,3)":
        widths = [in_channels, 64, 64, 64, out_channels]
        return nn.Sequential(*(conv_bn_relu(a, b, 3) for a, b in zip(widths, widths[1:])))
    raise BadValue(f"unknown feature transform {kind!r}; choose one of {TRANSFORMS}")
