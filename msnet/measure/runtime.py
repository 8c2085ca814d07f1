"""Run-time of one model on one clip batch: the paper's Table 2 protocol, made explicit.

Protocol (paper Sec. 4.4: "batch size 1, 224x224 input, no data loading, one GPU"):
inference mode, eval mode, random input already on the device, ``warmup`` untimed runs,
then ``runs`` timed runs. On CUDA each run is timed with CUDA events after a
synchronisation; on CPU with ``time.perf_counter`` and the thread count recorded, with glibc told to keep
freed memory for reuse (:mod:`msnet.core.allocator`: otherwise page faults on fresh activation
memory are a fifth of a ResNet-50's CPU time; ``reuse_freed_memory=False`` measures the default).
Reported: median and spread (min, 10th/90th percentile, max) in ms, videos per second
(``batch / median``), and the device by name.

With a ``reference`` model, every timed run of the model is paired with one of the
reference in the same process (alternating which goes first), and ``time_vs_reference`` (the median of the
per-pair ratios) is reported: machines drift over minutes, so ratios between rows are only trustworthy when
measured side by side like this.

A two-stream network (inference) adds the TV-L1 time of its clip's flow fields to every timed run
(:mod:`msnet.flow.timing`), as the paper's Table 2 does; the network-only median is kept beside it.

``mode="train"`` times a full training step (forward, cross-entropy, backward, SGD
update) instead. Memory: the peak resident set of the process (CPU; it mixes in libraries and
allocator slack, and the reference model when there is one) or the peak allocated memory (CUDA);
on the CPU also ``step_memory``, the exact memory of one extra step of the model alone: its parameters, buffers and
optimiser state plus what the step adds at its peak (:mod:`msnet.measure.memory`), the figure to compare between
models (``step_memory_vs_reference``).
"""

from __future__ import annotations

import resource
import statistics
import time

import torch

from msnet.core.allocator import keep_freed_memory
from msnet.core.cpu import cpu_description
from msnet.core.device import pick_device
from msnet.core.errors import BadValue
from msnet.flow.timing import time_tvl1
from msnet.measure.memory import peak_memory
from msnet.models import fused_kernel
from msnet.models.factory import create_model
from msnet.models.facts import model_facts

MODES = ("inference", "train")


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{cpu_description()}, {torch.get_num_threads()} threads"


class _Timer:
    """Wall time of one call, synchronised on CUDA."""

    def __init__(self, device: torch.device):
        self.device = device

    def __call__(self, fn) -> float:
        if self.device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize(self.device)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize(self.device)
            return start.elapsed_time(end)
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _state_mb(model: torch.nn.Module, optimiser: torch.optim.Optimizer | None) -> float:
    """Parameters, buffers and optimiser state of one model: memory a training step keeps between steps."""
    tensors = [*model.parameters(), *model.buffers()]
    if optimiser is not None:
        tensors += [v for state in optimiser.state.values() for v in state.values() if isinstance(v, torch.Tensor)]
    return sum(t.numel() * t.element_size() for t in tensors) / 2**20


def _step_memory(model: torch.nn.Module, step) -> dict | None:
    """The exact memory of one more step of one model (CPU): its kept state plus what the step adds at its peak.

    Comparable between models timed in one process (the other model's memory is not counted)."""
    measured = peak_memory(step)
    if measured is None:
        return None
    state = _state_mb(model, getattr(step, "optimiser", None))
    return {"state_mb": state, "step_added_mb": measured["added_mb"], "peak_mb": state + measured["added_mb"],
            "method": measured["method"]}


def _prepare(name, *, frames, size, batch, classes, dev, mode, channels_last, overrides):
    """Build model and input on ``dev`` and return the callable one timed run makes."""
    model = create_model(name, num_frames=frames, num_classes=classes, **overrides).to(dev)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    clip = torch.randn(batch * frames, model.input_channels, size, size, device=dev)
    clip = clip.contiguous(memory_format=memory_format)
    if mode == "inference":
        model.eval()

        def step():
            with torch.inference_mode():
                model(clip)

        return model, step
    model.train()
    target = torch.randint(0, classes, (batch,), device=dev)
    optimiser = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def train_step():
        optimiser.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(clip), target).backward()
        optimiser.step()

    train_step.optimiser = optimiser
    return model, train_step


