"""Feature transformation of the MS module: displacement tensor -> motion feature.

``dws`` is the paper's Fig. 3 / the official ``Flow_refinement``: four depthwise-separable
blocks (7x7, then three 3x3), widths D -> 16 -> 32 -> 64 -> C, every conv bias-free and
followed by BN and ReLU. The other forms are the Table 7 ablation (supplementary Sec. 1):
``1x(1,1)`` and ``1x(3,3)`` are one standard conv D -> C; ``4x(3,3)`` is four standard 3x3
convs D -> 64 -> 64 -> 64 -> C. The paper does not print the widths of ``4x(3,3)``; 64
reproduces its FLOPs (35.8 G for MSNet-R50, docs/specs.md).
"""

from __future__ import annotations

from torch import nn

TRANSFORMS = ("dws", "1x(1,1)", "1x(3,3)", "4x(3,3)")


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
    raise ValueError(f"unknown feature transform {kind!r}; choose one of {TRANSFORMS}")
