"""Run-time of one model on one clip batch: the paper's Table 2 protocol, made explicit.

Protocol (paper Sec. 4.4: "batch size 1, 224x224 input, no data loading, one GPU"):
inference mode, eval mode, random input already on the device, ``warmup`` untimed runs,
then ``runs`` timed runs. On CUDA each run is timed with CUDA events after a
synchronisation; on CPU with ``time.perf_counter`` and the thread count recorded.
Reported: median and spread (min, 10th/90th percentile, max) in ms, videos per second
(``batch / median``), and the device by name.

With a ``reference`` model, every timed run of the model is paired with one of the
reference in the same process (alternating which goes first), and ``time_vs_reference`` (the median of the
per-pair ratios) is reported: machines drift over minutes, so ratios between rows are only trustworthy when
measured side by side like this.

A two-stream network (inference) adds the TV-L1 time of its clip's flow fields to every timed run
(:mod:`msnet.flow.timing`), as the paper's Table 2 does; the network-only median is kept beside it.

``mode="train"`` times a full training step (forward, cross-entropy, backward, SGD
update) instead and reports the peak resident memory of the process (CPU) or the peak
allocated memory (CUDA), for the memory comparison of the performance work.
"""

from __future__ import annotations

import platform
import resource
import statistics
import time

import torch

from msnet.flow.timing import time_tvl1
from msnet.models.registry import create_model

MODES = ("inference", "train")


def resolve_device(device: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without a GPU raises."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("--device cuda asked for, but torch sees no CUDA device; use --device cpu or auto")
    return torch.device(device)


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{cpu_name()}, {torch.get_num_threads()} threads"


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


def _prepare(name, *, frames, size, batch, classes, dev, mode, channels_last, overrides):
    """Build model and input on ``dev`` and return the callable one timed run makes."""
    model = create_model(name, num_frames=frames, num_classes=classes, **overrides).to(dev)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    clip = torch.randn(batch * frames, getattr(model, "input_channels", 3), size, size, device=dev)
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
) -> dict:
    """Time ``runs`` forward passes (or training steps) of model ``name``; see the module docstring."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {MODES}")
    if runs < 1 or warmup < 0:
        raise ValueError("runs must be >= 1 and warmup >= 0")
    dev = resolve_device(device)
    overrides = dict(overrides or {})
    common = dict(size=size, batch=batch, classes=classes, dev=dev, mode=mode, channels_last=channels_last)
    model, step = _prepare(name, frames=frames, overrides=overrides, **common)
    steps = [step]
    if reference is not None:
        steps.append(_prepare(reference[0], frames=reference[1], overrides={}, **common)[1])
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
    if hasattr(model, "flow_length") and mode == "inference":  # a two-stream network: add TV-L1 for the clip
        flow = time_tvl1(frames * model.flow_length * batch, size, dev, timer, sample=flow_sample)
        flow["network_median_ms"] = statistics.median(t[0] for t in timed)
        timed = [[t[0] + flow["tvl1_ms_per_clip"], *t[1:]] for t in timed]
    times = [t[0] for t in timed]
    median = statistics.median(times)
    return {
        "model": name,
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
        # A two-stream network's time includes TV-L1 for its flow fields (inference), as the paper's Table 2.
        **({"includes_flow_extraction": bool(flow), **flow} if hasattr(model, "flow_length") else {}),
        **(
            {
                "reference_model": reference[0],
                "reference_frames": reference[1],
                "reference_median_ms": statistics.median(t[1] for t in timed),
                # median of the per-pair ratios: each pair ran back to back, so slow drift cancels
                "time_vs_reference": statistics.median(t[0] / t[1] for t in timed),
            }
            if reference is not None
            else {}
        ),
    }
