"""TV-L1 optical flow: extraction by shards and the accuracy/speed check."""

from __future__ import annotations

import argparse

from msnet.cli.common import log, print_result, print_shard_result, shard_argument


def cmd_flow_extract(args: argparse.Namespace) -> int:
    from msnet.flow.extract import FlowSettings, extract_flow_shard, merge_flow_lists
    from msnet.core.device import pick_device

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.merge:
        result = merge_flow_lists(args.prepared, args.merge, args.fps, args.lists)
    else:
        settings = FlowSettings(method=args.method, size=tuple(args.size) if args.size else None, fps=args.fps,
                                source_fps=args.source_fps, batch=args.batch)
        device = "cpu" if args.method == "opencv" else str(pick_device(args.device))
        shard, shards = args.shard
        result = extract_flow_shard(args.prepared, shard, shards, settings, args.lists, device,
                                    progress=not args.no_progress)
    return print_shard_result(result, "fields", "some videos gave no flow; they are left out of the flow lists and "
                              "counted")


def cmd_flow_quality(args: argparse.Namespace) -> int:
    from msnet.flow.quality import flow_quality
    from msnet.core.device import pick_device
    from msnet.core.provenance import provenance

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    result = flow_quality(args.videos, args.pairs, args.speed_pairs, args.speed_size, args.runs,
                          str(pick_device(args.device)))
    result["provenance"] = provenance({"command": "flow quality"})
    print_result(result, args.out)
    accuracy, speed = result["accuracy"], result["speed"]
    log.info("EPE (px, all pixels): OpenCV %.3f, PyTorch %.3f (%.1f %% apart); %d pairs at %dx%d: OpenCV %.0f ms, "
             "PyTorch %.0f ms (x%.2f)", accuracy["epe"]["opencv"]["all"], accuracy["epe"]["torch"]["all"],
             100 * accuracy["epe_relative_difference"], speed["pairs"], speed["size"], speed["size"],
             speed["median_ms"]["opencv"], speed["median_ms"]["torch"], speed["torch_time_vs_opencv"])
    return 0


def register(sub, model_args: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to ``sub``."""
    p = sub.add_parser("flow", help="TV-L1 optical flow: extraction and the accuracy/speed check (docs/flow.md)")
    flow = p.add_subparsers(dest="flow_command", required=True)
    p = flow.add_parser("extract", help="videos -> flow_x/flow_y JPEG folders, one shard at a time (resumable)")
    p.add_argument("prepared", help="output folder of `prepare` and `check-decoding`")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--shard", type=shard_argument, metavar="I/N", help="extract shard I of N (video i goes to i %% N)")
    group.add_argument("--merge", type=int, metavar="N", help="write <flow folder>/<split>.txt from N shard manifests")
    p.add_argument("--lists", default="", help="list folder inside PREPARED whose videos get flow ('' = all)")
    p.add_argument("--method", default="torch", choices=["torch", "opencv"],
                   help="torch: batched PyTorch TV-L1 (CPU or CUDA); opencv: cv2.optflow on the CPU")
    p.add_argument("--device", default="auto", help="torch method: cpu, cuda, cuda:N or auto")
    p.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="resize frames first (dense_flow -h/-w)")
    p.add_argument("--fps", type=float, help="resample frames to this rate first (Table 6 'low': 3)")
    p.add_argument("--source-fps", type=float, default=12.0, help="the videos' frame rate (SSv1: 12)")
    p.add_argument("--batch", type=int, default=64, help="frame pairs per PyTorch TV-L1 call")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_flow_extract)
    p = flow.add_parser("quality", help="EPE of both TV-L1 paths against synthetic ground truth, and their speed")
    p.add_argument("--videos", type=int, default=8, help="synthetic videos for the EPE")
    p.add_argument("--pairs", type=int, default=8, help="frame pairs per video for the EPE")
    p.add_argument("--speed-pairs", type=int, default=8, help="pairs of the timed clip")
    p.add_argument("--speed-size", type=int, default=224, help="side of the timed clip's frames")
    p.add_argument("--runs", type=int, default=3, help="timed runs of each path (interleaved)")
    p.add_argument("--device", default="cpu", help="device of the PyTorch path: cpu, cuda or auto")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--out", help="write the JSON here (default: stdout)")
    p.set_defaults(func=cmd_flow_quality)
