"""Tables, figures and the audit from result files; the accuracy gate; the reference run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from msnet.cli.common import log, print_result
from msnet.core.errors import BadValue


def _measured(args: argparse.Namespace):
    from msnet.report.measured import Measured

    measured = Measured.from_files(args.results)
    ensembles = {}
    for item in getattr(args, "ensemble", []):
        row, sep, members = item.partition("=")
        if not sep or not members:
            raise BadValue(f"--ensemble {item!r} must look like ROW=MEMBER,MEMBER or ROW=[\"MEMBER\",...]")
        ensembles[row] = json.loads(members) if members.startswith("[") else members.split(",")  # a spec's list
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
                                       args.reference_motion, args.reference_from_scratch))
        written = [path]
    for path in written:
        print(path)
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    from msnet.report.accuracy_gate import build_reference, check, gate_markdown, passed, update_reference

    if args.write_reference:
        reference = build_reference(args.results, note=args.note)
        if args.update:
            reference = update_reference(json.loads(Path(args.reference).read_text()), reference)
        print_result(reference, args.reference)
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


def cmd_reference_run(args: argparse.Namespace) -> int:
    from msnet.report.reference_run import collect

    print(json.dumps(collect(args.study, args.out, args.allow_dirty), indent=2))
    return 0


def register(sub, model_args: argparse.ArgumentParser) -> None:
    """Add this module's subcommands to ``sub``."""
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
    p.add_argument("--reference-from-scratch", nargs="*", default=[],
                   help="audit: evaluation result JSONs of the committed from-scratch runs "
                   "(results/reference/from_scratch): a second column of synthetic analogue verdicts")
    p.add_argument("--motion", nargs="*", default=[], help="`python -m msnet motion` JSONs (audit: motion section)")
    p.add_argument("--reference-motion", nargs="*", default=[], help="the reference run's motion JSONs (audit)")
    p.add_argument("--claims", default=None, help="claims YAML (default: the packaged paper claims)")
    p.add_argument("--ensemble", action="append", default=[], metavar="ROW=A,B", help="ensemble row = sum of member rows")
    p.add_argument("--out", required=True, help="output folder (cost, speed, tables, figures) or file (audit)")
    p.set_defaults(func=cmd_report)

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
