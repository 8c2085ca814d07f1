"""FLOPs with fvcore: one fused multiply-add = one FLOP (the primary convention).

fvcore counts convolutions, BN, linear layers and pools itself. We add:

* ``prim::PythonOp.SpatialCorrelation`` (our correlation op): ``B * P * P * H * W * C``
  multiply-adds, the natural count of a ``P*P``-kernel 1x1 "convolution" (paper Sec. 3.1).
* Element-wise and reduction ops (``add``, ``mul``, ``softmax``, ``exp``, ``sum``, ...,
  listed in :data:`ELEMENTWISE_OPS`): one operation per element of the largest tensor
  involved. They are reported separately as ``gflops_elementwise`` and are **not** part
  of ``gflops``, as in the paper, TSM and MMAction2, which ignore them.
* Memory-only ops (:data:`FREE_OPS`: padding, gathers, index grids) cost nothing.
* The CP module's kNN distances are a ``bmm`` (counted by fvcore: ``N*M*M*C``); its top-k
  selection and masks are element-wise/comparison ops (reported, not in ``gflops``).

Any other op fvcore cannot count is returned in ``unsupported_ops``; the cost tests
require that list to be empty for every registered model.
"""

from __future__ import annotations

import warnings
from collections import Counter
from math import prod
from typing import Iterable

import torch
from torch import nn

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # fvcore's import runs torch.jit.script, deprecated in torch 2.14
    from fvcore.nn import FlopCountAnalysis
    from fvcore.nn.jit_handles import get_shape

CORRELATION_OP = "prim::PythonOp.SpatialCorrelation"
ELEMENTWISE_OPS = (
    # arithmetic
    "aten::add", "aten::add_", "aten::sub", "aten::rsub", "aten::mul", "aten::mul_", "aten::div",
    "aten::neg", "aten::pow", "aten::exp", "aten::rsqrt", "aten::sqrt", "aten::sigmoid",
    # reductions and selections (comparisons): softmax, pools, max, top-k
    "aten::sum", "aten::mean", "aten::softmax", "aten::amax", "aten::amin", "aten::topk",
    "aten::max_pool2d", "aten::max_pool3d", "aten::avg_pool2d",
    # clamps and masks
    "aten::relu", "aten::maximum", "aten::hardtanh_", "aten::lt", "aten::gt", "aten::eq", "aten::__or__",
    "aten::bitwise_not", "aten::where", "aten::masked_fill",
)  # fmt: skip
FREE_OPS = (
    "aten::fill_", "aten::empty_like", "aten::zeros_like", "aten::zero_", "aten::new_empty",
    "aten::pad", "aten::repeat_interleave", "aten::meshgrid", "aten::gather", "aten::arange",
)  # fmt: skip
ELEMENTWISE = "elementwise"


def correlation_flop_jit(inputs, outputs) -> Counter:
    """``B*P*P*H*W`` outputs, each a C-long dot product."""
    channels = get_shape(inputs[0])[1]
    return Counter({"correlation": prod(get_shape(outputs[0])) * channels})


def elementwise_flop_jit(inputs, outputs) -> Counter:
    """One op per element of the largest tensor in or out (a deliberate upper-bound-ish count)."""
    sizes = [prod(s) for s in (get_shape(v) for v in list(inputs) + list(outputs)) if s]
    return Counter({ELEMENTWISE: max(sizes, default=0)})


def fvcore_cost(model: nn.Module, inputs: tuple[torch.Tensor, ...], inserted: Iterable[str] = ()) -> dict:
    """Trace ``model(*inputs)`` once; counts by operator and for each module named in ``inserted``."""
    analysis = FlopCountAnalysis(model, inputs)
    analysis.set_op_handle(CORRELATION_OP, correlation_flop_jit)
    for op in ELEMENTWISE_OPS:
        analysis.set_op_handle(op, elementwise_flop_jit)
    for op in FREE_OPS:
        analysis.set_op_handle(op, None)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    analysis.tracer_warnings("none")
    by_operator = dict(analysis.by_operator())
    elementwise = by_operator.pop(ELEMENTWISE, 0)
    by_module = analysis.by_module_and_operator()
    by_insert = {name: sum(c for op, c in by_module.get(name, {}).items() if op != ELEMENTWISE) for name in inserted}
    return {
        "flops": sum(by_operator.values()),
        "flops_elementwise": elementwise,
        "by_insert": by_insert,
        "by_insert_elementwise": {name: by_module.get(name, {}).get(ELEMENTWISE, 0) for name in inserted},
        "by_operator": by_operator,
        "unsupported_ops": dict(analysis.unsupported_ops()),
    }
