"""One command that runs every CUDA path of the package on one GPU and writes one JSON report.

The package's CUDA paths -- run-time timing with CUDA events, the MS module's correlation and soft-argmax on the GPU,
the PyTorch TV-L1, fp16 autocast with a gradient scaler, DDP over NCCL -- were written and tested on CPUs only: the
CPU tests cannot show that they run on a GPU, let alone that they compute what the CPU computes. Someone with a GPU
runs::

    python -m msnet.gpu_check --out results/gpu_check/<gpu>.json

(at most about 10 minutes on one GPU) and commits the report. Checks, each independent (one that raises is recorded
as ``error`` and the others still run):

* ``runtime_cuda``: :func:`msnet.measure.runtime.measure_runtime` on the device, MSNet beside TSM (Table 2's
  protocol); finite, positive times.
* ``ms_module_cuda_vs_cpu``: the MS module's forward and backward on the device against the CPU with the same
  weights and input (TF32 off: float32 against float32), plus the correlation Function against its unfold oracle on
  the device; max relative difference <= 1e-4.
* ``tvl1_cuda_vs_cpu``: the PyTorch TV-L1 on the device against the CPU on textured, shifted frames; mean end-point
  difference < 0.05 px.
* ``amp_train_step``: three fp16-autocast training steps of MSNet-R18 with a gradient scaler; finite losses, moved
  parameters.
* ``ddp_nccl``: DDP over NCCL with up to two processes via :func:`msnet.train.distributed.setup`; identical
  parameters on every rank after two steps on different data, and a correct all-reduce.

``--device cpu`` runs the same code on the CPU (gloo instead of NCCL, bf16 instead of fp16): that tests this script
(``tests/test_gpu_check.py``) and proves nothing about CUDA, which the report says. Exit status: 0 when every check
passed, 1 otherwise, 2 when ``--device cuda`` is asked for on a machine without a GPU.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import os
import socket
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import torch
import torch.nn.functional as F

from msnet.core.jsonio import write_json

CHECKS = ("runtime_cuda", "ms_module_cuda_vs_cpu", "tvl1_cuda_vs_cpu", "amp_train_step", "ddp_nccl")
MS_RTOL = 1e-4  # max |device - cpu| / max |cpu| per tensor: float32 on both sides, only the summation order differs
MS_RTOL_FP64 = 1e-8  # the same in float64, where no rounding flips a ReLU mask (check_ms_module_cuda_vs_cpu)
AMP_STEPS, AMP_MAX_ITERATIONS = 3, 12
TVL1_MEAN_EPE_TOL = 0.05  # px: an iterative solver whose stopping rule may end a warp one iteration apart
NO_GPU_MESSAGE = (
    "msnet.gpu_check: --device {device} asked for, but torch sees no CUDA device. These checks need a GPU. "
    "`--device cpu` runs the same code paths on the CPU, for testing this script only: its numbers compare the CPU "
    "with itself and prove nothing about CUDA."
)
CPU_NOTE = ("device under test is the CPU: every comparison is CPU against CPU (gloo for NCCL, bf16 for fp16), so "
            "the numbers prove nothing about CUDA; this tests the script. Run it on a GPU for results/gpu_check/.")


@dataclass(frozen=True)
class Sizes:
    """Problem sizes: the paper's for a GPU, tiny ones (``--quick``) for testing the script on a busy CPU."""

    runtime_models: tuple[tuple[str, str], ...]  # (model, reference timed beside it)
    runtime_size: int
    runtime_warmup: int
    runtime_runs: int
    ms_clips: int
    ms_frames: int
    ms_channels: int
    ms_hw: int
    tvl1_pairs: int
    tvl1_size: int
    train_frames: int
    train_size: int
    train_batch: int
    train_classes: int
    ddp_timeout_s: float


FULL = Sizes(runtime_models=(("msnet_r18", "tsm_r18"), ("msnet_r50", "tsm_r50")), runtime_size=224,
             runtime_warmup=3, runtime_runs=10, ms_clips=2, ms_frames=8, ms_channels=128, ms_hw=28,  # R18's res3
             tvl1_pairs=2, tvl1_size=128, train_frames=8, train_size=224, train_batch=2, train_classes=174,
             ddp_timeout_s=240)
