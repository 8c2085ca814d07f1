"""``python -m msnet <stage> ...``: the one entry point every workflow rule calls."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from msnet.core.errors import BadValue, UsageError
from msnet.core.jsonio import write_json

log = logging.getLogger("msnet")


def _write_json(obj: dict, out: str | None) -> None:
    """Print ``obj`` as JSON and, with ``out``, also write it there atomically."""
    if out:
        write_json(out, obj)
    print(json.dumps(obj, indent=2, sort_keys=False))


def model_arguments(args: argparse.Namespace) -> dict:
    """The builder's keyword arguments: ``--model-args`` (JSON, the workflow's), then each ``--set`` on top."""
    from msnet.models.registry import parse_overrides

    kwargs = json.loads(args.model_args) if args.model_args else {}
    if not isinstance(kwargs, dict):
        raise BadValue(f"--model-args must be a JSON object, got {args.model_args!r}")
    return parse_overrides(args.set, into=kwargs)


def model_arguments_parser() -> argparse.ArgumentParser:
    """Options every stage that builds a model shares."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--model-args", metavar="JSON",
                        help='the builder\'s keyword arguments, e.g. \'{"ms": {"patch_size": 7}}\' (the workflow\'s)')
    parent.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="one keyword argument, dotted into modules, e.g. ms.patch_size=7 or ms.spec=paper")
    return parent


def cmd_cost(args: argparse.Namespace) -> int:
    from msnet.measure.cost import model_cost
    from msnet.core.provenance import provenance

    overrides = model_arguments(args)
    result = model_cost(args.model, frames=args.frames, size=args.size, classes=args.classes, overrides=overrides)
    if args.row:
        result = {"row": args.row, **result}
    spec = {k: result[k] for k in ("model", "frames", "size", "classes", "overrides")}
    result["provenance"] = provenance(spec)
    _write_json(result, args.out)
    if result["unsupported_ops"]:
        log.warning("fvcore could not count: %s", ", ".join(result["unsupported_ops"]))
    return 0


def cmd_cost_rows(args: argparse.Namespace) -> int:
    """Several config rows in one process (the workflow's cost stage): start-up is paid once, each row still gets
    its own result file."""
    from msnet.measure.cost import model_cost
    from msnet.core.provenance import provenance

    rows = json.loads(Path(args.rows).read_text()) if not args.rows.lstrip().startswith("{") else json.loads(args.rows)
    out = Path(args.out_dir)
    for row_id, row in rows.items():
        result = {"row": row_id, **model_cost(row["model"], frames=row["frames"], size=args.size, classes=args.classes,
                                              overrides=row["model_args"])}
        result["provenance"] = provenance({k: result[k] for k in ("model", "frames", "size", "classes", "overrides")})
        write_json(out / f"{row_id}.json", result)
        log.info("%s: %.3f GFLOPs, %.3f M parameters", row_id, result["gflops"], result["mparams"])
        if result["unsupported_ops"]:
            log.warning("%s: fvcore could not count %s", row_id, ", ".join(result["unsupported_ops"]))
    return 0


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
    _write_json(result, args.out)
    return 0


