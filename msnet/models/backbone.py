"""The interface every single-stream video network here offers (ResNet, MobileNet-V2, I3D).

Input is ``(N*T, C, H, W)``, frame-major within a video. ``forward_features`` runs the stages with the inserted
modules (MS, CP, Rep-flow) after theirs; ``forward_head`` turns features into clip scores (the consensus declared in
:mod:`msnet.models.facts`); ``inserted_modules`` names each inserted module by the stage it follows. The motion
analysis, run-time and tests rely on this, not on one class.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from torch import nn


@runtime_checkable
class VideoBackbone(Protocol):
    num_frames: int
    input_channels: int

    def inserted_modules(self) -> dict[str, nn.Module]: ...

    def forward_features(self, x: torch.Tensor) -> torch.Tensor: ...

    def forward_head(self, x: torch.Tensor) -> torch.Tensor: ...
