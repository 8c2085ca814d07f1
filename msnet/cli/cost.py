"""FLOPs and parameters: one model (`cost`), the workflow's rows in one process (`cost-rows`), `models`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from msnet.cli.common import log, model_arguments, print_result
from msnet.core.jsonio import write_json


def cmd_cost(args: argparse.Namespace) -> int:
    from msnet.measure.cost import model_cost
    from msnet.core.provenance import provenance

    overrides = model_arguments(args)
    result = model_cost(args.model, frames=args.frames, size=args.size, classes=args.classes, overrides=overrides)
    if args.row:
        result = {"row": args.row, **result}
    spec = {k: result[k] for k in ("model", "frames", "size", "classes", "overrides")}
    result["provenance"] = provenance(spec)
    print_result(result, args.out)
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


def cmd_models(args: argparse.Namespace) -> int:
    from msnet.models.factory import list_models

    print("\n".join(list_models(args.pattern)))
    return 0


def register(sub, model_args: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to ``sub``."""
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

    p = sub.add_parser("models", help="list registered models")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style filter")
    p.set_defaults(func=cmd_models)