def _reference(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    model, sep, frames = text.partition(":")
    if not sep or not frames.isdigit():
        raise BadValue(f"--reference {text!r} must look like MODEL:FRAMES, e.g. msnet_r50:8")
    return model, int(frames)


def cmd_models(args: argparse.Namespace) -> int:
    from msnet.models.factory import list_models

    print("\n".join(list_models(args.pattern)))
    return 0


def _measured(args: argparse.Namespace):
    from msnet.report.measured import Measured

    measured = Measured.from_files(args.results)
    ensembles = {}
    for item in getattr(args, "ensemble", []):
        row, sep, members = item.partition("=")
        if not sep or not members:
            raise BadValue(f"--ensemble {item!r} must look like ROW=MEMBER,MEMBER")
        ensembles[row] = members.split(",")
    measured.add_ensembles(ensembles)
    return measured


def cmd_report(args: argparse.Namespace) -> int:
    from msnet.report.audit import audit_markdown
    from msnet.report.claims import load_claims
    from msnet.report.cost_tables import write_cost_report
    from msnet.report.figures import write_figures
    from msnet.report.paper_tables import write_paper_tables
    from msnet.report.speed_table import write_speed_report

    from msnet.report.data_table import data_markdown, load_data_stages

    if args.what == "flow":
        from msnet.report.flow_report import write_flow_report

        out = Path(args.out)
        write_flow_report(args.quality, args.data, out / "flow.md", out / "figures" / "flow_quality")
        print(out / "flow.md")
        return 0
    stages = load_data_stages(args.data)
    if args.what == "accuracy":
        from msnet.report.accuracy_table import load_both, write_accuracy_report

        out = Path(args.out)
        frame = load_both(args.results, args.reference_accuracy)
        write_accuracy_report(frame, load_claims(args.claims), out / "accuracy.md", out / "accuracy.csv")
        print(out / "accuracy.md")
        return 0
    if args.what == "data":
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data_markdown(stages))
        print(path)
        return 0
    claims, measured = load_claims(args.claims), _measured(args)
    if args.what == "cost":
        written = write_cost_report(measured, claims, args.out)
    elif args.what == "speed":
        written = write_speed_report(measured, claims, args.out)
    elif args.what == "tables":
        from msnet.report.accuracy_table import accuracy_summary, load_both

        frame = load_both(args.accuracy, args.reference_accuracy)
        summary = accuracy_summary(frame, claims) if not frame.empty else None
        written = write_paper_tables(measured, claims, args.out, summary)
    elif args.what == "figures":
        written = write_figures(measured, claims, args.out, args.accuracy, args.reference_accuracy)
    else:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(audit_markdown(claims, measured, stages, args.accuracy, args.motion, args.reference_accuracy,
                                       args.reference_motion))
        written = [path]
    for path in written:
        print(path)
    return 0


def _size(text: str) -> tuple[int, int]:
    height, sep, width = text.lower().partition("x")
    if not sep or not height.isdigit() or not width.isdigit():
        raise argparse.ArgumentTypeError(f"size must look like HxW, e.g. 96x128, got {text!r}")
    return int(height), int(width)


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


def cmd_pretrain(args: argparse.Namespace) -> int:
    from msnet.train.pretrain import PretrainConfig, pretrain

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    cfg = PretrainConfig(**yaml_overrides(args.set))
    result = pretrain(cfg, args.out, progress=not args.no_progress)
    _write_json(result, str(Path(args.out).with_suffix(".json")))
    return 0


def cmd_motion(args: argparse.Namespace) -> int:
    import torch

    from msnet.data.synth_writer import load_config
    from msnet.data.synthetic import SynthConfig
    from msnet.analysis.motion import probe, video_example
    from msnet.core.provenance import provenance
    from msnet.report.motion_figures import epe_figure, fig6
    from msnet.report.figures import save_figure
    from msnet.train import checkpoint as ckpt
    from msnet.train.model_spec import build_model

    state = ckpt.load(args.checkpoint)
    spec = state["spec"]
    trained = build_model(spec)
    trained.load_state_dict(state["model"])
    torch.manual_seed(0)
    models = {"trained": trained, "untrained": build_model(spec)}
    synth = load_config(args.synthetic) if args.synthetic else SynthConfig()
    result = probe(models, spec["frames"], spec["crop"], videos=args.videos, seed=args.seed, synth=synth,
                   dataset=args.dataset, keep=args.examples)
    examples = result.pop("examples") + [video_example(trained, v, spec["frames"], spec["crop"], args.dataset)
                                         for v in args.video]
    record = {"row": args.row, "checkpoint": str(args.checkpoint), "model": spec["model"],
              "epoch": state.get("epoch"), "synthetic": synth.to_dict(), **result,
              "real_videos": list(args.video)}
    record["provenance"] = provenance({"checkpoint": str(args.checkpoint), "videos": args.videos, "seed": args.seed})
    if args.figures:
        out = Path(args.figures)
        out.mkdir(parents=True, exist_ok=True)
        real = [e for e in examples if e["truth"] is None]
        synthetic = [e for e in examples if e["truth"] is not None]
        save_figure(fig6(synthetic, list(models)), out, "fig6")
        if real:
            save_figure(fig6(real, ["model"]), out, "fig6_videos")
        save_figure(epe_figure(result["summary"]), out, "ms_motion_epe")
    _write_json(record, args.out)
    return 0


def yaml_overrides(items: list[str]) -> dict:
    """KEY=VALUE pairs with YAML values (lists for ranges: speed=[2,4])."""
    import yaml

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise BadValue(f"override {item!r} must look like KEY=VALUE")
        value = yaml.safe_load(value)
        out[key] = tuple(value) if isinstance(value, list) else value
    return out


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