def measure_runtime(
    name: str,
    *,
    frames: int = 8,
    size: int = 224,
    batch: int = 1,
    classes: int = 174,
    device: str = "auto",
    warmup: int = 3,
    runs: int = 10,
    mode: str = "inference",
    channels_last: bool = False,
    overrides: dict | None = None,
    reference: tuple[str, int] | None = None,
    flow_sample: int = 8,
    reuse_freed_memory: bool = True,
) -> dict:
    """Time ``runs`` forward passes (or training steps) of model ``name``; see the module docstring."""
    if mode not in MODES:
        raise BadValue(f"unknown mode {mode!r}; choose one of {MODES}")
    if runs < 1 or warmup < 0:
        raise BadValue("runs must be >= 1 and warmup >= 0")
    dev = pick_device(device)
    facts = model_facts(name)
    # on the CPU, freed activations are reused as CUDA's caching allocator reuses them (msnet.core.allocator)
    allocator = keep_freed_memory() if dev.type == "cpu" and reuse_freed_memory else {"allocator": "default", "tuned": False}
    overrides = dict(overrides or {})
    common = dict(size=size, batch=batch, classes=classes, dev=dev, mode=mode, channels_last=channels_last)
    model, step = _prepare(name, frames=frames, overrides=overrides, **common)
    steps = [step]
    if reference is not None:
        reference_model, reference_step = _prepare(reference[0], frames=reference[1], overrides={}, **common)
        steps.append(reference_step)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    timer = _Timer(dev)
    for _ in range(warmup):
        for fn in steps:
            timer(fn)
    timed = []
    for run in range(runs):
        order = steps if run % 2 == 0 else steps[::-1]  # alternate who goes first: no order bias
        measured = [timer(fn) for fn in order]
        timed.append(measured if run % 2 == 0 else measured[::-1])
    flow = {}
    if "flow" in facts.streams and mode == "inference":  # a two-stream network: add TV-L1 for the clip
        flow = time_tvl1(frames * model.flow_length * batch, size, dev, timer, sample=flow_sample)
        flow["network_median_ms"] = statistics.median(t[0] for t in timed)
        timed = [[t[0] + flow["tvl1_ms_per_clip"], *t[1:]] for t in timed]
    times = [t[0] for t in timed]
    median = statistics.median(times)
    memory = _step_memory(model, step) if dev.type == "cpu" else None
    reference_memory = _step_memory(reference_model, reference_step) if dev.type == "cpu" and reference else None
    kernel = fused_kernel.status()
    return {
        "model": name,
        "facts": facts.as_dict(),
        "frames": frames,
        "size": size,
        "batch": batch,
        "classes": classes,
        "mode": mode,
        "overrides": overrides,
        "device": dev.type,
        "device_name": device_name(dev),
        "threads": torch.get_num_threads(),
        "channels_last": channels_last,
        "cpu_allocator": allocator if dev.type == "cpu" else None,
        "warmup": warmup,
        "runs": runs,
        "median_ms": median,
        "min_ms": min(times),
        "p10_ms": _percentile(times, 0.1),
        "p90_ms": _percentile(times, 0.9),
        "max_ms": max(times),
        "times_ms": times,
        "videos_per_s": batch / (median / 1000),
        "peak_memory_mb": _peak_memory_mb(dev),
        # CPU: the exact peak of one more step of this model alone (msnet.measure.memory), comparable across models
        "step_memory": memory,
        # the MS module's native CPU kernel (inference only; training steps run the PyTorch path)
        "ms_fused_kernel": {**kernel, "used": kernel["available"] and dev.type == "cpu" and mode == "inference"
                            and facts.has("ms")},
        # A two-stream network's time includes TV-L1 for its flow fields (inference), as the paper's Table 2.
        **({"includes_flow_extraction": bool(flow), **flow} if "flow" in facts.streams else {}),
        **(
            {
                "reference_model": reference[0],
                "reference_frames": reference[1],
                "reference_median_ms": statistics.median(t[1] for t in timed),
                # median of the per-pair ratios: each pair ran back to back, so slow drift cancels
                "time_vs_reference": statistics.median(t[0] / t[1] for t in timed),
                "reference_step_memory": reference_memory,
                "step_memory_vs_reference": memory["peak_mb"] / reference_memory["peak_mb"] if memory and reference_memory else None,
            }
            if reference is not None
            else {}
        ),
    }
