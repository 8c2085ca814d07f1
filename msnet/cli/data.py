"""Datasets: the synthetic benchmark, providers' lists, the decode check, frame extraction, subsets."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from msnet.cli.common import log, print_shard_result, shard_argument, yaml_overrides


def cmd_synth(args: argparse.Namespace) -> int:
    from msnet.data.synth_writer import write_benchmark
    from msnet.data.synthetic import HARD, SynthConfig

    options = {**(HARD if args.preset == "hard" else {}), **yaml_overrides(args.set)}
    if args.size:
        options["height"], options["width"] = args.size
    if args.frames:
        options["frames"] = args.frames
    summary = write_benchmark(args.format, args.out, SynthConfig(**options), args.videos, args.seed, args.workers,
                              val_every=args.val_every)
    print(json.dumps({k: summary[k] for k in ("format", "videos", "seed", "splits")}))
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from msnet.data.prepare import prepare

    summary = prepare(args.dataset, args.root, args.out, class_order=args.class_order, strict=not args.lenient,
                      verify=args.verify, hmdb_split=args.split, workers=args.workers)
    print(json.dumps(summary, indent=2))
    if summary["skipped"]:
        log.warning("%d bad inputs skipped (lenient mode): see %s", summary["skipped"], Path(args.out) / "skipped.csv")
    return 0


def cmd_check_decoding(args: argparse.Namespace) -> int:
    from msnet.data.decode_check import check_decoding

    result = check_decoding(args.prepared, sample=args.sample, seed=args.seed, action=args.action, workers=args.workers)
    print(json.dumps(result, indent=2))
    for group in result["unsafe_groups"]:
        log.warning("decord returns wrong frames for %s videos: %s %d of them", group,
                    "replaced" if result["action"] != "none" else "NOT replaced (action none);", result["replaced"])
    return 0


def cmd_extract_frames(args: argparse.Namespace) -> int:
    from msnet.data.extract import extract_shard, merge_frame_lists

    if args.merge:
        result = merge_frame_lists(args.prepared, args.merge)
    else:
        shard, shards = args.shard
        result = extract_shard(args.prepared, shard, shards, args.short_side)
    return print_shard_result(result, "frames", "some videos could not be decoded; they are left out of the frame "
                              "lists and counted")


def cmd_subset(args: argparse.Namespace) -> int:
    from msnet.data.subset import write_subset_lists

    counts = {split: n for split, n in (("train", args.train), ("val", args.val)) if n}
    print(json.dumps(write_subset_lists(args.prepared, counts, args.out, args.lists), indent=2))
    return 0


def register(sub, model_args: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to ``sub``."""
    p = sub.add_parser("synth", help="write the synthetic motion benchmark in a provider's format")
    p.add_argument("--format", required=True, choices=("ssv1", "ssv2", "kinetics", "hmdb51"), help="provider format")
    p.add_argument("--out", required=True, help="dataset root to write")
    p.add_argument("--videos", type=int, required=True, help="number of videos (classes cycle)")
    p.add_argument("--val-every", type=int, default=5, metavar="N",
                   help="one video in N of every class is held out for validation (5; 2: half)")
    p.add_argument("--seed", type=int, default=0, help="the benchmark is a function of the seed")
    p.add_argument("--size", type=int, nargs=2, metavar=("H", "W"), help="frame height and width (default 96 128)")
    p.add_argument("--frames", type=int, help="frames per video (default 24)")
    p.add_argument("--preset", choices=("default", "hard"), default="default",
                   help="default: the calibrated benchmark; hard: camera pan, a distractor, occluders, busy backgrounds")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="difficulty knob of SynthConfig (after the preset), e.g. pan=1 distractors=2 speed=[2,4]")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("prepare", help="providers' annotation files -> loader lists, with missing/bad inputs counted")
    p.add_argument("dataset", choices=("ssv1", "ssv2", "kinetics", "hmdb51"), help="provider format")
    p.add_argument("--root", required=True, help="the dataset as the provider ships it")
    p.add_argument("--out", required=True, help="output folder for lists, classes, missing and skipped files")
    p.add_argument("--class-order", choices=("sorted", "provider"), default="sorted",
                   help="class indices: sorted names (TSM/MSNet, default) or the provider's label-file order")
    p.add_argument("--lenient", action="store_true", help="skip and count bad lines and media instead of stopping")
    p.add_argument("--verify", choices=("header", "decode"), default="header",
                   help="per video: open and count packets (fast), or decode every frame")
    p.add_argument("--split", type=int, default=1, help="HMDB-51 split number (1, 2, 3)")
    p.add_argument("--workers", type=int, default=4, help="threads probing videos")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("check-decoding", help="decord vs PyAV on a sample of each container; fix unsafe videos")
    p.add_argument("prepared", help="output folder of `prepare`")
    p.add_argument("--sample", type=int, default=32, help="videos checked per container")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--action", choices=("transcode", "frames", "none"), default="transcode",
                   help="for unsafe (container, codec) groups: H.264 MP4, JPEG frames, or only report")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    p.set_defaults(func=cmd_check_decoding)

    p = sub.add_parser("extract-frames", help="videos -> JPEG frame folders, one shard at a time (resumable)")
    p.add_argument("prepared", help="output folder of `prepare` and `check-decoding`")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--shard", type=shard_argument, metavar="I/N", help="extract shard I of N (video i goes to i %% N)")
    group.add_argument("--merge", type=int, metavar="N", help="write frames/<split>.txt from the N shard manifests")
    p.add_argument("--short-side", type=int, help="resize frames to this short side (default: keep the size)")
    p.set_defaults(func=cmd_extract_frames)

    p = sub.add_parser("subset", help="class-balanced subset lists of a prepared dataset (<prepared>/<out>/)")
    p.add_argument("prepared", help="output folder of `prepare` and `check-decoding`")
    p.add_argument("--train", type=int, default=0, help="videos kept in the train split (0: all)")
    p.add_argument("--val", type=int, default=0, help="videos kept in the val split (0: all)")
    p.add_argument("--out", default="subset", help="list folder written inside PREPARED")
    p.add_argument("--lists", default="", help="source list folder inside PREPARED ('' = decode-checked lists)")
    p.set_defaults(func=cmd_subset)
