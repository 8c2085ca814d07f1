"""ImageNet weights from disk only: never a download (no network at run time).

``pretrained`` is ``None`` (random init, recorded as such by callers), a path to a
state dict, or ``"imagenet"``, which looks for torchvision's own file name in the hub
cache ``$TORCH_HOME/hub/checkpoints/`` (``~/.cache/torch`` when TORCH_HOME is unset).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from msnet.core.errors import MissingFile

# torchvision's IMAGENET1K_V1 file names (the weights TSM and MSNet started from).
TORCHVISION_FILES = {
    "resnet18": "resnet18-f37072fd.pth",
    "resnet50": "resnet50-0676ba61.pth",
    "mobilenet_v2": "mobilenet_v2-b0353104.pth",
}


class MissingWeightsError(MissingFile):
    """Raised when ImageNet weights are asked for but are not on disk."""


def hub_checkpoint_dir() -> Path:
    torch_home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch"
    )
    return Path(torch_home) / "hub" / "checkpoints"


def resolve_weights(arch: str, pretrained: str | os.PathLike) -> Path:
    """The file that ``pretrained`` names for ``arch``; raise with the expected location if absent."""
    if str(pretrained) == "imagenet":
        if arch not in TORCHVISION_FILES:
            raise MissingWeightsError(f"no known ImageNet weight file for {arch!r}")
        path = hub_checkpoint_dir() / TORCHVISION_FILES[arch]
        hint = (
            f"ImageNet weights for {arch} were asked for but {path} does not exist. This harness never "
            f"downloads: copy torchvision's {TORCHVISION_FILES[arch]} there (or set TORCH_HOME), or pass "
            "pretrained=<path to a state dict>, or pretrained=null for random initialisation."
        )
    else:
        path = Path(pretrained)
        hint = f"weights file {path} does not exist"
    if not path.is_file():
        raise MissingWeightsError(hint)
    return path


CLASSIFIERS = ("fc.", "classifier.")  # torchvision's classifier prefixes (ResNet, MobileNet-V2)


def load_weights(net: nn.Module, arch: str, pretrained: str | os.PathLike) -> Path:
    """Load a torchvision-layout state dict into ``net``, safely (``weights_only``): every tensor must match but the
    classifier's, which the video models replace anyway (ImageNet's 1000 classes, the appearance stills' 10)."""
    path = resolve_weights(arch, pretrained)
    state = torch.load(path, map_location="cpu", weights_only=True)
    own = net.state_dict()
    state = {k: v for k, v in state.items()
             if not (k.startswith(CLASSIFIERS) and k in own and own[k].shape != v.shape)}
    missing, unexpected = net.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(CLASSIFIERS)]
    if missing or unexpected:
        raise RuntimeError(f"{path}: not a {arch} state dict (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return path
