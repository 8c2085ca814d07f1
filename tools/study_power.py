"""The synthetic study's power calculation: from the reference run's seeds, the seed-to-seed spread of each row, the
spread of paired differences between rows, and how many seeds a paired comparison needs to detect a given difference
(two-sided paired t test at 5 %, 80 % power), plus the gate's detectable drop for k new runs.

    python tools/study_power.py results/reference/study [--pairs msnet-r18_8f:tsm-r18_8f ...]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from msnet.report.accuracy_table import load_accuracy
from msnet.report.statistics import detectable_drop, interval, paired_difference, seeds_for_difference

EFFECTS = (1.0, 2.0, 3.0, 5.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study", help="a results folder laid out as results/<profile>/ (eval/, train/)")
    parser.add_argument("--experiment", default="synthetic")
    parser.add_argument("--pairs", nargs="*", default=["msnet-r18_8f:tsm-r18_8f", "tsm-r18_8f:tsn-r18_8f"])
    args = parser.parse_args()
    paths = sorted(str(p) for p in Path(args.study, "eval", args.experiment).glob("*/seed*/1clip.json"))
    frame = load_accuracy(paths)
    values = {row: dict(zip(g["seed"], g["top1"])) for row, g in frame.groupby("row")}
    print("| row | n | mean | sd | 95 % interval | gate: detectable drop, 1 run / 3 runs |")
    print("|---|---|---|---|---|---|")
    for row, seeds in sorted(values.items()):
        summary = interval(list(seeds.values()))
        if summary.sd is None:
            print(f"| {row} | 1 | {summary.mean:.2f} | | | |")
            continue
        drops = [detectable_drop(summary.sd, summary.n, k) for k in (1, 3)]
        print(f"| {row} | {summary.n} | {summary.mean:.2f} | {summary.sd:.2f} | [{summary.low:.2f}, {summary.high:.2f}] "
              f"| {drops[0]:.2f} / {drops[1]:.2f} |")
    print()
    print("| paired difference | n | mean | sd of differences | seeds for 80 % power at " +
          " / ".join(f"{e:g}" for e in EFFECTS) + " points |")
    print("|---|---|---|---|---|")
    spreads = []
    for pair in args.pairs:
        a, b = pair.split(":")
        if a not in values or b not in values:
            continue
        d = paired_difference(values[a], values[b])
        if d.sd is None:
            continue
        spreads.append(d.sd)
        needed = [seeds_for_difference(e, d.sd) for e in EFFECTS]
        print(f"| {a} - {b} | {d.n} | {d.mean:+.2f} | {d.sd:.2f} | " + " / ".join(str(n) for n in needed) + " |")
    if spreads:
        pooled = statistics.fmean(spreads)
        print(f"\nmean sd of paired differences: {pooled:.2f}; seeds for 80 % power: " +
              ", ".join(f"{e:g} points -> {seeds_for_difference(e, pooled)}" for e in EFFECTS))


if __name__ == "__main__":
    main()
