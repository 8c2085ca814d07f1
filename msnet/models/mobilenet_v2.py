"""TSN, TSM and MSNet on torchvision's MobileNet-V2 (Fig. 5; supplementary Table 10, Fig. 8).

Stages follow supplementary Table 10 over torchvision's ``features``: stage1 = the 112x112
stem (``features[0]``), stage2 = ``features[1:4]`` (56x56), stage3 = ``features[4:7]``
(28x28, 32 channels), stage4 = ``features[7:14]`` (14x14), stage5 = ``features[14:18]``
(7x7). The MS module goes right after stage3 with no channel-reduction layer ("the feature
channel size of the backbone is small enough", supp. Sec. 3). TSM shifts the input of the
first conv of every inverted-residual block that has a residual connection, as TSM's
MobileNet-V2. Head: global average pool, dropout, linear; logits averaged over T.
"""

from __future__ import annotations

from typing import Mapping

import torch
import torchvision
from torch import nn

from msnet.models.pretrained import load_weights
from msnet.models.registry import checked_inserts
from msnet.models.temporal_shift import TemporalShift

# Last ``features`` index of each stage and its output channels.
STAGE_END = {"stage2": 3, "stage3": 6, "stage4": 13, "stage5": 17}
STAGE_CHANNELS = {"stage2": 24, "stage3": 32, "stage4": 96, "stage5": 320}


class VideoMobileNetV2(nn.Module):
    """MobileNet-V2 video classifier: TSN (no shift), TSM (shift), plus modules after stages.

    Args:
        num_classes: classifier width.
        num_frames: T.
        shift: temporal shift in residual inverted-residual blocks.
        shift_div: reciprocal of the fraction shifted each way.
        inserts: stage name (``stage2`` .. ``stage5``) -> module on that stage's output.
        dropout: dropout before the classifier.
        pretrained: ``None``, ``"imagenet"`` or a state-dict path.
    """

    def __init__(
        self,
        *,
        num_classes: int = 174,
        num_frames: int = 8,
        shift: bool = False,
        shift_div: int = 8,
        inserts: Mapping[str, nn.Module] | None = None,
        dropout: float = 0.5,
        pretrained: str | None = None,
    ):
        super().__init__()
        inserts = checked_inserts(inserts, STAGE_END)
        self.num_frames = num_frames
        self.input_channels = 3
        net = torchvision.models.mobilenet_v2(weights=None)
        if pretrained is not None:
            load_weights(net, "mobilenet_v2", pretrained)
        if shift:
            for block in net.features:
                if getattr(block, "use_res_connect", False):
                    block.conv[0] = TemporalShift(block.conv[0], num_frames, shift_div)
        self.features = net.features
        self.insert_after = {STAGE_END[stage]: stage for stage in inserts}
        self.inserts = nn.ModuleDict(inserts)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(net.last_channel, num_classes)
        nn.init.normal_(self.fc.weight, 0, 0.001)
        nn.init.zeros_(self.fc.bias)

    def inserted_modules(self) -> dict[str, nn.Module]:
        """Stage -> the module inserted after it."""
        return dict(self.inserts)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, 3, H, W) -> (N*T, 1280, H/32, W/32)``."""
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in self.insert_after:
                x = self.inserts[self.insert_after[index]](x)
        return x

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, C, h, w) -> (N, classes)``, logits averaged over T."""
        x = self.fc(self.dropout(self.pool(x).flatten(1)))
        return x.view(-1, self.num_frames, x.shape[-1]).mean(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N*T, 3, H, W) -> (N, classes)``."""
        return self.forward_head(self.forward_features(x))
