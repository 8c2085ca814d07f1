"""FLOPs in the MSNet authors' convention (THOP as vendored in the official repository).

Reproduces ``arunos728/MotionSqueeze:thop/`` (see shared reference, official-code.md
Sec. 1.8) with forward hooks on leaf modules:

=========================  =====================================================
module                     operations counted per output element
=========================  =====================================================
Conv1d / Conv2d            ``C_in / groups * kernel area`` (+1 with a bias)
BatchNorm                  4 per element
Linear                     ``2 * in_features - 1``
AdaptiveAvgPool            ``kernel area + 1``
Correlation                ``2C - 1`` (the authors' custom hook: multiplies and adds)
CP PairwiseDistance        ``C`` per distance (multiply-adds, like a conv; our choice:
                           the authors' CP counter is not published)
ReLU, MaxPool, Dropout     0
anything else              0 (L2 normalisation, Gaussian, softmax: not counted,
                           as the authors said in MotionSqueeze issue #4; Rep-flow's
                           functional TV-L1 iterations: not counted either)
=========================  =====================================================

The result is a mix of multiply-accumulates (convs) and separate mults and adds
(correlation, linear), exactly as the paper's FLOPs columns were produced.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from math import prod
from typing import Callable, Iterable, Iterator

import torch
from torch import nn

from msnet.models.correlation import Correlation
from msnet.models.fused_kernel import use_fused_kernel
from msnet.models.cp_module import PairwiseDistance


def _conv(m: nn.Module, inputs, out: torch.Tensor) -> int:
    per_output = m.in_channels // m.groups * prod(m.kernel_size) + (1 if m.bias is not None else 0)
    return out.numel() * per_output


def _batch_norm(m: nn.Module, inputs, out: torch.Tensor) -> int:
    return 4 * inputs[0].numel()


def _linear(m: nn.Module, inputs, out: torch.Tensor) -> int:
    return out.numel() * (2 * m.in_features - 1)


def _adaptive_avg_pool(m: nn.Module, inputs, out: torch.Tensor) -> int:
    kernel = prod(i // o for i, o in zip(inputs[0].shape[2:], out.shape[2:]))
    return out.numel() * (kernel + 1)


def _correlation(m: nn.Module, inputs, out: torch.Tensor) -> int:
    return out.numel() * (2 * inputs[0].shape[1] - 1)


def _pairwise_distance(m: nn.Module, inputs, out: torch.Tensor) -> int:
    return out.numel() * inputs[0].shape[-1]


RULES = (
    ((nn.Conv1d, nn.Conv2d, nn.Conv3d), _conv),
    ((nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d), _batch_norm),
    ((nn.Linear,), _linear),
    ((nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d), _adaptive_avg_pool),
    ((Correlation,), _correlation),
    ((PairwiseDistance,), _pairwise_distance),
)


@contextlib.contextmanager
def thop_counting(model: nn.Module, inserted: Iterable[str] = ()) -> Iterator[Callable[[], dict]]:
    """Counting hooks on ``model`` while the block runs its forward pass once (or traces it: the rules read shapes
    only, so fvcore's trace can carry them and the cost stage runs each model once); yields the function that returns
    the total and each ``inserted`` module's share."""
    counts: Counter = Counter()
    handles = []
    for name, module in model.named_modules():
        for types, rule in RULES:
            if isinstance(module, types):

                def hook(m, args, out, rule=rule, name=name):
                    counts[name] += int(rule(m, args, out))  # a traced shape is a tensor

                handles.append(module.register_forward_hook(hook))
                break

    def result() -> dict:
        return {
            "flops": sum(counts.values()),
            "by_insert": {n: sum(v for k, v in counts.items() if k == n or k.startswith(n + ".")) for n in inserted},
            "by_module": dict(counts),  # per counted leaf module: what readings of a printed number are composed from
        }

    try:
        with use_fused_kernel(False):  # the hooks must see the correlation layer run
            yield result
    finally:
        for h in handles:
            h.remove()


def thop_cost(model: nn.Module, inputs: tuple[torch.Tensor, ...], inserted: Iterable[str] = ()) -> dict:
    """Run ``model(*inputs)`` once with counting hooks; the total and each ``inserted`` module's share."""
    with torch.no_grad(), thop_counting(model, inserted) as result:
        model(*inputs)
    return result()
