"""fp32 against bf16 autocast training steps on this CPU: whether bf16 pays here (native AVX-512 BF16 / AMX) or is
emulated (AVX2 only: measured 13-15x slower than fp32, docs/training.md "bf16 without native support").

The steps are the synthetic protocol's: ResNet-18 appearance pretraining (batch 64 at 96x96, 10 classes) and the video
rows (8 clips x 8 frames at crop 96, 16 classes), SGD with momentum, channels_last, the process's torch threads.
Usage: python tools/bf16_step_speed.py [pretrain] [tsm_r18] [msnet_r18] [--runs 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
import torchvision

from msnet.core.cpu import cpu_description
from msnet.models.factory import create_model


def median_step_seconds(model: torch.nn.Module, clips: torch.Tensor, labels: torch.Tensor, precision: str,
                        runs: int) -> float:
    """Median wall time of ``runs`` SGD steps after one warm-up step."""
    model = model.to(memory_format=torch.channels_last)
    clips = clips.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    times = []
    for step in range(1 + runs):
        started = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = torch.nn.functional.cross_entropy(model(clips).float(), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def workload(name: str) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """The model and one batch of ``name``: ``pretrain`` (ResNet-18 stills) or a registered video model."""
    torch.manual_seed(0)
    if name == "pretrain":
        return torchvision.models.resnet18(num_classes=10), torch.randn(64, 3, 96, 96), torch.randint(0, 10, (64,))
    return create_model(name, num_classes=16, num_frames=8), torch.randn(64, 3, 96, 96), torch.randint(0, 16, (8,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["pretrain", "tsm_r18", "msnet_r18"])
    parser.add_argument("--runs", type=int, default=3, help="timed steps per precision (median)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"CPU: {cpu_description()}, {args.threads} threads, median of {args.runs} steps")
    rows = []
    for name in args.workloads:
        seconds = {precision: median_step_seconds(*workload(name), precision, args.runs)
                   for precision in ("fp32", "bf16")}
        rows.append({"workload": name, **{k: round(v, 3) for k, v in seconds.items()},
                     "bf16_over_fp32": round(seconds["bf16"] / seconds["fp32"], 2)})
        print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
