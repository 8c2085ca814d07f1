"""Verdicts on the paper's claims from measured values (``claims.yaml`` ``test`` entries).

FLOPs claims are judged in the authors' convention (``gflops_thop``), the one the paper's
numbers were produced in; the fvcore figure is shown beside it. A claim about a row that
was not measured is "not testable yet" with the reason; a row of another paper's method
takes the paper's printed value (said so in the verdict).
"""

from __future__ import annotations

from dataclasses import dataclass

from msnet.report.measured import Measured

METRIC_FIELD = {"gflops": "gflops_thop", "mparams": "mparams"}
ARITHMETIC = {
    "value": lambda a, b: a,
    "difference": lambda a, b: a - b,
    "ratio": lambda a, b: a / b,
    "relative_increase": lambda a, b: a / b - 1,
}
RELATIVE_TOLERANCE = {"ratio", "relative_increase"}


@dataclass
class Verdict:
    claim: str
    verdict: str  # reproduced | not reproduced | not testable yet | stated (context only)
    measured: float | None
    detail: str


def paper_value_of(claims: dict, row: str, metric: str) -> float | None:
    for table in claims["tables"].values():
        for entry in table["rows"]:
            if entry["id"] == row and entry["values"].get(metric) is not None:
                return entry["values"][metric]
    return None


def _operand(measured: Measured, claims: dict, row: str, metric: str, spec: str) -> tuple[float | None, str]:
    record = measured.get(row, spec)
    if record is not None:
        return record[METRIC_FIELD[metric]], ""
    if row.startswith("other-"):
        value = paper_value_of(claims, row, metric)
        return value, f"{row} is another paper's method: its printed {metric} {value} is used"
    return None, f"{row} not measured (no model or no result for it yet)"


def judge(claim: dict, claims: dict, measured: Measured, spec: str = "official") -> Verdict:
    """Evaluate one claim's ``test`` against measured values."""
    test = claim["test"]
    kind, metric = test["type"], test.get("metric")
    if metric not in METRIC_FIELD:
        return Verdict(claim["id"], "not testable yet", None, f"needs {', '.join(claim.get('needs', []))}")
    a, note_a = _operand(measured, claims, test["a"], metric, spec) if test.get("a") else (None, "")
    b, note_b = _operand(measured, claims, test["b"], metric, spec) if isinstance(test.get("b"), str) else (None, "")
    notes = "; ".join(n for n in (note_a, note_b) if n)
    if kind not in ARITHMETIC or test.get("paper_value") is None:
        context = f"{test['a']} = {a:.4g}" if a is not None else ""
        if a is not None and b is not None:
            context += f", {test['b']} = {b:.4g}, increase {a / b - 1:+.2%}"
        return Verdict(claim["id"], "stated (context only)", None, "; ".join(x for x in (context, notes) if x))
    if a is None or (kind != "value" and b is None):
        return Verdict(claim["id"], "not testable yet", None, notes)
    value = ARITHMETIC[kind](a, b)
    paper, tolerance = test["paper_value"], test.get("tolerance", 0)
    allowed = tolerance * abs(paper) if kind in RELATIVE_TOLERANCE else tolerance
    ok = abs(value - paper) <= allowed + 1e-12
    detail = f"measured {value:.4g} vs paper {paper} (allowed +-{allowed:.3g})"
    return Verdict(claim["id"], "reproduced" if ok else "not reproduced", value, "; ".join(x for x in (detail, notes) if x))
