"""``python -m msnet <stage> ...``: the one entry point every workflow rule calls."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

log = logging.getLogger("msnet")


def _write_json(obj: dict, out: str | None) -> None:
    text = json.dumps(obj, indent=2, sort_keys=False)
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text + "\n")
        tmp.replace(path)  # atomic: an interrupted job never leaves a half-written result
    print(text)


def cmd_cost(args: argparse.Namespace) -> int:
    from msnet.measure.cost import model_cost
    from msnet.models.registry import parse_overrides
    from msnet.provenance import provenance

    overrides = parse_overrides(args.set)
    result = model_cost(args.model, frames=args.frames, size=args.size, classes=args.classes, overrides=overrides)
    if args.row:
        result = {"row": args.row, **result}
    spec = {k: result[k] for k in ("model", "frames", "size", "classes", "overrides")}
    result["provenance"] = provenance(spec)
    _write_json(result, args.out)
    if result["unsupported_ops"]:
        log.warning("fvcore could not count: %s", ", ".join(result["unsupported_ops"]))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from msnet.models.registry import list_models

    print("\n".join(list_models(args.pattern)))
    return 0


def cmd_report_cost(args: argparse.Namespace) -> int:
    from msnet.report.cost_tables import write_cost_report

    ensembles = {}
    for item in args.ensemble:
        row, sep, members = item.partition("=")
        if not sep or not members:
            raise ValueError(f"--ensemble {item!r} must look like ROW=MEMBER,MEMBER")
        ensembles[row] = members.split(",")
    written = write_cost_report(results=args.results, claims_path=args.claims, out_dir=args.out, ensembles=ensembles)
    for path in written:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m msnet", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("cost", help="FLOPs (fvcore and the authors' convention) and parameters of one model, as JSON")
    p.add_argument("model", help="registered model name (python -m msnet models)")
    p.add_argument("--frames", type=int, required=True, help="T, frames per clip")
    p.add_argument("--size", type=int, default=224, help="input height = width (224)")
    p.add_argument("--classes", type=int, default=174, help="classifier width (174, Something-Something)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="model override, e.g. ms.spec=paper")
    p.add_argument("--row", help="experiment row id recorded in the result (workflow use)")
    p.add_argument("--out", help="also write the JSON here (atomically)")
    p.set_defaults(func=cmd_cost)

    p = sub.add_parser("models", help="list registered models")
    p.add_argument("pattern", nargs="?", default="*", help="shell-style filter")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("report-cost", help="cost tables (Tables 1-8, Fig. 4/5) and the cost audit from cost JSONs")
    p.add_argument("--results", nargs="+", required=True, help="cost JSON files")
    p.add_argument("--claims", default=None, help="claims YAML (default: the packaged paper claims)")
    p.add_argument("--ensemble", action="append", default=[], metavar="ROW=A,B", help="ensemble row = sum of member rows")
    p.add_argument("--out", required=True, help="output folder (reports/<profile>)")
    p.set_defaults(func=cmd_report_cost)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
    try:
        return args.func(args)
    except (KeyError, TypeError, ValueError, FileNotFoundError) as err:
        log.error("%s", err.args[0] if isinstance(err, KeyError) and err.args else err)
        return 2


if __name__ == "__main__":
    sys.exit(main())
