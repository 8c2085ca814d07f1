"""Run-time of one model (Table 2's speed column), timed beside a reference model."""

from __future__ import annotations

import argparse

from msnet.cli.common import log, model_arguments, print_result
from msnet.core.errors import BadValue


def cmd_runtime(args: argparse.Namespace) -> int:
    from msnet.measure.runtime import measure_runtime
    from msnet.core.provenance import provenance

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    result = measure_runtime(
        args.model,
        frames=args.frames,
        size=args.size,
        batch=args.batch,
        classes=args.classes,
        device=args.device,
        warmup=args.warmup,
        runs=args.runs,
        mode=args.mode,
        channels_last=args.channels_last,
        overrides=model_arguments(args),
        reference=_reference(args.reference),
        reuse_freed_memory=not args.default_allocator,
    )
    if args.row:
        result = {"row": args.row, **result}
    if result["device"] != "cuda" and args.device == "auto":
        log.info("no CUDA device: timed on CPU (%s)", result["device_name"])
    spec = {k: result[k] for k in ("model", "frames", "size", "batch", "mode", "overrides", "device")}
    result["provenance"] = provenance(spec)
    print_result(result, args.out)
    return 0


def _reference(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    model, sep, frames = text.partition(":")
    if not sep or not frames.isdigit():
        raise BadValue(f"--reference {text!r} must look like MODEL:FRAMES, e.g. msnet_r50:8")
    return model, int(frames)


def register(sub, model_args: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to ``sub``."""
    p = sub.add_parser("runtime", help="inference (or training-step) time of one model: videos/s, median ms, as JSON",
                       parents=[model_args])
    p.add_argument("model", help="registered model name")
    p.add_argument("--frames", type=int, required=True, help="T, frames per clip")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (CUDA when present, else CPU)")
    p.add_argument("--batch", type=int, default=1, help="clips per batch (paper: 1)")
    p.add_argument("--size", type=int, default=224, help="input height = width (224)")
    p.add_argument("--classes", type=int, default=174, help="classifier width")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    p.add_argument("--runs", type=int, default=10, help="timed runs")
    p.add_argument("--mode", choices=("inference", "train"), default="inference", help="forward only, or a training step")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--channels-last", action="store_true", help="channels_last memory format")
    p.add_argument("--default-allocator", action="store_true",
                   help="CPU: leave glibc malloc as it is (by default freed memory is kept for reuse, as on CUDA)")
    p.add_argument("--reference", metavar="MODEL:FRAMES", help="also time this model, interleaved, for a same-run ratio")
    p.add_argument("--row", help="experiment row id recorded in the result (workflow use)")
    p.add_argument("--out", help="also write the JSON here (atomically)")
    p.set_defaults(func=cmd_runtime)
