"""The paper's Tables 1-8 in full, every cell beside ours or saying why ours is missing.

Per table of ``claims.yaml``: descriptive columns (frames, clips, flow, FT layers) are the
paper's; every measurable column gets a ``paper`` and an ``ours`` cell. Ours come from
the cost results (GFLOPs in the authors' convention, parameters; official MS spec) and
the run-time results (videos/s, with the device). Accuracy columns need the dataset and
training: until a configuration trains a row, its cell says what it needs. Written as
Markdown, CSV and LaTeX.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from msnet.report.measured import Measured

DESCRIPTIVE = ("flow", "frames", "clips", "ft_layers")
MEASURED = {"gflops": ("cost", "gflops_thop", "{:.2f}"), "mparams": ("cost", "mparams", "{:.2f}"),
            "videos_per_s": ("runtime", "videos_per_s", "{:.2f}")}  # fmt: skip
DATASETS = {
    "ssv1": "Something-Something V1",
    "ssv2": "Something-Something V2",
    "k400": "Kinetics-400",
    "hmdb51": "HMDB-51 (fine-tuned from Kinetics)",
}


def _accuracy_need(column: str) -> str:
    return f"not run: needs {DATASETS[column.split('_')[0]]} and training"


def _paper(value) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def table_frame(table: dict, measured: Measured) -> pd.DataFrame:
    """One row per table entry; ``<column> paper`` / ``<column> ours`` pairs and a status."""
    rows = []
    for entry in table["rows"]:
        values = entry.get("values", {})
        row = {"row": entry["id"], "model": entry.get("label", entry["id"])}
        statuses = []
        other = entry.get("method") == "other"
        for column in table["columns"]:
            if column in DESCRIPTIVE:
                row[column] = _paper(values.get(column))
                continue
            row[f"{column} paper"] = _paper(values.get(column))
            if other:
                row[f"{column} ours"] = ""
            elif column in MEASURED:
                kind, field, pattern = MEASURED[column]
                record = measured.get(entry["id"], "official", kind)
                row[f"{column} ours"] = pattern.format(record[field]) if record else "not run"
                if record and kind == "runtime":
                    statuses.append(f"speed on {record['device']}")
                elif record is None:
                    statuses.append(f"{kind} not run: not in this configuration")
            else:
                row[f"{column} ours"] = "not run"
                statuses.append(_accuracy_need(column))
        if other:
            row["status"] = "paper only (another paper's method)"
        else:
            measured_cols = [c for c in table["columns"] if c in MEASURED]
            done = [c for c in measured_cols if row[f"{c} ours"] not in ("", "not run")]
            head = f"measured: {', '.join(done)}" if done else ""
            row["status"] = "; ".join(dict.fromkeys([s for s in [head, *statuses] if s]))
        rows.append(row)
    return pd.DataFrame(rows)


def write_paper_tables(measured: Measured, claims: dict, out_dir: str | Path) -> list[Path]:
    """``tables/table<N>.{md,csv,tex}`` for Tables 1-8."""
    out = Path(out_dir) / "tables"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in claims["tables"].items():
        frame = table_frame(table, measured)
        legend = (
            "Paper values from claims.yaml; ours from this configuration's results (GFLOPs in the authors' convention "
            "and parameters with the official MS spec; both specs and fvcore in cost/). Empty cells are empty in the paper."
        )
        texts = {
            ".md": f"# {table['source']}: {table['caption']}\n\n{legend}\n\n{frame.to_markdown(index=False)}\n",
            ".csv": frame.to_csv(index=False),
            ".tex": frame.to_latex(index=False, escape=True, caption=f"{table['source']}: {table['caption']}", label=f"tab:{name}"),
        }
        for suffix, text in texts.items():
            path = out / f"{name}{suffix}"
            path.write_text(text)
            written.append(path)
    return written
