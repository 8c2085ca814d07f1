"""Two-stream networks (Simonyan & Zisserman 2014; TSM's two-stream baseline, Tables 1, 2, 6).

An RGB stream and a flow stream trained separately and fused late by averaging their
class scores. The flow stream takes L stacked optical-flow fields per sampled frame
(``2L`` channels: x then y of each field; the paper's ``N_r + (N_f x L)``), and its first
conv starts from the RGB kernels averaged over the colour channels (TSN's
``cross-modality`` initialisation, ``resnet.average_rgb_kernels``).

Input, like every model here, is one time-folded tensor: ``(N*T, 3 + 2L, H, W)``, the RGB
frame followed by its flow stack on the channel axis.
"""

from __future__ import annotations

import torch
from torch import nn


class TwoStream(nn.Module):
    """Late fusion of an RGB and a flow network by averaging their scores.

    Args:
        rgb: network on ``(N*T, 3, H, W)``.
        flow: network on ``(N*T, 2L, H, W)``.
        flow_length: L, the flow fields stacked per frame.
    """

    def __init__(self, rgb: nn.Module, flow: nn.Module, *, flow_length: int):
        super().__init__()
        self.rgb = rgb
        self.flow = flow
        self.flow_length = flow_length
        self.num_frames = rgb.num_frames
        self.input_channels = 3 + 2 * flow_length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != self.input_channels:
            raise ValueError(f"expected RGB + {2 * self.flow_length} flow channels = {self.input_channels}, got {x.shape[1]}")
        return (self.rgb(x[:, :3]) + self.flow(x[:, 3:])) / 2