QUICK = Sizes(runtime_models=(("msnet_r18", "tsm_r18"),), runtime_size=64, runtime_warmup=1, runtime_runs=2,
              ms_clips=2, ms_frames=4, ms_channels=32, ms_hw=14, tvl1_pairs=2, tvl1_size=48, train_frames=4,
              train_size=64, train_batch=2, train_classes=10, ddp_timeout_s=120)


# ---------------------------------------------------------------------------------------------------------- helpers

def _finite_positive(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) and v > 0 for v in values)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(device: torch.device, fn: Callable[[], object]) -> tuple[object, float]:
    """(result, milliseconds) of one call, synchronised on CUDA so that the time covers the kernels."""
    _sync(device)
    start = time.perf_counter()
    result = fn()
    _sync(device)
    return result, (time.perf_counter() - start) * 1000


@contextlib.contextmanager
def strict_fp32() -> Iterator[None]:
    """TF32 off for matmuls and cuDNN convolutions (cuDNN's default is on): a float32 comparison, not a TF32 one.

    Only the legacy flags are touched: torch refuses to read them once they are mixed with the newer
    ``fp32_precision`` settings."""
    matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, cudnn


def compare(device_value: torch.Tensor, cpu_value: torch.Tensor) -> dict:
    """Max absolute difference, and that difference over the CPU tensor's largest magnitude (an elementwise ratio
    explodes where the value crosses zero)."""
    a, b = device_value.detach().double().cpu(), cpu_value.detach().double()
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {tuple(a.shape)} on the device, {tuple(b.shape)} on the CPU")
    abs_diff = (a - b).abs().max().item()
    scale = b.abs().max().item()
    finite = bool(torch.isfinite(a).all() and torch.isfinite(b).all())
    return {"max_abs_diff": abs_diff if finite else math.inf,
            "max_rel_diff": (abs_diff / scale if scale > 0 else abs_diff) if finite else math.inf}


def _worst(comparisons: dict[str, dict]) -> dict:
    """The comparison with the largest relative difference, and its name."""
    name = max(comparisons, key=lambda k: comparisons[k]["max_rel_diff"])
    return {"worst": name, **comparisons[name]}


# ----------------------------------------------------------------------------------------------------------- checks

def check_runtime_cuda(device: torch.device, sizes: Sizes) -> dict:
    """The package's own run-time protocol on the device: CUDA-event timing, each model paired with its TSM."""
    from msnet.measure.runtime import measure_runtime

    keep = ("model", "reference_model", "device_name", "frames", "size", "runs", "median_ms", "reference_median_ms",
            "videos_per_s", "time_vs_reference", "peak_memory_mb")
    rows = []
    for model, reference in sizes.runtime_models:
        measured = measure_runtime(model, frames=8, size=sizes.runtime_size, batch=1, classes=174, device=str(device),
                                   warmup=sizes.runtime_warmup, runs=sizes.runtime_runs, reference=(reference, 8))
        rows.append({**{k: measured.get(k) for k in keep}, "ms_fused_kernel_used": measured["ms_fused_kernel"]["used"]})
    ok = all(_finite_positive(r["median_ms"], r["reference_median_ms"], r["videos_per_s"], r["time_vs_reference"])
             for r in rows)
    detail = "; ".join(f"{r['model']}: {r['median_ms']:.2f} ms, {r['videos_per_s']:.1f} videos/s, "
                       f"{r['time_vs_reference']:.3f}x {r['reference_model']}" for r in rows)
    return {"status": "pass" if ok else "fail", "models": rows, "criterion": "every time finite and > 0",
            "detail": detail}


def _correlation_path(device: torch.device, training: bool) -> str:
    """Which implementation the MS module's matching runs on ``device``, as ``MotionSqueeze.match`` decides."""
    from msnet.models import fused_kernel

    probe = torch.zeros(1, 2, 4, 4, 4, device=device, requires_grad=training)
    with torch.set_grad_enabled(training):
        native = fused_kernel.applicable(probe)
    if native:
        return "native CPU kernel (ext/motion_squeeze_cpu.c, msnet.models.fused_kernel)"
    path = "PyTorch SpatialCorrelation (banded bmm per window row, msnet.models.correlation)"
    return path + (", recomputed in backward (activation checkpointing)" if training else "")


