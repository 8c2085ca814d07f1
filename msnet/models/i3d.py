"""I3D (Carreira & Zisserman, CVPR 2017) on the BN-Inception (Inception-v1) layout, for Fig. 5.

As the MSNet supplementary (Sec. 3, Fig. 7) describes it: the first conv is reduced from
7x7x7 to 1x7x7 because only an 8-frame clip is used; every other 3x3 conv is inflated to
3x3x3 and every 1x1 to 1x1x1; conv, BN, ReLU throughout; trained from scratch. The
Inception widths are GoogLeNet's (torchvision's ``googlenet`` table, including its 3x3
"5x5" branch). The MS module goes after ``mixed_3b`` (the paper's "Inc(b)", 28x28 at 224
input), where T is still the input's. Input ``(N*T, 3, H, W)`` like every model here; the
network reshapes to ``(N, 3, T, H, W)`` itself and averages logits over time and space.
"""

from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from msnet.models.registry import checked_inserts

# name: (in, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool proj) -- GoogLeNet Table 1 widths.
INCEPTION = {
    "mixed_3b": (192, 64, 96, 128, 16, 32, 32),
    "mixed_3c": (256, 128, 128, 192, 32, 96, 64),
    "mixed_4b": (480, 192, 96, 208, 16, 48, 64),
    "mixed_4c": (512, 160, 112, 224, 24, 64, 64),
    "mixed_4d": (512, 128, 128, 256, 24, 64, 64),
    "mixed_4e": (512, 112, 144, 288, 32, 64, 64),
    "mixed_4f": (528, 256, 160, 320, 32, 128, 128),
    "mixed_5b": (832, 256, 160, 320, 32, 128, 128),
    "mixed_5c": (832, 384, 192, 384, 48, 128, 128),
}
POOL_BEFORE = {"mixed_4b": ((3, 3, 3), (2, 2, 2), (1, 1, 1)), "mixed_5b": ((2, 2, 2), (2, 2, 2), (0, 0, 0))}


def inception_out_channels(name: str) -> int:
    _, b0, _, b1, _, b2, b3 = INCEPTION[name]
    return b0 + b1 + b2 + b3


def unit3d(in_ch: int, out_ch: int, kernel: tuple[int, int, int], stride=(1, 1, 1)) -> nn.Sequential:
    padding = tuple(k // 2 for k in kernel)
    return nn.Sequential(
        nn.Conv3d(in_ch, out_ch, kernel, stride, padding, bias=False),
        nn.BatchNorm3d(out_ch, eps=1e-3),
        nn.ReLU(inplace=True),
    )


class Inception3d(nn.Module):
    """Four branches: 1x1x1; 1x1x1 -> 3x3x3; 1x1x1 -> 3x3x3; 3x3x3 max pool -> 1x1x1."""

    def __init__(self, in_ch: int, b0: int, b1r: int, b1: int, b2r: int, b2: int, b3: int):
        super().__init__()
        self.branch0 = unit3d(in_ch, b0, (1, 1, 1))
        self.branch1 = nn.Sequential(unit3d(in_ch, b1r, (1, 1, 1)), unit3d(b1r, b1, (3, 3, 3)))
        self.branch2 = nn.Sequential(unit3d(in_ch, b2r, (1, 1, 1)), unit3d(b2r, b2, (3, 3, 3)))
        self.branch3 = nn.Sequential(nn.MaxPool3d(3, 1, 1), unit3d(in_ch, b3, (1, 1, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], dim=1)


class Framewise(nn.Module):
    """Run a time-folded module ``(N*T, C, H, W)`` on ``(N, C, T, H, W)`` features."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, h, w = x.shape
        y = self.module(x.transpose(1, 2).reshape(n * t, c, h, w))
        return y.view(n, t, c, h, w).transpose(1, 2)


class I3D(nn.Module):
    """I3D Inception-v1 with a 1x7x7 stem.

    Args:
        num_classes: classifier width.
        num_frames: T of the input clip.
        inserts: Inception block name (``mixed_3b`` ...) -> time-folded module run after it.
        dropout: dropout before the 1x1x1 logits conv.
    """

    def __init__(self, *, num_classes: int = 174, num_frames: int = 8, inserts: Mapping[str, nn.Module] | None = None, dropout: float = 0.5):
        super().__init__()
        inserts = checked_inserts(inserts, INCEPTION)
        self.num_frames = num_frames
        self.input_channels = 3
        self.stem = nn.Sequential(
            unit3d(3, 64, (1, 7, 7), stride=(1, 2, 2)),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
            unit3d(64, 64, (1, 1, 1)),
            unit3d(64, 192, (3, 3, 3)),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
        )
        blocks = {}
        for name, widths in INCEPTION.items():
            if name in POOL_BEFORE:
                blocks[f"pool_{name}"] = nn.MaxPool3d(*POOL_BEFORE[name])
            blocks[name] = Inception3d(*widths)
            if name in inserts:
                blocks[f"after_{name}"] = Framewise(inserts[name])
        self.blocks = nn.Sequential()
        for name, block in blocks.items():
            self.blocks.add_module(name, block)
        self.dropout = nn.Dropout(dropout)
        self.logits = nn.Conv3d(inception_out_channels("mixed_5c"), num_classes, 1)

    def inserted_modules(self) -> dict[str, nn.Module]:
        """Inception block -> the module inserted after it."""
        return {name[len("after_"):]: wrapper.module for name, wrapper in self.blocks.named_children()
                if name.startswith("after_")}

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, 3, H, W) -> (N, 1024, T', H/32, W/32)``: the clip as one 3D volume."""
        nt, c, h, w = x.shape
        x = x.view(nt // self.num_frames, self.num_frames, c, h, w).transpose(1, 2)
        return self.blocks(self.stem(x))

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, T', h, w) -> (N, classes)``: logits averaged over time and space."""
        x = self.logits(self.dropout(x.mean(dim=(3, 4), keepdim=True)))
        return x.mean(dim=(2, 3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, 3, H, W) -> (N, classes)``."""
        return self.forward_head(self.forward_features(x))
