"""Two workflow runs, value by value: did a change alter any number the workflow produces?

    python tools/compare_runs.py BEFORE_DIR AFTER_DIR [--profile default]

Each folder is a checkout in which the workflow ran (`git worktree add`, then `PYTHONPATH=<it> snakemake --cores
all` inside it). Every value of every result JSON under results/<profile>/ is compared, except timings, memory,
provenance and paths (they differ from run to run by nature); the report files are compared as text. Used for issue
17's redesign: 73 cost files, 1,022 count fields, identical.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

VOLATILE = re.compile(r"(provenance|created|seconds|git_commit|host|time|_ms$|ms_|median|per_s|p10|p90|memory|mb$|"
                      r"peak|speed|hash|facts|python|versions|threads|device_name|cpu|step_|root$)", re.I)


def flat(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flat(item, f"{prefix}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from flat(item, f"{prefix}[{i}]")
    else:
        yield prefix, value


def json_differences(before: Path, after: Path, profile: str) -> tuple[int, list[str]]:
    files = sorted(p.relative_to(before) for p in (before / "results" / profile).rglob("*.json"))
    differences = []
    for rel in files:
        if not (after / rel).exists():
            differences.append(f"{rel}: missing after")
            continue
        old, new = (dict(flat(json.loads((root / rel).read_text()))) for root in (before, after))
        differences += [f"{rel}{key}: {old[key]!r} -> {new.get(key, 'missing')!r}" for key in old
                        if not VOLATILE.search(key) and old[key] != new.get(key, "missing")]
    return len(files), differences


def report_differences(before: Path, after: Path, profile: str) -> list[str]:
    files = sorted(p.relative_to(before) for p in (before / "reports" / profile).rglob("*")
                   if p.is_file() and p.suffix in {".md", ".csv", ".tex"})
    return [str(rel) for rel in files if not (after / rel).exists() or (before / rel).read_text() != (after / rel).read_text()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--profile", default="default")
    args = parser.parse_args(argv)
    count, differences = json_differences(args.before, args.after, args.profile)
    print(f"{count} result files; {len(differences)} differing values")
    for line in differences:
        print("  ", line)
    reports = report_differences(args.before, args.after, args.profile)
    print(f"{len(reports)} report files differ as text (timings and commits differ by nature): {', '.join(reports)}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
