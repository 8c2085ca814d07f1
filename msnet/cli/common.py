"""What several stages' command lines share: printing a result, the model-argument options, small value types."""

from __future__ import annotations

import argparse
import json
import logging

from msnet.core.errors import BadValue
from msnet.core.jsonio import write_json

log = logging.getLogger("msnet")


def print_result(obj: dict, out: str | None) -> None:
    """Print ``obj`` as JSON and, with ``out``, also write it there atomically."""
    if out:
        write_json(out, obj)
    print(json.dumps(obj, indent=2, sort_keys=False))


def print_shard_result(result: dict, per_video: str, failures: str) -> int:
    """A shard's (or a merge's) summary on stdout, its per-video mapping as a count; ``failures`` logged if any."""
    if per_video in result:
        result = {k: v for k, v in result.items() if k != per_video} | {"videos": len(result[per_video])}
    print(json.dumps(result, indent=2))
    if result.get("errors") or result.get("failed"):
        log.warning(failures)
    return 0


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


def shard_argument(text: str) -> tuple[int, int]:
    shard, sep, shards = text.partition("/")
    if not sep or not shard.isdigit() or not shards.isdigit() or not 0 <= int(shard) < int(shards):
        raise argparse.ArgumentTypeError(f"shard must look like I/N with 0 <= I < N, e.g. 0/4, got {text!r}")
    return int(shard), int(shards)
