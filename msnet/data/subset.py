"""Class-balanced subsets of prepared lists: the same videos for every row of an experiment that cannot afford the
whole set (the two-stream baseline's TV-L1 flow on a CPU).

Per split, the first ``ceil(count / classes)`` videos of each class in list order, then the first ``count`` of
those in list order: deterministic, balanced, and a prefix of the full list's order within every class.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from msnet.core.errors import BadValue
from msnet.core.jsonio import write_json
from msnet.data.formats import SPLITS, DataError
from msnet.data.formats.common import write_text
from msnet.data.prepare import read_list


def balanced_subset(items: list[tuple[str, int, int]], count: int) -> list[tuple[str, int, int]]:
    """``count`` items, spread evenly over the labels present (all items when ``count`` >= their number)."""
    if count <= 0:
        raise BadValue(f"a subset needs a positive count, got {count}")
    per_class = math.ceil(count / len({label for _, _, label in items}))
    taken, kept = Counter(), []
    for item in items:
        if taken[item[2]] < per_class:
            taken[item[2]] += 1
            kept.append(item)
    return kept[:count]


def write_subset_lists(prepared: str | Path, counts: dict[str, int], out: str = "subset", lists: str = "") -> dict:
    """``<prepared>/<out>/<split>.txt`` from ``<prepared>/<lists>/<split>.txt``; returns the summary it writes."""
    prepared = Path(prepared)
    unknown = set(counts) - set(SPLITS)
    if unknown:
        raise BadValue(f"subset counts for unknown splits {sorted(unknown)}; splits are {SPLITS}")
    summary = {"source": lists or "decode-checked lists", "splits": {}}
    for split in SPLITS:
        source = prepared / lists / f"{split}.txt"
        if not source.exists():
            raise DataError(f"{source}: not found; run `python -m msnet prepare` and `check-decoding` first")
        items = read_list(source)
        kept = balanced_subset(items, counts[split]) if split in counts else items
        write_text(prepared / out / f"{split}.txt", [f"{m} {n} {label}" for m, n, label in kept])
        summary["splits"][split] = {"listed": len(items), "kept": len(kept),
                                    "classes": len({label for _, _, label in kept})}
    write_json(prepared / out / "summary.json", summary, indent=1)
    return summary
