"""TSN, TSM and MSNet on torchvision ResNet-18/50 (paper Sec. 3.2, supplementary Table 9).

The backbone is torchvision's ResNet, unmodified except that TSM wraps ``conv1`` of every
residual block with a temporal shift and MS modules are attached after named stages
(``res2`` .. ``res5`` = torchvision ``layer1`` .. ``layer4``; the paper's default is
``res3``). Time is folded into the batch: input ``(N*T, 3, H, W)``, frame-major within a
video; per-frame logits are averaged over T (average consensus) -> ``(N, classes)``.

Head: global average pool, dropout, then a classifier. ``conv1d`` is the released MSNet
code's (a 1x1 ``Conv1d``, xavier-uniform weight, zero bias; TSM and MS rows of the
paper's R18 ablations come from that code); ``linear`` is the TSM repository's
(``Linear``, N(0, 0.001) weight, zero bias). Both hold the same parameters.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torchvision
from torch import nn

from msnet.models.ms_module import MotionSqueeze
from msnet.models.pretrained import load_weights
from msnet.models.temporal_shift import insert_temporal_shift

STAGES = ("res2", "res3", "res4", "res5")
HEADS = ("conv1d", "linear")


class VideoResNet(nn.Module):
    """ResNet-18/50 video classifier: TSN (no shift), TSM (shift) or MSNet (shift + MS).

    Args:
        depth: 18 or 50.
        num_classes: classifier width (Something-Something: 174).
        num_frames: T, frames per clip.
        shift: insert the temporal shift (TSM ``blockres``, 1/8 + 1/8 channels).
        shift_div: the reciprocal of the fraction shifted each way (8).
        ms_position: stages followed by an MS module, e.g. ``("res3",)``; empty for TSN/TSM.
        ms: keyword arguments for every :class:`MotionSqueeze` (spec, patch_size, ...).
        dropout: dropout before the classifier (paper: 0.5).
        head: ``"conv1d"`` or ``"linear"`` (module docstring).
        pretrained: ``None``, ``"imagenet"`` or a state-dict path (``pretrained.py``).
    """

    def __init__(
        self,
        depth: int = 50,
        *,
        num_classes: int = 174,
        num_frames: int = 8,
        shift: bool = True,
        shift_div: int = 8,
        ms_position: Sequence[str] = (),
        ms: dict | None = None,
        dropout: float = 0.5,
        head: str = "conv1d",
        pretrained: str | None = None,
    ):
        super().__init__()
        if depth not in (18, 50):
            raise ValueError(f"depth must be 18 or 50, got {depth}")
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; choose one of {HEADS}")
        if isinstance(ms_position, str):
            ms_position = (ms_position,)
        unknown = set(ms_position) - set(STAGES)
        if unknown:
            raise ValueError(f"unknown MS position(s) {sorted(unknown)}; choose from {STAGES}")
        self.num_frames = num_frames
        self.pretrained = pretrained
        trunk = getattr(torchvision.models, f"resnet{depth}")(weights=None)
        if pretrained is not None:
            load_weights(trunk, f"resnet{depth}", pretrained)
        self.stem = nn.Sequential(trunk.conv1, trunk.bn1, trunk.relu, trunk.maxpool)
        self.stages = nn.ModuleDict(zip(STAGES, (trunk.layer1, trunk.layer2, trunk.layer3, trunk.layer4)))
        if shift:
            insert_temporal_shift(self.stages, num_frames, shift_div)
        self.ms = nn.ModuleDict(
            {
                stage: MotionSqueeze(self._stage_channels(stage), num_frames, **(ms or {}))
                for stage in STAGES
                if stage in ms_position
            }
        )
        width = trunk.fc.in_features
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = head
        self.fc = nn.Conv1d(width, num_classes, 1) if head == "conv1d" else nn.Linear(width, num_classes)
        self._init_classifier()

    def _stage_channels(self, stage: str) -> int:
        last_block = self.stages[stage][-1]
        return (last_block.bn3 if hasattr(last_block, "bn3") else last_block.bn2).num_features

    def _init_classifier(self) -> None:
        if self.head == "conv1d":
            nn.init.xavier_uniform_(self.fc.weight)
        else:
            nn.init.normal_(self.fc.weight, 0, 0.001)
        nn.init.zeros_(self.fc.bias)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, 3, H, W) -> (N*T, C, H/32, W/32)``."""
        x = self.stem(x)
        for name, stage in self.stages.items():
            x = stage(x)
            if name in self.ms:
                x = self.ms[name](x)
        return x

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, C, h, w) -> (N, classes)``, logits averaged over T."""
        x = self.dropout(self.pool(x).flatten(1))
        x = self.fc(x.unsqueeze(-1)).squeeze(-1) if self.head == "conv1d" else self.fc(x)
        return x.view(-1, self.num_frames, x.shape[-1]).mean(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[0] % self.num_frames:
            raise ValueError(f"expected (N*T, 3, H, W) with T={self.num_frames}, got {tuple(x.shape)}")
        return self.forward_head(self.forward_features(x))