def _shard(text: str) -> tuple[int, int]:
    shard, sep, shards = text.partition("/")
    if not sep or not shard.isdigit() or not shards.isdigit() or not 0 <= int(shard) < int(shards):
        raise argparse.ArgumentTypeError(f"shard must look like I/N with 0 <= I < N, e.g. 0/4, got {text!r}")
    return int(shard), int(shards)


def cmd_extract_frames(args: argparse.Namespace) -> int:
    from msnet.data.extract import extract_shard, merge_frame_lists

    if args.merge:
        result = merge_frame_lists(args.prepared, args.merge)
    else:
        shard, shards = args.shard
        result = extract_shard(args.prepared, shard, shards, args.short_side)
        result = {k: v for k, v in result.items() if k != "frames"} | {"videos": len(result["frames"])}
    print(json.dumps(result, indent=2))
    if result.get("errors") or result.get("failed"):
        log.warning("some videos could not be decoded; they are left out of the frame lists and counted")
    return 0


def cmd_subset(args: argparse.Namespace) -> int:
    from msnet.data.subset import write_subset_lists

    counts = {split: n for split, n in (("train", args.train), ("val", args.val)) if n}
    print(json.dumps(write_subset_lists(args.prepared, counts, args.out, args.lists), indent=2))
    return 0


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
        result = {k: v for k, v in result.items() if k != "fields"} | {"videos": len(result["fields"])}
    print(json.dumps(result, indent=2))
    if result.get("errors") or result.get("failed"):
        log.warning("some videos gave no flow; they are left out of the flow lists and counted")
    return 0


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
    _write_json(result, args.out)
    accuracy, speed = result["accuracy"], result["speed"]
    log.info("EPE (px, all pixels): OpenCV %.3f, PyTorch %.3f (%.1f %% apart); %d pairs at %dx%d: OpenCV %.0f ms, "
             "PyTorch %.0f ms (x%.2f)", accuracy["epe"]["opencv"]["all"], accuracy["epe"]["torch"]["all"],
             100 * accuracy["epe_relative_difference"], speed["pairs"], speed["size"], speed["size"],
             speed["median_ms"]["opencv"], speed["median_ms"]["torch"], speed["torch_time_vs_opencv"])
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from msnet.core.specs import read_spec
    from msnet.train.trainer import train, train_config

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    spec = read_spec(args.spec) if args.spec else train_spec_from_flags(args)
    result = train(train_config(spec))
    if result:
        _write_json(result, str(Path(spec["out"]) / "train.json"))
    return 0


def train_spec_from_flags(args: argparse.Namespace) -> dict:
    """The spec the workflow would write, from a person's flags."""
    missing = [flag for flag, value in (("MODEL", args.model), ("--data", args.data), ("--out", args.out),
                                        ("--frames", args.frames)) if value is None]
    if missing:
        raise BadValue(f"train needs {', '.join(missing)} (or --spec)")
    return {
        "prepared": args.data, "model": args.model, "frames": args.frames, "out": args.out, "recipe": args.recipe,
        "recipe_args": yaml_overrides(args.recipe_set), "model_args": model_arguments(args), "crop": args.crop,
        "seed": args.seed, "device": args.device, "workers": args.workers, "pretrained": args.pretrained,
        "init": args.init, "checkpoint_steps": args.checkpoint_steps, "eval_protocol": args.eval_protocol,
        "eval_batch": args.eval_batch, "cache_frames": args.cache_frames, "channels_last": args.channels_last,
        "deterministic": not args.nondeterministic, "lenient": args.lenient, "lists": args.lists,
        "tensorboard": args.tensorboard, "progress": not args.no_progress, "row": args.row,
        "bn_chunks": args.bn_chunks, "flow_length": args.flow_length, "released": args.released,
    }


def cmd_evaluate(args: argparse.Namespace) -> int:
    from msnet.core.provenance import provenance
    from msnet.core.device import pick_device
    from msnet.train.evaluate import evaluate_checkpoint

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    out = Path(args.out) if args.out else None
    result = evaluate_checkpoint(
        args.checkpoint, args.data, args.protocol, batch_size=args.batch, device=pick_device(args.device),
        workers=args.workers, split=args.split, lenient=args.lenient,
        skip_log=out.with_suffix(".skipped.log") if out else None,
        scores_out=out.with_suffix(".scores.pt") if out else None, progress=not args.no_progress,
    )
    result = {"row": args.row, "dataset": args.data, **result}
    result["provenance"] = provenance({k: result[k] for k in ("row", "dataset", "protocol", "checkpoint")})
    _write_json(result, args.out)
    return 0


