"""TSN-style parameter groups, as TSM and the released MSNet code build them (``get_optim_policies``).

- the first convolution's weight: lr x1, wd x1; lr x5 for a flow stream (``flow=True``: its first conv starts from
  averaged RGB kernels and must adapt most, TSN/TSM's ``modality == 'Flow'``)
- every other conv / linear weight: lr x1, wd x1
- every conv / linear bias: lr x2, wd x0
- BatchNorm weight and bias: lr x1, wd x0
- parameters a module owns directly that are neither conv, linear nor norm (Rep-flow's TV-L1 step sizes and
  kernels): lr x1, wd x0, in a group named ``other`` (listed in the training log)
- with ``fc_lr5`` (TSM from ImageNet, ``nn.Linear`` classifier): the classifier weight lr x5, its bias lr x10 (wd 0).
  The MSNet code's classifier is a ``Conv1d``, so that branch never fires there: it stays in the conv groups (here
  ``fc_lr5`` without a ``Linear`` classifier is refused rather than ignored; the MSNet recipes leave it off).
"""

from __future__ import annotations

from torch import nn

from msnet.core.errors import BadValue

CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
NORM = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm, nn.LayerNorm)


def parameter_groups(model: nn.Module, fc_lr5: bool = False, flow: bool = False) -> list[dict]:
    """Groups for ``torch.optim.SGD``; each carries ``lr_mult``, ``decay_mult`` and a ``name``."""
    first_conv, weights, biases, norms, other, fc_weight, fc_bias = [], [], [], [], [], [], []
    classifier = getattr(model, "fc", None) if fc_lr5 else None
    if fc_lr5 and not isinstance(classifier, nn.Linear):  # else the recipe's multipliers would silently not apply
        raise BadValue(f"fc_lr5 needs an nn.Linear classifier `fc` (head=linear), got {type(classifier).__name__}")
    seen_conv = False
    for module in model.modules():
        own = [p for p in module.parameters(recurse=False) if p.requires_grad]
        if not own:
            continue
        if module is classifier:
            fc_weight.append(module.weight)
            fc_bias += [module.bias] if module.bias is not None else []
        elif isinstance(module, CONV + (nn.Linear,)):
            if isinstance(module, CONV) and not seen_conv:
                first_conv.append(module.weight)
                seen_conv = True
            else:
                weights.append(module.weight)
            biases += [module.bias] if module.bias is not None else []
        elif isinstance(module, NORM):
            norms += own
        else:
            other += own
    groups = [
        ("first_conv_weight", first_conv, 5 if flow else 1, 1), ("weight", weights, 1, 1), ("bias", biases, 2, 0),
        ("norm", norms, 1, 0), ("other", other, 1, 0), ("fc_weight", fc_weight, 5, 1), ("fc_bias", fc_bias, 10, 0),
    ]
    out = [{"params": params, "lr_mult": lr, "decay_mult": decay, "name": name}
           for name, params, lr, decay in groups if params]
    return out


def set_learning_rate(optimizer, lr: float, weight_decay: float) -> None:
    """Apply a base lr / wd to every group through its multipliers (the official ``adjust_learning_rate``)."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_mult", 1)
        group["weight_decay"] = weight_decay * group.get("decay_mult", 1)
