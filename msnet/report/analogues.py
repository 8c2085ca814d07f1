"""Synthetic analogues of the paper's accuracy claims: each claim's question asked of the synthetic study's rows.

``analogues.yaml`` says, per accuracy claim, which rows stand in for the paper's and which test applies (or why none
does). A verdict comes from paired per-seed differences and their 95 % t intervals (:mod:`msnet.report.statistics`):
*holds on synthetic*, *contradicted on synthetic* or *inconclusive*. It is never merged with the real-data verdict.
A comparison in which no row learned (every interval overlaps chance) is inconclusive whatever its sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from msnet.core.errors import BadValue
from msnet.report.accuracy_table import unpaired_seeds
from msnet.report.statistics import Interval, direction_verdict, interval, learned, paired_difference

ANALOGUES = Path(__file__).with_name("analogues.yaml")
DEFAULT_TESTS = ("difference", "argmax", "saturation")


@dataclass
class Analogue:
    claim: str
    verdict: str  # one of statistics.VERDICTS, "not run" or "no analogue"
    detail: str
    experiment: str | None = None


def load_analogues(path: str | Path = ANALOGUES) -> dict:
    return yaml.safe_load(Path(path).read_text())


def analogue_test(claim: dict, analogues: dict) -> dict | None:
    """The test of ``claim``: its entry in analogues.yaml, else its own difference/argmax/saturation test; None
    (with a reason in ``none``) when there is no analogue."""
    entry = analogues.get(claim["id"])
    if entry is not None:
        return entry
    test = claim["test"]
    if test["type"] in DEFAULT_TESTS:
        return {k: v for k, v in test.items() if k in ("type", "a", "b", "metric")} | (
            {"sign": 1 if (test.get("paper_value") or 0) >= 0 else -1})
    return {"none": f"no synthetic test is defined for a '{test['type']}' claim"}


def _rows(test: dict) -> list[str]:
    rows = list(test.get("rows", []))
    for key in ("a", "b"):
        value = test.get(key)
        rows += value if isinstance(value, list) else [value] if value else []
    return list(dict.fromkeys(rows))


def _values(frame: pd.DataFrame, rows: list[str], metric: str) -> tuple[str | None, dict[str, dict[int, float]]]:
    """Per-seed values of ``rows`` from the experiment that trained all of them with the most seeds."""
    best, most = None, 0
    for experiment, part in frame.groupby("experiment", sort=False):
        present = part[part["row"].isin(rows)]
        if set(present["row"]) != set(rows):
            continue
        seeds = min(present.groupby("row")["seed"].nunique())
        if seeds > most:
            best, most = experiment, seeds
    if best is None:
        return None, {}
    part = frame[(frame["experiment"] == best) & frame["row"].isin(rows)]
    return best, {row: dict(zip(group["seed"], group[metric])) for row, group in part.groupby("row")}


def _slope(values: dict[str, dict[int, float]], rows: list[str]) -> Interval:
    """Per seed, the least-squares slope of accuracy against the rows' order (points per step); then its interval."""
    seeds = sorted(set.intersection(*(set(values[r]) for r in rows)))
    x = np.arange(len(rows), dtype=float)
    x -= x.mean()
    slopes = [float(np.dot(x, [values[r][s] for r in rows]) / np.dot(x, x)) for s in seeds]
    return interval(slopes)


def _every_one(verdicts: list[str]) -> str:
    """A claim made of several comparisons: it holds when every one holds, and one contradicted contradicts it."""
    return ("contradicted on synthetic" if "contradicted on synthetic" in verdicts else
            "holds on synthetic" if set(verdicts) == {"holds on synthetic"} else "inconclusive")


def _difference_text(a: str, b: str, d: Interval) -> str:
    return f"{a} - {b} = {d.text()}".replace(f"{d.mean:.1f}", f"{d.mean:+.1f}", 1)


