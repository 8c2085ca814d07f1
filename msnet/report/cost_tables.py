"""Cost columns of the paper's tables (1-8) and figures (4, 5), with the paper's numbers beside ours.

Every cell of ours says what it is: a measured value and how it compares with the printed
one (``=`` when it rounds to the printed number, else the relative difference), or why it
is missing. FLOPs are compared in the authors' convention; fvcore (MACs) is shown beside.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from msnet.models.facts import models_have
from msnet.report.claims import COST_COLUMNS, cost_sections
from msnet.report.measured import Measured

NOT_BUILT = "not run: no model for this row yet"
OTHER = "paper only (another paper's method)"


def decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text else 0


def compare(ours: float | None, paper: float | None) -> str:
    """``"14.883 (=)"``: ours, and ``=`` if it rounds to the printed value, else the % difference."""
    if ours is None or pd.isna(ours):
        return ""
    if paper is None or pd.isna(paper):
        return f"{ours:.3f}"
    if round(ours, decimals(paper)) == paper:
        return f"{ours:.3f} (=)"
    return f"{ours:.3f} ({(ours - paper) / paper:+.1%})"


def _label(entry: dict) -> str:
    if "label" in entry:
        return entry["label"]
    if "patch_size" in entry:
        return f"P = {entry['patch_size']}"
    return entry["id"]


def _status(entry: dict, measured: Measured) -> str:
    if entry.get("method") == "other":
        return OTHER
    return "measured" if measured.get(entry["id"]) else NOT_BUILT


def cost_frame(entries: list[dict], measured: Measured) -> pd.DataFrame:
    """One row per table entry: paper value, ours in both specs and conventions, status."""
    rows = []
    for entry in entries:
        values = entry.get("values", {})
        official, paper_spec = measured.get(entry["id"], "official"), measured.get(entry["id"], "paper")
        row = {"row": entry["id"], "label": _label(entry)}
        for metric, field in (("gflops", "gflops_thop"), ("mparams", "mparams")):
            row[f"paper_{metric}"] = values.get(metric)
            row[f"ours_{metric}"] = official[field] if official else None
            row[f"ours_{metric}_paper_spec"] = paper_spec[field] if paper_spec else None
        row["ours_gflops_fvcore"] = official["gflops"] if official else None
        row["ours_gflops_fvcore_paper_spec"] = paper_spec["gflops"] if paper_spec else None
        for metric in COST_COLUMNS:
            paper = row[f"paper_{metric}"]
            for suffix in ("", "_paper_spec"):
                ours = row[f"ours_{metric}{suffix}"]
                both = paper is not None and ours is not None
                row[f"rel_diff_{metric}{suffix}"] = (ours - paper) / paper if both else None
                row[f"matches_printed_{metric}{suffix}"] = round(ours, decimals(paper)) == paper if both else None
        row["has_ms"] = bool(official and models_have(official["model"], "ms"))
        row["status"] = _status(entry, measured)
        rows.append(row)
    return pd.DataFrame(rows)


def cost_markdown(frame: pd.DataFrame, title: str, caption: str) -> str:
    shown = pd.DataFrame(
        {
            "row": frame["row"],
            "model": frame["label"],
            "paper GFLOPs": frame["paper_gflops"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "ours GFLOPs, official spec": [compare(o, p) for o, p in zip(frame["ours_gflops"], frame["paper_gflops"])],
            "ours GFLOPs, paper spec": [
                compare(o, p) if ms else "" for o, p, ms in zip(frame["ours_gflops_paper_spec"], frame["paper_gflops"], frame["has_ms"])
            ],
            "fvcore GFLOPs (official / paper spec)": [
                "" if pd.isna(o) else (f"{o:.3f} / {p:.3f}" if ms else f"{o:.3f}")
                for o, p, ms in zip(frame["ours_gflops_fvcore"], frame["ours_gflops_fvcore_paper_spec"], frame["has_ms"])
            ],
            "paper Mparams": frame["paper_mparams"].map(lambda v: "" if pd.isna(v) else f"{v:g}"),
            "ours Mparams (official / paper spec)": [
                "" if pd.isna(o) else (f"{compare(o, p)} / {compare(q, p)}" if ms else compare(o, p))
                for o, q, p, ms in zip(frame["ours_mparams"], frame["ours_mparams_paper_spec"], frame["paper_mparams"], frame["has_ms"])
            ],
            "status": frame["status"],
        }
    )
    legend = (
        "GFLOPs per clip of 224x224 frames. 'ours' FLOPs use the authors' convention (THOP as vendored in the official "
        "repository: conv multiply-adds, BN 4/element, correlation (2C-1)/output); fvcore (1 multiply-add = 1 FLOP, "
        "element-wise ops excluded) beside it. '(=)' means ours rounds to the printed number; otherwise the relative "
        "difference is shown. Parameters with a 174-class classifier (Something-Something). 'paper spec' rows build "
        "the MS module as the paper's text describes (C/2 reduction, raw dot product), 'official' as the released code."
    )
    return f"# {title}\n\n{caption}\n\n{legend}\n\n{shown.to_markdown(index=False)}\n"


def write_cost_report(measured: Measured, claims: dict, out_dir: str | Path) -> list[Path]:
    """Write ``cost/<table>.md|csv`` for every table/figure with a cost column."""
    out = Path(out_dir)
    (out / "cost").mkdir(parents=True, exist_ok=True)
    written = []
    sections = {name: claims["tables"].get(name) or claims["figures"][name] for name in cost_sections(claims)}
    for name, section in sections.items():
        frame = cost_frame(section["rows"], measured)
        title = f"{section.get('source', name)}: cost columns"
        for suffix, text in ((".csv", frame.to_csv(index=False)), (".md", cost_markdown(frame, title, section["caption"]))):
            path = out / "cost" / f"{name}{suffix}"
            path.write_text(text)
            written.append(path)
    return written
