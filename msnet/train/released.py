"""A released TSM (or TSN) checkpoint of ``mit-han-lab/temporal-shift-module`` loaded into our model of the same row.

The paper's TSM rows are TSM's released models evaluated by the MSNet authors, not retrained; a run with
``released`` reproduces that reading. TSM saves ``{"state_dict": ...}`` of a ``DataParallel``-wrapped TSN: keys
``module.base_model.<torchvision ResNet name>`` and ``module.new_fc.{weight,bias}`` (the base model's ``fc`` is
replaced by Dropout and holds no tensors; the classifier is a Linear layer, so the row needs ``head=linear``). The
temporal shift wraps each residual block's ``conv1`` as ``conv1.net``, as ours does, so only the stem, the stage
names and the classifier are renamed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch import nn

from msnet.core.errors import BadValue, MissingFile

RENAMES = (  # TSM's name (after "module.") -> ours, by prefix
    ("base_model.conv1.", "stem.0."),
    ("base_model.bn1.", "stem.1."),
    ("base_model.layer1.", "stages.res2."),
    ("base_model.layer2.", "stages.res3."),
    ("base_model.layer3.", "stages.res4."),
    ("base_model.layer4.", "stages.res5."),
    ("new_fc.", "fc."),
)
OPTIONAL = "num_batches_tracked"  # BatchNorm counters: absent from checkpoints of PyTorch < 0.4.1, unused in eval


def our_name(name: str) -> str | None:
    name = name.removeprefix("module.")
    for theirs, ours in RENAMES:
        if name.startswith(theirs):
            return ours + name[len(theirs):]
    return None


def released_state(path: str | Path, model: nn.Module) -> dict[str, torch.Tensor]:
    """The checkpoint's tensors under our names, checked against ``model``: every tensor placed, every shape equal;
    otherwise an error naming the file and the first names that do not fit."""
    path = Path(path)
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise MissingFile(f"{path}: released checkpoint not found") from None
    except Exception as err:
        raise BadValue(f"{path}: not a readable PyTorch checkpoint ({err})") from err
    saved = saved.get("state_dict", saved) if isinstance(saved, dict) else saved
    if not isinstance(saved, dict):
        raise BadValue(f"{path}: expected a state dict (or {{'state_dict': ...}}), got {type(saved).__name__}")
    own = model.state_dict()
    state, unknown = {}, []
    for name, tensor in saved.items():
        ours = our_name(name)
        if ours is None or ours not in own:
            unknown.append(name)
        else:
            state[ours] = tensor
    missing = [k for k in own if k not in state and not k.endswith(OPTIONAL)]
    if unknown or missing:
        raise BadValue(f"{path}: does not fit {type(model).__name__}: its tensors without a place here "
                         f"{unknown[:4]}{' ...' if len(unknown) > 4 else ''}; ours it lacks {missing[:4]}"
                         f"{' ...' if len(missing) > 4 else ''}")
    wrong = {k: f"{k} {tuple(v.shape)} vs ours {tuple(own[k].shape)}" for k, v in state.items()
             if v.shape != own[k].shape}
    if wrong:
        conv_head = any(k.startswith("fc.") and own[k].dim() == 3 for k in wrong)
        hint = ("its classifier is a Linear layer: give the row `head=linear`" if conv_head
                else "a classifier for another dataset's classes?")
        raise BadValue(f"{path}: shapes differ ({hint}): {list(wrong.values())[:3]}")
    for name in own:
        if name.endswith(OPTIONAL) and name not in state:
            state[name] = own[name]
    return state


def file_identity(path: str | Path) -> dict:
    """Name and SHA-256 of the released file: which model produced a number, whatever folder it lay in."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {"file": Path(path).name, "sha256": digest.hexdigest()[:16]}