def judge_analogue(claim: dict, test: dict, frame: pd.DataFrame, chance: float) -> Analogue:
    """The verdict of one analogue on ``frame`` (load_accuracy rows: experiment, row, seed, top1, top5)."""
    cid = claim["id"]
    if "none" in test:
        return Analogue(cid, "no analogue", test["none"])
    rows, metric = _rows(test), test.get("metric", "top1").rsplit("_", 1)[-1]
    experiment, values = _values(frame, rows, metric)
    if experiment is None:
        missing = [r for r in rows if r not in set(frame["row"])]
        return Analogue(cid, "not run", f"needs rows trained together: {', '.join(missing or rows)}")
    stand_in = f" ({test['stand_in']})" if test.get("stand_in") else ""
    unpaired = unpaired_seeds(frame[frame["experiment"] == experiment], rows) if "pretrained_seed" in frame else []
    if unpaired:
        return Analogue(cid, "inconclusive", f"{', '.join(rows)} started from different pretrained weights at seed(s) "
                        f"{unpaired} (another draw, or the same spec pretrained again elsewhere): not paired",
                        experiment)
    common = set.intersection(*(set(v) for v in values.values()))
    if len(common) < 2:
        return Analogue(cid, "inconclusive", f"{len(common)} seed(s) common to {', '.join(rows)}: an interval needs "
                        "two or more", experiment)
    if not any(learned(interval(list(values[r].values())), chance) for r in rows):
        return Analogue(cid, "inconclusive", f"no row learned (every interval overlaps chance, {chance:.2f} %)",
                        experiment)
    kind = test["type"]
    if kind == "difference":
        d = paired_difference(values[test["a"]], values[test["b"]])
        verdict = direction_verdict(d, test.get("sign", 1))
        detail = _difference_text(test["a"], test["b"], d)
    elif kind in ("argmax", "majority_better"):
        best, others = (test["a"], test["b"]) if kind == "argmax" else (test["b"], test["rows"])
        sign = 1 if kind == "argmax" else -1  # majority_better: each row should beat the baseline b
        parts = {o: paired_difference(values[best], values[o]) for o in others}
        verdicts = [direction_verdict(d, sign) for d in parts.values()]
        detail = "; ".join(_difference_text(best, o, d) for o, d in parts.items())
        if kind == "argmax":
            verdict = _every_one(verdicts)
        else:
            holds, against = verdicts.count("holds on synthetic"), verdicts.count("contradicted on synthetic")
            verdict = ("holds on synthetic" if holds > len(verdicts) / 2 else
                       "contradicted on synthetic" if against >= len(verdicts) / 2 else "inconclusive")
            detail = f"{holds} of {len(verdicts)} positions beat {best}: {detail}"
    elif kind == "saturation":
        margin = test.get("margin", 1.0)
        parts = {o: paired_difference(values[o], values[test["a"]]) for o in test["b"]}
        detail = "; ".join(_difference_text(o, test["a"], d) for o, d in parts.items())
        if any(direction_verdict(d, 1) == "holds on synthetic" for d in parts.values()):
            verdict = "contradicted on synthetic"
        elif all(d.high is not None and d.high < margin for d in parts.values()):
            verdict = "holds on synthetic"
        else:
            verdict = "inconclusive"
        detail += f" (saturated: every interval below +{margin:g})"
    elif kind == "ordering":
        steps = {(low, high): paired_difference(values[high], values[low])
                 for low, high in zip(test["rows"], test["rows"][1:])}
        verdict = _every_one([direction_verdict(d) for d in steps.values()])
        detail = "every step of " + " < ".join(test["rows"]) + ": " + "; ".join(
            _difference_text(high, low, d) for (low, high), d in steps.items())
    elif kind == "increasing":
        slope = _slope(values, test["rows"])
        verdict = direction_verdict(slope)
        detail = f"slope along {' < '.join(test['rows'])}: {slope.text(2)} points per step"
    elif kind == "difference_of_differences":
        (a1, a2), (b1, b2) = test["a"], test["b"]
        gain_a = {s: values[a1][s] - values[a2][s] for s in values[a1] if s in values[a2]}
        gain_b = {s: values[b1][s] - values[b2][s] for s in values[b1] if s in values[b2]}
        d = paired_difference(gain_a, gain_b)
        verdict = direction_verdict(d)
        detail = f"({a1} - {a2}) - ({b1} - {b2}) = {d.text()}"
    else:
        raise BadValue(f"{cid}: unknown analogue test {kind!r}")
    return Analogue(cid, verdict, detail + stand_in, experiment)


def judge_analogues(claims: dict, frame: pd.DataFrame | None, chance: float,
                    analogues: dict | None = None) -> list[tuple[dict, Analogue]]:
    """(claim, analogue verdict) for every accuracy claim and every harness-only check of analogues.yaml."""
    analogues = load_analogues() if analogues is None else analogues
    ids = {c["id"] for c in claims["claims"]}
    extra = [{"id": key, "text": entry["text"], "source": entry.get("source", ""), "kind": "accuracy",
              "test": {"type": entry["type"]}} for key, entry in analogues.items() if key not in ids]
    out = []
    for claim in extra + [c for c in claims["claims"] if c["kind"] == "accuracy"]:
        test = analogue_test(claim, analogues)
        if frame is None or frame.empty:
            out.append((claim, Analogue(claim["id"], "not run", "no synthetic training results")))
        else:
            out.append((claim, judge_analogue(claim, test, frame, chance)))
    return out