def cmd_ensemble(args: argparse.Namespace) -> int:
    from msnet.core.provenance import provenance
    from msnet.train.clips import class_names
    from msnet.train.evaluate import ensemble

    result = {"row": args.row, **ensemble(args.scores, class_names(args.data), softmax=args.softmax)}
    result["provenance"] = provenance({"members": result["members"], "softmax": args.softmax})
    _write_json(result, args.out)
    return 0


def cmd_reference_run(args: argparse.Namespace) -> int:
    from msnet.report.reference_run import collect

    print(json.dumps(collect(args.study, args.out, args.allow_dirty), indent=2))
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    from msnet.report.accuracy_gate import build_reference, check, gate_markdown, passed, update_reference

    if args.write_reference:
        reference = build_reference(args.results, note=args.note)
        if args.update:
            reference = update_reference(json.loads(Path(args.reference).read_text()), reference)
        _write_json(reference, args.reference)
        return 0
    reference = json.loads(Path(args.reference).read_text())
    verdicts = check(args.results, reference)
    text = gate_markdown(verdicts, args.reference, reference)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    print(text)
    if not passed(verdicts):
        log.error("accuracy gate FAILED (see the table above)")
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m msnet", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    model_args = model_arguments_parser()

    p = sub.add_parser("cost", help="FLOPs (fvcore and the authors' convention) and parameters of one model, as JSON",
                       parents=[model_args])
    p.add_argument("model", help="registered model name (python -m msnet models)")
    p.add_argument("--frames", type=int, required=True, help="T, frames per clip")
    p.add_argument("--size", type=int, default=224, help="input height = width (224)")
    p.add_argument("--classes", type=int, default=174, help="classifier width (174, Something-Something)")
    p.add_argument("--row", help="experiment row id recorded in the result (workflow use)")
    p.add_argument("--out", help="also write the JSON here (atomically)")
    p.set_defaults(func=cmd_cost)

    p = sub.add_parser("cost-rows", help="the cost of several config rows in one process, one JSON file per row")
    p.add_argument("--rows", required=True,
                   help="JSON (or a JSON file): row id -> {model, frames, model_args} (msnet/manifest.py's model_kwargs)")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--classes", type=int, default=174)
    p.add_argument("--out-dir", required=True, help="folder of the per-row results (<row>.json)")
    p.set_defaults(func=cmd_cost_rows)

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

    p = sub.add_parser("models", help="list registered models")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style filter")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("synth", help="write the synthetic motion benchmark in a provider's format")
    p.add_argument("--format", required=True, choices=("ssv1", "ssv2", "kinetics", "hmdb51"), help="provider format")
    p.add_argument("--out", required=True, help="dataset root to write")
    p.add_argument("--videos", type=int, required=True, help="number of videos (classes cycle)")
    p.add_argument("--val-every", type=int, default=5, metavar="N",
                   help="one video in N of every class is held out for validation (5; 2: half)")
    p.add_argument("--seed", type=int, default=0, help="the benchmark is a function of the seed")
    p.add_argument("--size", type=_size, help="HxW of the frames (default 96x128)")
    p.add_argument("--frames", type=int, help="frames per video (default 24)")
    p.add_argument("--preset", choices=("default", "hard"), default="default",
                   help="default: the calibrated benchmark; hard: camera pan, a distractor, occluders, busy backgrounds")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="difficulty knob of SynthConfig (after the preset), e.g. pan=1 distractors=2 speed=[2,4]")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("pretrain", help="appearance pretraining on synthetic stills (the synthetic stand-in for "
                       "ImageNet weights): a torchvision-layout state dict and a JSON result")
    p.add_argument("--out", required=True, help="weights file (.pth); the result JSON is written beside it (.json)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a field of PretrainConfig, e.g. steps=400 arch=resnet18 size=96 (msnet/train/pretrain.py)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_pretrain)

    p = sub.add_parser("motion", help="the MS module's displacement against the synthetic ground truth; Fig. 6")
    p.add_argument("checkpoint", help="a trained MSNet (best.pt of a training run)")
    p.add_argument("--synthetic", help="the written benchmark the model trained on (its synthetic.json gives the config)")
    p.add_argument("--videos", type=int, default=32, help="synthetic videos to score (generated, not read)")
    p.add_argument("--seed", type=int, default=10_000, help="generator seed (the written benchmark used another one)")
    p.add_argument("--dataset", default="ssv1", help="whose evaluation transform to apply (resize, centre crop)")
    p.add_argument("--examples", type=int, default=3, help="synthetic videos drawn in Fig. 6")
    p.add_argument("--video", action="append", default=[], help="also draw this real video's maps (repeatable)")
    p.add_argument("--row", help="experiment row id recorded in the result")
    p.add_argument("--figures", help="folder for fig6.{png,pdf}, fig6_videos.* and ms_motion_epe.*")
    p.add_argument("--out", help="also write the JSON here (atomically)")
    p.set_defaults(func=cmd_motion)

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
    group.add_argument("--shard", type=_shard, metavar="I/N", help="extract shard I of N (video i goes to i %% N)")
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

    p = sub.add_parser("flow", help="TV-L1 optical flow: extraction and the accuracy/speed check (docs/flow.md)")
    flow = p.add_subparsers(dest="flow_command", required=True)
    p = flow.add_parser("extract", help="videos -> flow_x/flow_y JPEG folders, one shard at a time (resumable)")
    p.add_argument("prepared", help="output folder of `prepare` and `check-decoding`")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--shard", type=_shard, metavar="I/N", help="extract shard I of N (video i goes to i %% N)")
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

    p = sub.add_parser("train", help="train one model with a named recipe (resumes from OUT/checkpoint.pt)",
                       parents=[model_args])
    p.add_argument("model", nargs="?", help="registered model name")
    p.add_argument("--spec", metavar="JSON",
                   help="the whole run as one JSON object (or file) of TrainConfig's fields, with `recipe` a name and "
                   "`recipe_args` its changed fields: what the workflow passes; replaces every other option")
    p.add_argument("--data", help="prepared dataset folder (prepare + check-decoding)")
    p.add_argument("--out", help="run folder: checkpoint.pt, best.pt, log.csv, train.json")
    p.add_argument("--frames", type=int, help="T, frames per clip")
    p.add_argument("--recipe", default="something",
                   help="something | kinetics-paper | kinetics-official | hmdb51 | synthetic (docs/training.md)")
    p.add_argument("--recipe-set", action="append", default=[], metavar="KEY=VALUE",
                   help="recipe override, e.g. batch_size=16 epochs=2 lr_steps=[1]")
    p.add_argument("--crop", type=int, default=224, help="crop size; resizes scale with it (224: the paper's)")
    p.add_argument("--seed", type=int, default=0, help="initialisation, clip sampling, batch order, dropout")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--pretrained", help="'imagenet' (from $TORCH_HOME, never downloaded) or a state-dict path; "
                   "default: random initialisation, recorded in the result")
    p.add_argument("--init", help="checkpoint to fine-tune from (tensors with matching names and shapes)")
    p.add_argument("--released", metavar="FILE",
                   help="a released TSM/TSN checkpoint (mit-han-lab/temporal-shift-module): validated and saved as "
                   "this run's best.pt instead of training, as the paper evaluated TSM's released models")
    p.add_argument("--checkpoint-steps", type=int, default=0, help="also checkpoint every N batches inside an epoch")
    p.add_argument("--eval-protocol", default="1clip", help="per-epoch validation protocol")
    p.add_argument("--eval-batch", type=int, default=8, help="videos per evaluation batch")
    p.add_argument("--flow-length", type=int, default=0, metavar="L",
                   help="train a flow stream on stacks of L TV-L1 fields (2L channels; use --lists flow)")
    p.add_argument("--bn-chunks", type=int, default=1,
                   help="BatchNorm statistics per chunk of the batch, as on that many GPUs (official: 4 x 12 clips)")
    p.add_argument("--cache-frames", action="store_true",
                   help="keep decoded frames in memory (small datasets, with --workers 0); mixed precision is the "
                   "recipe's `precision` (--recipe-set precision=bf16)")
    p.add_argument("--channels-last", action="store_true", help="channels_last memory format")
    p.add_argument("--nondeterministic", action="store_true", help="allow non-deterministic kernels (faster on GPU)")
    p.add_argument("--lenient", action="store_true", help="skip unreadable videos (logged and counted)")
    p.add_argument("--lists", default="", help="list folder inside --data ('frames' for extracted frames)")
    p.add_argument("--tensorboard", help="also write TensorBoard scalars to this folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--row", help="experiment row id recorded in the result")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a checkpoint under a named protocol (1clip, 10clip, 10clip_3crop, ...)")
    p.add_argument("checkpoint", help="best.pt or checkpoint.pt of a training run")
    p.add_argument("--data", required=True, help="prepared dataset folder")
    p.add_argument("--protocol", default="1clip", help="1clip | 10clip | 10clip_uniform | 2clip_3crop | 10clip_3crop")
    p.add_argument("--split", default="val")
    p.add_argument("--batch", type=int, default=4, help="videos per batch")
    p.add_argument("--device", default="auto")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--lenient", action="store_true", help="skip unreadable videos (logged and counted)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--row", help="experiment row id recorded in the result")
    p.add_argument("--out", help="result JSON; per-video scores go beside it (.scores.pt) for ensembles")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("ensemble", help="average the saved per-video scores of evaluated models (the paper's 'En')")
    p.add_argument("scores", nargs="+", help=".scores.pt files written by `evaluate --out`")
    p.add_argument("--data", required=True, help="prepared dataset folder (class names)")
    p.add_argument("--softmax", action="store_true", help="average probabilities instead of logits")
    p.add_argument("--row", help="ensemble row id")
    p.add_argument("--out", help="result JSON")
    p.set_defaults(func=cmd_ensemble)

    p = sub.add_parser("gate", help="accuracy regression gate: evaluation results against the committed reference")
    p.add_argument("--results", nargs="+", required=True, help="evaluation result JSONs (results/<profile>/eval/...)")
    p.add_argument("--reference", required=True, help="reference JSON (results/reference/accuracy.json)")
    p.add_argument("--write-reference", action="store_true", help="build the reference from RESULTS (several seeds)")
    p.add_argument("--note", default="", help="with --write-reference: how the reference was made")
    p.add_argument("--update", action="store_true",
                   help="with --write-reference: replace only the entries RESULTS cover, keep the reference's others")
    p.add_argument("--out", help="Markdown verdict table")
    p.set_defaults(func=cmd_gate)

    p = sub.add_parser("reference-run", help="copy the synthetic study's result JSONs into the committed reference run")
    p.add_argument("--study", default="results/study", help="the study's results folder (profile 'study')")
    p.add_argument("--out", default="results/reference/study", help="the committed reference run's folder")
    p.add_argument("--allow-dirty", action="store_true", help="also copy results written from a modified tree")
    p.set_defaults(func=cmd_reference_run)

    p = sub.add_parser("report", help="tables and the audit from result JSONs")
    p.add_argument(
        "what", choices=("cost", "speed", "tables", "figures", "audit", "data", "accuracy", "flow"),
        help="cost tables, Table 2 speed, Tables 1-8 in full, Figs. 1/4/5, audit.md, data.md (data stages), "
        "accuracy.md/.csv (evaluation results), or flow.md + figures/flow_quality (TV-L1 quality and extraction)",
    )
    p.add_argument("--quality", help="flow: the JSON of `python -m msnet flow quality`")
    p.add_argument("--results", nargs="*", default=[], help="result JSON files (cost, runtime, evaluation)")
    p.add_argument("--data", nargs="*", default=[], help="data-stage files (prepare summary.json, decode_check.json)")
    p.add_argument("--accuracy", nargs="*", default=[], help="evaluation result JSONs (audit: the accuracy section; tables: accuracy cells)")
    p.add_argument("--reference-accuracy", nargs="*", default=[],
                   help="evaluation result JSONs of the committed reference run (results/reference/study): shown "
                   "labelled with its commit and date, and the source of the synthetic analogues' verdicts")
    p.add_argument("--motion", nargs="*", default=[], help="`python -m msnet motion` JSONs (audit: motion section)")
    p.add_argument("--reference-motion", nargs="*", default=[], help="the reference run's motion JSONs (audit)")
    p.add_argument("--claims", default=None, help="claims YAML (default: the packaged paper claims)")
    p.add_argument("--ensemble", action="append", default=[], metavar="ROW=A,B", help="ensemble row = sum of member rows")
    p.add_argument("--out", required=True, help="output folder (cost, speed, tables, figures) or file (audit)")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
    try:
        return args.func(args)
    except (UsageError, FileNotFoundError) as err:  # the input or the request is wrong: say so in one line
        log.error("%s", err)
        return 2
    # anything else is a bug: its traceback propagates


if __name__ == "__main__":
    sys.exit(main())
