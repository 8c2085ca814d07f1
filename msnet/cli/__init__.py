"""``python -m msnet <stage> ...``: the one entry point every workflow rule calls."""

from __future__ import annotations

import argparse
import logging
import sys

from msnet.cli import cost, data, flow, motion, report, runtime, train
from msnet.cli.common import log, model_arguments_parser
from msnet.cli.spec_options import add_spec_option, expand_spec
from msnet.core.errors import UsageError

STAGES = (cost, runtime, data, flow, train, motion, report)  # one module per stage family, in help order


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m msnet", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    model_args = model_arguments_parser()
    for stage in STAGES:
        stage.register(sub, model_args)
    add_spec_option(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(expand_spec(parser, list(sys.argv[1:] if argv is None else argv)))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s", force=True)
    try:
        return args.func(args)
    except (UsageError, FileNotFoundError) as err:  # the input or the request is wrong: say so in one line
        log.error("%s", err)
        return 2
