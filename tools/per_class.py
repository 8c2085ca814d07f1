"""Per-class top-1 of groups of evaluation files, side by side: where a row's spread over seeds sits, and which
classes an injected change moves.

    python tools/per_class.py reference=results/reference/fp32_avx2/eval/synthetic/msnet-r18_8f/seed*/1clip.json \
        unchanged=results/reference/fp32_avx2/gate_sensitivity/unchanged/eval/synthetic/msnet-r18_8f/seed10/1clip.json

Each argument is LABEL=FILE (a shell glob may expand it to several files: the label is repeated for the rest, or
give LABEL=GLOB quoted). A group of one file shows its value; of several, mean, sd and range over its files. The last
line is top-1. Files of different class lists are refused. `--difference A B` adds the paired difference A - B per
class over the seeds both groups have, with its 95 % t interval (`msnet.report.statistics`). `--confusions` adds a
second table: per true class, what each group most often takes it for (% of the class's videos, averaged over the
group's files, from their confusion matrices): where a row's lost videos go.
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from msnet.report.statistics import paired_difference


def groups_from(arguments: list[str]) -> dict[str, list[Path]]:
    """LABEL=FILE or LABEL=GLOB, and bare files after one of them (what the shell left of an unquoted glob)."""
    groups: dict[str, list[Path]] = {}
    label = None
    for argument in arguments:
        if "=" in argument:
            label, pattern = argument.split("=", 1)
            groups.setdefault(label, [])
        elif label is None:
            sys.exit(f"per_class: {argument!r} has no LABEL= before it")
        else:
            pattern = argument
        files = sorted(glob.glob(pattern)) or [pattern]
        for file in files:
            if not Path(file).is_file():
                sys.exit(f"per_class: {file}: no such file (group {label!r})")
            groups[label].append(Path(file))
    return groups


def cell(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} (sd {statistics.stdev(values):.1f}; {min(values):.1f}-{max(values):.1f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="+", help="LABEL=FILE or LABEL=GLOB (1clip.json files)")
    parser.add_argument("--difference", nargs=2, metavar=("A", "B"), help="add A - B per class, paired by seed")
    parser.add_argument("--confusions", action="store_true",
                        help="add each group's commonest confusions per true class (two at most, each >= 2 %%)")
    args = parser.parse_args(argv)
    groups = groups_from(args.groups)
    for label in args.difference or ():
        if label not in groups:
            sys.exit(f"per_class: --difference {label!r} is not a group (groups: {', '.join(groups)})")
    results = {label: [json.loads(path.read_text()) for path in paths] for label, paths in groups.items()}
    classes = None
    for label, runs in results.items():
        for path, run in zip(groups[label], runs):
            for field in ("per_class",) + (("confusion",) if args.confusions else ()):
                if field not in run:
                    sys.exit(f"per_class: {path}: no {field!r} field (not an evaluation file?)")
            if classes is None:
                classes = list(run["per_class"])
            elif list(run["per_class"]) != classes:
                sys.exit(f"per_class: {path}: its classes differ from {groups[next(iter(groups))][0]}'s")
            if args.confusions and np.shape(run["confusion"]) != (len(classes), len(classes)):
                sys.exit(f"per_class: {path}: its confusion matrix is {np.shape(run['confusion'])}, not "
                         f"{len(classes)} x {len(classes)} like its per-class list")
    header = " | ".join(f"{label} (n={len(runs)})" for label, runs in results.items())
    if args.difference:
        header += " | {} - {}, paired by seed".format(*args.difference)
    print(f"| class | {header} |")
    print("|---" * (len(results) + 1 + bool(args.difference)) + "|")

    def line(name: str, value) -> None:
        cells = [cell([value(run) for run in runs]) for runs in results.values()]
        if args.difference:
            a, b = ({run["seed"]: value(run) for run in results[label]} for label in args.difference)
            cells.append(paired_difference(a, b).text())
        print(f"| {name} | {' | '.join(cells)} |")

    for name in classes:
        line(name, lambda run: run["per_class"][name])
    line("**top-1**", lambda run: run["top1"])
    if args.confusions:
        print()
        heads = [f"{label} takes it for (%, mean of n={len(runs)})" for label, runs in results.items()]
        print(f"| true class | {' | '.join(heads)} |")
        print("|---" * (len(results) + 1) + "|")
        rates = {label: mean_confusion(runs) for label, runs in results.items()}
        for i, name in enumerate(classes):
            print(f"| {name} | {' | '.join(commonest(rates[label][i], classes, i) for label in results)} |")


def mean_confusion(runs: list[dict]) -> np.ndarray:
    """The confusion matrices as % of each true class's videos, averaged over ``runs``."""
    counts = [np.asarray(run["confusion"], dtype=float) for run in runs]
    return np.mean([100 * m / np.maximum(m.sum(1, keepdims=True), 1) for m in counts], axis=0)


def commonest(row: list[float], classes: list[str], true: int, top: int = 2, at_least: float = 2.0) -> str:
    """The ``top`` classes other than ``true`` with the largest share of its videos, those >= ``at_least`` %."""
    errors = sorted(((rate, j) for j, rate in enumerate(row) if j != true and rate >= at_least), reverse=True)
    return ", ".join(f"{classes[j]} {rate:.1f}" for rate, j in errors[:top]) or "-"


if __name__ == "__main__":
    main()
