"""The cost of one model configuration: FLOPs (two conventions) and parameters, one clip.

Input is one clip of T frames, ``(T, 3, size, size)``, the model in eval mode, as the
authors profiled (official-code.md Sec. 1.8). ``gflops`` is fvcore (MACs) and is the
primary figure; ``gflops_thop`` is the authors' convention (``thop_convention.py``).
"""

from __future__ import annotations

import torch

from msnet.measure.fvcore_count import fvcore_cost
from msnet.measure.thop_convention import thop_cost
from msnet.models.registry import create_model

GIGA = 1e9
MEGA = 1e6


def model_cost(name: str, *, frames: int = 8, size: int = 224, classes: int = 174, overrides: dict | None = None) -> dict:
    """Build ``name`` with ``overrides`` and count its cost for one ``frames``-frame clip."""
    overrides = dict(overrides or {})
    model = create_model(name, num_frames=frames, num_classes=classes, **overrides).eval()
    clip = (torch.randn(frames, 3, size, size),)
    fv = fvcore_cost(model, clip)
    th = thop_cost(model, clip)
    params = sum(p.numel() for p in model.parameters())
    ms_params = sum(p.numel() for p in model.ms.parameters()) if hasattr(model, "ms") else 0
    return {
        "model": name,
        "frames": frames,
        "size": size,
        "classes": classes,
        "overrides": overrides,
        "gflops": fv["flops"] / GIGA,
        "gflops_thop": th["flops"] / GIGA,
        "gflops_elementwise": fv["flops_elementwise"] / GIGA,
        "gflops_ms": fv["flops_ms"] / GIGA,
        "gflops_ms_thop": th["flops_ms"] / GIGA,
        "flops": fv["flops"],
        "flops_thop": th["flops"],
        "mparams": params / MEGA,
        "params": params,
        "params_ms": ms_params,
        "by_operator": fv["by_operator"],
        "unsupported_ops": fv["unsupported_ops"],
        "conventions": {
            "gflops": "fvcore, 1 multiply-add = 1 FLOP; correlation B*P*P*H*W*C; element-wise ops excluded",
            "gflops_thop": "authors' THOP: conv MACs, BN 4/elem, correlation (2C-1)/output, rest 0",
        },
    }