def _ms_pass(module: torch.nn.Module, x: torch.Tensor, weights: torch.Tensor, device: torch.device) -> dict:
    """Output, input gradient and parameter gradients of a fixed scalar loss, brought to the CPU to compare."""
    module = module.train()
    module.zero_grad(set_to_none=True)
    xi = x.to(device).detach().requires_grad_()  # a leaf of its own: never the caller's tensor
    out = module(xi)
    (out * weights.to(device)).sum().backward()
    grads = {f"grad {n}": p.grad.cpu() for n, p in module.named_parameters() if p.grad is not None}
    return {"output": out.detach().cpu(), "input grad": xi.grad.cpu(), **grads}


def _ms_inference(module: torch.nn.Module, x: torch.Tensor, device: torch.device, native: bool = True) -> dict:
    """Eval-mode motion tensor D (correlation + soft-argmax, the part the native kernel replaces) and output."""
    from msnet.models import fused_kernel

    module = module.eval()
    with torch.no_grad(), fused_kernel.use_fused_kernel(native):
        xi = x.to(device)
        return {"motion D": module.motion(xi).cpu(), "output": module(xi).cpu()}


def _correlation_vs_oracle(device: torch.device) -> dict:
    """The hand-written correlation Function against the unfold oracle, forward and backward, on the device."""
    from msnet.models.correlation import correlation, correlation_reference

    generator = torch.Generator().manual_seed(1)
    results = {}
    for patch, dilation in ((7, 1), (15, 1), (5, 2)):
        f1, f2 = (torch.randn(3, 16, 11, 13, generator=generator).to(device) for _ in range(2))
        grad = torch.randn(3, patch, patch, 11, 13, generator=generator).to(device)
        values = []
        for fn in (correlation, correlation_reference):
            a, b = f1.clone().requires_grad_(), f2.clone().requires_grad_()
            out = fn(a, b, patch, dilation)
            (out * grad).sum().backward()
            values.append((out, a.grad, b.grad))
        for label, fast, oracle in zip(("forward", "grad f1", "grad f2"), *values):
            results[f"P={patch} d={dilation} {label}"] = compare(fast, oracle)
    return results


