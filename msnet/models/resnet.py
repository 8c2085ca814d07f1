"""TSN, TSM and MSNet on torchvision ResNet-18/50 (paper Sec. 3.2, supplementary Table 9).

The backbone is torchvision's ResNet, unmodified except that TSM wraps ``conv1`` of every
residual block with a temporal shift and modules built by the caller (MS, CP, Rep-flow)
are attached after named stages (``res2`` .. ``res5`` = torchvision ``layer1`` ..
``layer4``; the paper's default is ``res3``). A flow stream takes ``in_channels = 2L``:
its first conv is the ImageNet (or random) RGB kernel averaged over the colour channels
and replicated, the TSN convention. Time is folded into the batch: input ``(N*T, 3, H, W)``, frame-major within a
video; per-frame logits are averaged over T (average consensus) -> ``(N, classes)``.

Head: global average pool, dropout, then a classifier. ``conv1d`` is the released MSNet
code's (a 1x1 ``Conv1d``, xavier-uniform weight, zero bias; TSM and MS rows of the
paper's R18 ablations come from that code); ``linear`` is the TSM repository's
(``Linear``, N(0, 0.001) weight, zero bias). Both hold the same parameters.
"""

from __future__ import annotations

from typing import Mapping

import torch
import torchvision
from torch import nn

from msnet.core.errors import BadValue
from msnet.models.pretrained import load_weights
from msnet.models.registry import checked_inserts
from msnet.models.temporal_shift import insert_temporal_shift

STAGES = ("res2", "res3", "res4", "res5")
STAGE_CHANNELS = {18: (64, 128, 256, 512), 50: (256, 512, 1024, 2048)}
HEADS = ("conv1d", "linear")


def average_rgb_kernels(conv: nn.Conv2d, in_channels: int) -> nn.Conv2d:
    """A copy of ``conv`` taking ``in_channels`` inputs, each with the mean of its RGB kernels (TSN flow init)."""
    new = nn.Conv2d(in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, bias=conv.bias is not None)
    with torch.no_grad():
        new.weight.copy_(conv.weight.mean(dim=1, keepdim=True).expand_as(new.weight))
        if conv.bias is not None:
            new.bias.copy_(conv.bias)
    return new


class VideoResNet(nn.Module):
    """ResNet-18/50 video classifier: TSN (no shift), TSM (shift) or MSNet (shift + MS).

    Args:
        depth: 18 or 50.
        num_classes: classifier width (Something-Something: 174).
        num_frames: T, frames per clip.
        shift: insert the temporal shift (TSM ``blockres``, 1/8 + 1/8 channels).
        shift_div: the reciprocal of the fraction shifted each way (8).
        inserts: stage name -> module applied to that stage's output (MS, CP, Rep-flow);
            each takes and returns ``(N*T, C, H, W)`` with C from :data:`STAGE_CHANNELS`.
        dropout: dropout before the classifier (paper: 0.5).
        head: ``"conv1d"`` or ``"linear"`` (module docstring).
        pretrained: ``None``, ``"imagenet"`` or a state-dict path (``pretrained.py``).
        in_channels: 3 for RGB, ``2L`` for a stack of L optical-flow fields.
    """

    def __init__(
        self,
        depth: int = 50,
        *,
        num_classes: int = 174,
        num_frames: int = 8,
        shift: bool = True,
        shift_div: int = 8,
        inserts: Mapping[str, nn.Module] | None = None,
        dropout: float = 0.5,
        head: str = "conv1d",
        pretrained: str | None = None,
        in_channels: int = 3,
    ):
        super().__init__()
        if depth not in (18, 50):
            raise BadValue(f"depth must be 18 or 50, got {depth}")
        if head not in HEADS:
            raise BadValue(f"unknown head {head!r}; choose one of {HEADS}")
        inserts = checked_inserts(inserts, STAGES)
        self.num_frames = num_frames
        self.depth = depth
        self.input_channels = in_channels
        self.pretrained = pretrained
        trunk = getattr(torchvision.models, f"resnet{depth}")(weights=None)
        if pretrained is not None:
            load_weights(trunk, f"resnet{depth}", pretrained)
        if in_channels != 3:
            trunk.conv1 = average_rgb_kernels(trunk.conv1, in_channels)
        self.stem = nn.Sequential(trunk.conv1, trunk.bn1, trunk.relu, trunk.maxpool)
        self.stages = nn.ModuleDict(zip(STAGES, (trunk.layer1, trunk.layer2, trunk.layer3, trunk.layer4)))
        if shift:
            insert_temporal_shift(self.stages, num_frames, shift_div)
        self.inserts = nn.ModuleDict({stage: inserts[stage] for stage in STAGES if stage in inserts})
        width = trunk.fc.in_features
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = head
        self.fc = nn.Conv1d(width, num_classes, 1) if head == "conv1d" else nn.Linear(width, num_classes)
        self._init_classifier()

    def _init_classifier(self) -> None:
        if self.head == "conv1d":
            nn.init.xavier_uniform_(self.fc.weight)
        else:
            nn.init.normal_(self.fc.weight, 0, 0.001)
        nn.init.zeros_(self.fc.bias)

    def inserted_modules(self) -> dict[str, nn.Module]:
        """Stage -> the module inserted after it."""
        return dict(self.inserts)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, 3, H, W) -> (N*T, C, H/32, W/32)``."""
        x = self.stem(x)
        for name, stage in self.stages.items():
            x = stage(x)
            if name in self.inserts:
                x = self.inserts[name](x)
        return x

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, C, h, w) -> (N, classes)``, logits averaged over T."""
        x = self.dropout(self.pool(x).flatten(1))
        x = self.fc(x.unsqueeze(-1)).squeeze(-1) if self.head == "conv1d" else self.fc(x)
        return x.view(-1, self.num_frames, x.shape[-1]).mean(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[0] % self.num_frames or x.shape[1] != self.input_channels:
            raise ValueError(
                f"expected (N*T, {self.input_channels}, H, W) with T={self.num_frames}, got {tuple(x.shape)}"
            )
        return self.forward_head(self.forward_features(x))
