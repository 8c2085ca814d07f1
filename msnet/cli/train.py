"""Training and evaluation: appearance pretraining, a run from its spec, protocols, ensembles."""

from __future__ import annotations

import argparse
from pathlib import Path

from msnet.cli.common import model_arguments, print_result, yaml_overrides
from msnet.core.errors import BadValue


def cmd_pretrain(args: argparse.Namespace) -> int:
    from msnet.core.specs import from_spec, read_spec
    from msnet.train.pretrain import PretrainConfig, pretrain

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    spec = {**(read_spec(args.spec) if args.spec else {}), **yaml_overrides(args.set)}
    cfg = from_spec(PretrainConfig, spec, "pretrain spec")
    result = pretrain(cfg, args.out, progress=not args.no_progress)
    if args.per_seed:  # one draw of a per-seed pretraining: runs from any of its seeds share one configuration
        from msnet.core.provenance import spec_hash

        seedless = {k: v for k, v in cfg.to_dict().items() if k != "seed"}
        result["per_seed_spec_hash"] = spec_hash({**seedless, "per_seed": True})
    print_result(result, str(Path(args.out).with_suffix(".json")))
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
        print_result(result, str(Path(spec["out"]) / "train.json"))
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
    print_result(result, args.out)
    return 0


def cmd_ensemble(args: argparse.Namespace) -> int:
    from msnet.core.provenance import provenance
    from msnet.train.clips import class_names
    from msnet.train.evaluate import ensemble

    result = {"row": args.row, **ensemble(args.scores, class_names(args.data), softmax=args.softmax)}
    result["provenance"] = provenance({"members": result["members"], "softmax": args.softmax})
    print_result(result, args.out)
    return 0


def register(sub, model_args: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to ``sub``."""
    p = sub.add_parser("pretrain", help="appearance pretraining on synthetic stills (the synthetic stand-in for "
                       "ImageNet weights): a torchvision-layout state dict and a JSON result")
    p.add_argument("--out", required=True, help="weights file (.pth); the result JSON is written beside it (.json)")
    p.add_argument("--spec", metavar="JSON", help="PretrainConfig's fields as one JSON object or file (the workflow's)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a field of PretrainConfig, e.g. steps=400 arch=resnet18 size=96 (msnet/train/pretrain.py)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    p.add_argument("--per-seed", action="store_true",
                   help="these weights are one seed's draw of a per-seed pretraining (pretrained: appearance_per_seed)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_pretrain)

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