def check_ms_module_cuda_vs_cpu(device: torch.device, sizes: Sizes) -> dict:
    """The MS module on the device against the CPU: same weights, input and loss; outputs and every gradient.

    Gated: float32 forward outputs (training and inference) and the correlation against its oracle at ``MS_RTOL``,
    and the whole forward and backward in float64 at ``MS_RTOL_FP64``. Float32 gradients are reported, not gated:
    a pre-activation within rounding noise of zero flips a ReLU mask, and one flipped element moves a BatchNorm
    gradient by ~1e-3 of its largest value, on any two devices (two flips gave 6e-3 at R18's res3 size, CPU float32
    against CPU float64). Float64 leaves no value that close to zero, and checks the same CUDA code paths."""
    from msnet.models.ms_module import MotionSqueeze

    cpu = torch.device("cpu")
    torch.manual_seed(0)
    module = MotionSqueeze(sizes.ms_channels, sizes.ms_frames, spec="official")
    generator = torch.Generator().manual_seed(0)
    shape = (sizes.ms_clips * sizes.ms_frames, sizes.ms_channels, sizes.ms_hw, sizes.ms_hw)
    x, weights = torch.randn(shape, generator=generator), torch.randn(shape, generator=generator)

    def both(dtype: torch.dtype, run: Callable[..., dict], **kwargs) -> dict:
        """``run`` on fresh copies of the module on the device and on the CPU; every tensor compared."""
        on = {d: run(copy.deepcopy(module).to(d, dtype), x.to(dtype), device=d, **kwargs) for d in (device, cpu)}
        return {k: compare(on[device][k], on[cpu][k]) for k in on[cpu]}

    with strict_fp32():
        train32 = both(torch.float32, _ms_pass, weights=weights.float())
        train64 = both(torch.float64, _ms_pass, weights=weights.double())
        inference = both(torch.float32, _ms_inference, native=False)  # the CPU on the path the device runs
        native = both(torch.float32, _ms_inference)  # the CPU on its native kernel where it has one
        oracle = _correlation_vs_oracle(device)
    groups = {  # name: (comparisons, tolerance or None when reported only)
        "float32 training output vs CPU": ({"output": train32["output"]}, MS_RTOL),
        "float32 inference vs CPU, PyTorch path": (inference, MS_RTOL),
        "float32 inference vs CPU, native kernel path": (native, MS_RTOL),
        "float32 correlation vs unfold oracle on device": (oracle, MS_RTOL),
        "float64 forward and backward vs CPU": (train64, MS_RTOL_FP64),
        "float32 gradients vs CPU (reported, not gated)": (
            {k: v for k, v in train32.items() if k != "output"}, None),
    }
    worst = {g: {**_worst(c), "tolerance": tol} for g, (c, tol) in groups.items()}
    failed = [g for g, w in worst.items() if w["tolerance"] is not None and not w["max_rel_diff"] <= w["tolerance"]]
    tf32 = None
    if device.type == "cuda":  # what training and timing actually run: cuDNN convolutions in TF32 (informational)
        default = _ms_inference(copy.deepcopy(module).to(device), x, device)["output"]
        tf32 = compare(default, _ms_inference(copy.deepcopy(module), x, cpu, native=False)["output"])["max_rel_diff"]
    gated = {g: w for g, w in worst.items() if w["tolerance"] is not None}
    closest = max(gated, key=lambda g: gated[g]["max_rel_diff"] / gated[g]["tolerance"])
    return {
        "status": "fail" if failed else "pass",
        "shape": list(shape), "frames": sizes.ms_frames, "spec": "official", "patch_size": 15,
        "tolerance": {"float32": MS_RTOL, "float64": MS_RTOL_FP64,
                      "definition": "max |device - cpu| / max |cpu| per tensor, TF32 off"},
        "paths": {"cpu inference": _correlation_path(cpu, False),
                  "device inference": _correlation_path(device, False),
                  "device training": _correlation_path(device, True)},
        "worst": worst, "failed_groups": failed,
        "comparisons": {g: c for g, (c, _) in groups.items()},
        "tf32_default_output_max_rel_diff": tf32,
        "detail": (f"failed: {', '.join(failed)}; " if failed else "")
        + f"nearest its tolerance: {closest} ({gated[closest]['worst']}) {gated[closest]['max_rel_diff']:.1e} "
          f"(tolerance {gated[closest]['tolerance']:g}); float32 gradients "
          f"{worst['float32 gradients vs CPU (reported, not gated)']['max_rel_diff']:.1e} (not gated)",
    }


