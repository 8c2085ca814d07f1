"""Table 5's two unexplained FLOPs: readings of "MS only" (printed 14.1 G) and "concat." (15.7 G), each costed from
the counted modules of our rows, and the closest one.

Table 5's baseline, multiply and add rows match our counts to the printed digit in the authors' convention; "MS only"
and "concat." do not. Each reading is a construction the paper's text allows. It is costed by arithmetic on the
per-module counts of the rows we built (THOP convention, official spec, one clip), which is exact because every
counted module costs in proportion to its frames and, for a convolution, to its input channels. So no reading is a
number typed in: change the model and the readings follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from msnet.report.measured import Measured

BASELINE, ADD, MULTIPLY, MS_ONLY, CONCAT = ("tsm-r18_8f", "msnet-r18_8f", "msnet-r18_8f_multiply",
                                            "msnet-r18_8f_ms-only", "msnet-r18_8f_concat")
PRINT_ROUNDING = 0.05  # the paper prints GFLOPs to one decimal
GIGA = 1e9


class Parts:
    """Counted modules of one cost record, summed by name prefix (THOP convention)."""

    def __init__(self, record: dict):
        self.counts = record["thop_by_module"]
        self.frames = record["frames"]
        self.total = sum(self.counts.values())

    def __call__(self, *prefixes: str) -> float:
        return sum(v for k, v in self.counts.items() if any(k == p or k.startswith(p + ".") for p in prefixes))


@dataclass(frozen=True)
class Reading:
    row: str
    text: str
    arithmetic: str
    flops: Callable[[dict[str, Parts]], float]


DOWNSTREAM = ("inserts.res3.transform", "stages.res4", "stages.res5", "pool", "fc")
RES4_INPUT_CONVS = ("stages.res4.0.conv1", "stages.res4.0.downsample.0")  # the convs reading res3's output

READINGS = (
    Reading(MS_ONLY, "as built: M(t) replaces F(t) on all T steps (the last pair's motion copied, as released)",
            "counted total", lambda p: p[MS_ONLY].total),
    Reading(MS_ONLY, "M(t) replaces F(t) on T-1 steps: without the copied last step, the feature transformation and "
                     "everything after it run on T-1 frames",
            "total - (transform + res4 + res5 + pool + fc) / T",
            lambda p: p[MS_ONLY].total - p[MS_ONLY](*DOWNSTREAM) / p[MS_ONLY].frames),
    Reading(CONCAT, "as built: concat(F, M) then a bias-free 1x1 conv 2C -> C", "counted total",
            lambda p: p[CONCAT].total),
    Reading(CONCAT, "concat(F, M) with no reduction: res4's first block reads 2C channels",
            "add total + res4 block 1 (conv1 + downsample conv)",
            lambda p: p[ADD].total + p[ADD](*RES4_INPUT_CONVS)),
    Reading(CONCAT, "concat(F, M) then a 1x1 conv 2C -> 2C; res4's first block reads 2C channels",
            "add total + 2 x (1x1 2C -> C) + res4 block 1 (conv1 + downsample conv)",
            lambda p: p[ADD].total + 2 * p[CONCAT]("inserts.res3.mix") + p[ADD](*RES4_INPUT_CONVS)),
    Reading(CONCAT, "concat(F, M) then a 3x3 conv 2C -> C", "concat total + 8 x (1x1 2C -> C)",
            lambda p: p[CONCAT].total + 8 * p[CONCAT]("inserts.res3.mix")),
)


def table5_lines(measured: Measured, claims: dict) -> list[str]:
    """The audit's section: the rows that match, then every reading of the two that do not, and the closest."""
    paper = {row["id"]: row["values"]["gflops"] for row in claims["tables"]["table5"]["rows"]}
    records = {row: measured.get(row, "official") for row in (BASELINE, ADD, MULTIPLY, MS_ONLY, CONCAT)}
    absent = [row for row, record in records.items() if not record or "thop_by_module" not in record]
    if absent:
        return [f"Not counted in this configuration (cost results of {', '.join(absent)} missing or from an older "
                "harness without per-module counts)."]
    parts = {row: Parts(record) for row, record in records.items()}
    matched = ", ".join(f"{row} {parts[row].total / GIGA:.3f} (paper {paper[row]})" for row in (BASELINE, MULTIPLY, ADD))
    lines = [f"Table 5's other rows match to the printed digit (authors' convention, official spec): {matched}. "
             "'MS only' and 'concat.' do not. Readings tried, each costed from the per-module counts of our rows "
             "(`msnet/report/table5_readings.py`):", "",
             "| row | reading | arithmetic | GFLOPs | paper | difference |", "|---|---|---|---|---|---|"]
    closest: dict[str, tuple[float, Reading, float]] = {}
    for reading in READINGS:
        value = reading.flops(parts) / GIGA
        difference = value - paper[reading.row]
        lines.append(f"| {reading.row} | {reading.text} | {reading.arithmetic} | {value:.3f} | {paper[reading.row]} "
                     f"| {difference:+.3f} |")
        if reading.row not in closest or abs(difference) < abs(closest[reading.row][0]):
            closest[reading.row] = (difference, reading, value)
    lines.append("")
    for row, (difference, reading, value) in closest.items():
        verdict = ("within the print rounding: a candidate explanation" if abs(difference) <= PRINT_ROUNDING
                   else f"outside the print rounding (+-{PRINT_ROUNDING}): unexplained")
        lines.append(f"- **{row}**: closest reading \"{reading.text}\", {value:.3f} G against {paper[row]} G "
                     f"({difference:+.3f}), {verdict}.")
    return lines