def textured_pairs(pairs: int, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(first frames, shifted copies, true flow): smooth random texture on 0-255, moved by whole pixels."""
    generator = torch.Generator().manual_seed(0)
    coarse = torch.rand(pairs, 1, size // 8 + 2, size // 8 + 2, generator=generator)
    fine = torch.rand(pairs, 1, size, size, generator=generator)
    texture = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False) + 0.2 * fine
    texture = 255 * (texture - texture.amin()) / (texture.amax() - texture.amin())
    shifts = [((k % 3) + 1, 2 - k % 4) for k in range(pairs)]  # (dx, dy): (1, 2), (2, 1), (3, 0), ...
    moved = torch.stack([torch.roll(texture[k], shifts=(dy, dx), dims=(-2, -1)) for k, (dx, dy) in enumerate(shifts)])
    truth = torch.tensor(shifts, dtype=torch.float32)[:, :, None, None].expand(pairs, 2, size, size)
    return texture[:, 0], moved[:, 0], truth


def _epe(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).norm(dim=1)


def check_tvl1_cuda_vs_cpu(device: torch.device, sizes: Sizes) -> dict:
    """The PyTorch TV-L1 on the device against the CPU on the same frame pairs; both timed."""
    from msnet.flow.tvl1_torch import TVL1Params, tvl1

    params = TVL1Params()
    first, second, truth = textured_pairs(sizes.tvl1_pairs, sizes.tvl1_size)

    def solve(dev: torch.device) -> tuple[torch.Tensor, float, int]:
        stats: dict = {}
        a, b = first.to(dev), second.to(dev)
        if dev.type == "cuda":
            tvl1(a, b, params)  # warm-up: context and kernels, not timed
        flow, ms = _timed(dev, lambda: tvl1(a, b, params, stats))
        return flow.cpu(), ms, stats["iterations"]

    cpu_flow, cpu_ms, cpu_iterations = solve(torch.device("cpu"))
    device_flow, device_ms, device_iterations = solve(device)
    difference = _epe(device_flow, cpu_flow)
    margin = max(sizes.tvl1_size // 8, 4)  # the wrapped border of the shifted copy is not a translation
    interior = (slice(None), slice(margin, -margin), slice(margin, -margin))
    mean = difference.mean().item()
    ok = math.isfinite(mean) and mean < TVL1_MEAN_EPE_TOL
    return {
        "status": "pass" if ok else "fail",
        "pairs": sizes.tvl1_pairs, "size": sizes.tvl1_size, "params": params.to_dict(),
        "tolerance": {"mean_epe_difference_px": TVL1_MEAN_EPE_TOL,
                      "why": "iterative float32 solver: a warp's stopping rule can end one iteration apart"},
        "mean_epe_difference_px": mean, "max_epe_difference_px": difference.max().item(),
        "cpu_ms": cpu_ms, "device_ms": device_ms, "cpu_iterations": cpu_iterations,
        "device_iterations": device_iterations,
        "cpu_mean_epe_vs_truth_px": _epe(cpu_flow, truth)[interior].mean().item(),
        "device_mean_epe_vs_truth_px": _epe(device_flow, truth)[interior].mean().item(),
        "detail": f"mean EPE difference {mean:.4f} px (max {difference.max().item():.3f}), tolerance "
                  f"{TVL1_MEAN_EPE_TOL} px; device {device_ms:.0f} ms, CPU {cpu_ms:.0f} ms",
    }


def check_amp_train_step(device: torch.device, sizes: Sizes) -> dict:
    """Mixed-precision training steps as the trainer takes them: fp16 autocast and a gradient scaler on CUDA.

    A fresh scaler starts at 2**16 and may skip its first steps (inf gradients, scale halved), as in training: the
    check runs until ``AMP_STEPS`` steps were taken, at most ``AMP_MAX_ITERATIONS`` iterations."""
    from msnet.models.factory import create_model
    from msnet.train.precision import autocast

    precision = "fp16" if device.type == "cuda" else "bf16"
    torch.manual_seed(0)
    model = create_model("msnet_r18", num_frames=sizes.train_frames, num_classes=sizes.train_classes).to(device)
    model.train()
    clip = torch.randn(sizes.train_batch * sizes.train_frames, model.input_channels, sizes.train_size,
                       sizes.train_size, device=device)
    target = torch.randint(0, sizes.train_classes, (sizes.train_batch,), device=device)
    scaler = torch.amp.GradScaler(device.type, enabled=precision == "fp16")
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    before = [p.detach().clone() for p in model.parameters()]
    losses, scales, skipped, dtypes = [], [], 0, set()
    while len(losses) - skipped < AMP_STEPS and len(losses) < AMP_MAX_ITERATIONS:
        optimiser.zero_grad(set_to_none=True)
        with autocast(device, precision):
            logits = model(clip)
            loss = F.cross_entropy(logits, target)
        dtypes.add(str(logits.dtype))
        scale = scaler.get_scale() if scaler.is_enabled() else None
        scaler.scale(loss).backward()
        scaler.step(optimiser)
        scaler.update()
        losses.append(loss.item())
        scales.append(scaler.get_scale() if scaler.is_enabled() else None)
        skipped += scale is not None and scales[-1] < scale  # inf/NaN gradients: the scaler skipped the step
    moved = max((p.detach() - b).abs().max().item() for p, b in zip(model.parameters(), before))
    changed = sum(bool((p.detach() != b).any()) for p, b in zip(model.parameters(), before))
    ok = all(math.isfinite(v) for v in losses) and moved > 0 and math.isfinite(moved)
    return {
        "status": "pass" if ok else "fail",
        "model": "msnet_r18", "precision": precision, "grad_scaler": scaler.is_enabled(),
        "input_shape": list(clip.shape), "logits_dtype": sorted(dtypes), "losses": losses, "scales": scales,
        "steps_taken": len(losses) - skipped, "steps_skipped_by_scaler": skipped,
        "max_parameter_change": moved, "parameter_tensors_changed": changed,
        "parameter_tensors": len(before), "criterion": "losses finite and parameters moved",
        "detail": f"{precision}: losses {', '.join(f'{v:.4f}' for v in losses)}; scale {scales[-1]}; "
                  f"{skipped} step(s) skipped by the scaler; {changed}/{len(before)} parameter tensors moved",
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(local_rank: int, world: int, port: int, device_type: str, sizes: Sizes, out: str) -> None:
    """One rank: join the group as under torchrun (``setup``), two DDP steps on rank-dependent data, then compare."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from msnet.models.factory import create_model
    from msnet.train import distributed

    os.environ.update(RANK=str(local_rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(world),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    interface = "NCCL_SOCKET_IFNAME" if device_type == "cuda" else "GLOO_SOCKET_IFNAME"
    os.environ.setdefault(interface, "lo")  # one host: the loopback, whatever else the machine has
    if device_type == "cpu":
        torch.set_num_threads(1)
    context = distributed.setup(device_type)
    if not dist.is_initialized():  # setup() leaves a world of one alone; DDP still needs a group
        if context.device.type == "cuda":
            torch.cuda.set_device(context.device)
        dist.init_process_group("nccl" if context.device.type == "cuda" else "gloo", rank=0, world_size=1)
    try:
        torch.manual_seed(0)
        model = create_model("msnet_r18", num_frames=sizes.train_frames, num_classes=sizes.train_classes)
        model = model.to(context.device).train()
        initial = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()
        ddp = DistributedDataParallel(model, device_ids=[context.device.index] if device_type == "cuda" else None)
        generator = torch.Generator().manual_seed(100 + context.rank)  # each rank its own batch
        clip = torch.randn(sizes.train_batch * sizes.train_frames, 3, sizes.train_size // 2, sizes.train_size // 2,
                           generator=generator).to(context.device)
        target = torch.randint(0, sizes.train_classes, (sizes.train_batch,), generator=generator).to(context.device)
        optimiser = torch.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)
        losses = []
        for _ in range(2):
            optimiser.zero_grad(set_to_none=True)
            loss = F.cross_entropy(ddp(clip), target)
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        params = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
        rank0 = params.clone()
        dist.broadcast(rank0, 0)
        spread = (params - rank0).abs().max()
        dist.all_reduce(spread, op=dist.ReduceOp.MAX)
        ranks = torch.full((3,), float(context.rank + 1), device=context.device)
        dist.all_reduce(ranks)
        package_sum = distributed.all_reduce_sum([float(context.rank + 1)], context)[0]
        expected = world * (world + 1) / 2
        all_losses = [None] * world
        dist.all_gather_object(all_losses, losses)
        if context.main:
            Path(out).write_text(json.dumps({
                "world_size": world, "backend": dist.get_backend(), "devices": device_type,
                "max_parameter_difference_across_ranks": spread.item(),
                "max_parameter_change": (params - initial).abs().max().item(),
                "all_reduce": {"expected": expected, "got": ranks.tolist(), "package_all_reduce_sum": package_sum},
                "losses_per_rank": all_losses,
                interface: os.environ[interface]}))
        distributed.barrier(context)
    finally:
        dist.destroy_process_group()


def check_ddp_nccl(device: torch.device, sizes: Sizes) -> dict:
    """DDP across processes: NCCL on GPUs (up to two), gloo and two processes on the CPU."""
    import torch.multiprocessing as mp

    world = max(1, min(2, torch.cuda.device_count())) if device.type == "cuda" else 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rank0.json"
        processes = mp.start_processes(_ddp_worker, args=(world, _free_port(), device.type, sizes, str(out)),
                                       nprocs=world, join=False, start_method="spawn")
        deadline = time.monotonic() + sizes.ddp_timeout_s
        while not processes.join(timeout=1):  # raises with the rank's traceback when one fails
            if time.monotonic() > deadline:
                for process in processes.processes:
                    process.terminate()  # only the ranks started here
                raise TimeoutError(f"DDP ranks still running after {sizes.ddp_timeout_s:.0f} s (hung collective?)")
        found = json.loads(out.read_text())
    reduce = found["all_reduce"]
    sums_ok = all(v == reduce["expected"] for v in [*reduce["got"], reduce["package_all_reduce_sum"]])
    ok = (found["max_parameter_difference_across_ranks"] == 0 and found["max_parameter_change"] > 0 and sums_ok
          and all(math.isfinite(v) for losses in found["losses_per_rank"] for v in losses))
    note = "" if world > 1 else " (one GPU: rank parity is trivial; NCCL init, DDP hooks and collectives still ran)"
    return {
        "status": "pass" if ok else "fail", **found,
        "criterion": "parameters bitwise identical on every rank after 2 steps on rank-dependent batches, "
                     "parameters moved, all_reduce sums exact",
        "detail": f"{found['backend']}, world {world}: parameter spread "
                  f"{found['max_parameter_difference_across_ranks']:g}, all_reduce {'ok' if sums_ok else 'WRONG'}"
                  + note,
    }


# ----------------------------------------------------------------------------------------------------------- driver

def check_function(name: str) -> Callable[[torch.device, Sizes], dict]:
    """Looked up at run time, so that a test can replace one check."""
    return globals()[f"check_{name}"]


def run_check(name: str, device: torch.device, sizes: Sizes) -> dict:
    """One check, timed; an exception becomes status ``error`` with its text and traceback tail."""
    start = time.perf_counter()
    try:
        result = check_function(name)(device, sizes)
    except Exception as err:  # noqa: BLE001 -- one check's failure must not stop the others
        tail = traceback.format_exc().strip().splitlines()[-12:]
        result = {"status": "error", "detail": f"{type(err).__name__}: {err}", "traceback": tail}
    return {"name": name, **result, "seconds": round(time.perf_counter() - start, 3)}


def _device_label(device: torch.device) -> str:
    from msnet.core.cpu import cpu_name

    return torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()


def _header(argv: list[str], device: torch.device, sizes: Sizes) -> dict:
    from msnet.core.provenance import git_commit, versions

    report = {
        "command": " ".join(["python", "-m", "msnet.gpu_check", *argv]),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": _device_label(device),
        "device_under_test": device.type,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "git commit": git_commit(),
        "versions": versions(),
        "sizes": asdict(sizes),
    }
    if device.type == "cuda":
        report["cuda_devices"] = torch.cuda.device_count()
        report["capability"] = ".".join(map(str, torch.cuda.get_device_capability(device)))
    else:
        report["note"] = CPU_NOTE
    return report


def _table(checks: list[dict]) -> str:
    width = max(len(c["name"]) for c in checks)
    return "\n".join(f"{c['name']:<{width}}  {c['status']:<7}  {c['seconds']:7.1f} s  {c.get('detail', '')}"
                     for c in checks)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m msnet.gpu_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="the JSON report (written atomically)")
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu to test this script")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few runs (the script's own test)")
    parser.add_argument("--only", action="append", choices=CHECKS, help="run only this check (repeatable)")
    parser.add_argument("--budget-s", type=float, default=600.0,
                        help="checks not started within this many seconds are reported as 'not run'")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(NO_GPU_MESSAGE.format(device=args.device), file=sys.stderr)
        return 2
    if device.type not in ("cuda", "cpu"):
        print(f"msnet.gpu_check: --device must be cuda[:N] or cpu, got {args.device!r}", file=sys.stderr)
        return 2
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    sizes = QUICK if args.quick else FULL
    start = time.perf_counter()
    report = {**_header(argv, device, sizes), "checks": []}
    for name in args.only or CHECKS:
        if time.perf_counter() - start > args.budget_s:
            result = {"name": name, "status": "not run", "seconds": 0.0,
                      "detail": f"the {args.budget_s:.0f} s budget was spent before it started"}
        else:
            result = run_check(name, device, sizes)
        report["checks"].append(result)
        statuses = [c["status"] for c in report["checks"]]
        report.update(passed=statuses.count("pass"), failed=statuses.count("fail") + statuses.count("error"),
                      not_run=statuses.count("not run"), total_seconds=round(time.perf_counter() - start, 3))
        write_json(args.out, report, strict=True)  # after every check: a later hang or kill keeps what ran
    print(_table(report["checks"]), file=sys.stderr)
    print(f"{report['passed']}/{len(report['checks'])} passed in {report['total_seconds']:.0f} s; report: {args.out}",
          file=sys.stderr)
    return 0 if report["passed"] == len(report["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
