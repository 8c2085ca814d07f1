"""The paper's Tables 1-8 in full, every cell beside ours or saying why ours is missing.

Per table of ``claims.yaml``: descriptive columns (frames, clips, flow, FT layers) are the
paper's; every measurable column gets a ``paper`` and an ``ours`` cell. Ours come from
the cost results (GFLOPs in the authors' convention, parameters; official MS spec) and
the run-time results (videos/s, with the device). Accuracy cells come from the evaluation
results of this configuration: a row trained on the real dataset is ``measured``; a row
trained on the synthetic benchmark written in that dataset's format shows its top-1 marked
``measured on synthetic`` (other videos, other classes, random initialisation: not
comparable with the paper's number beside it); an untrained row says what it needs. Within
one table every row's accuracy comes from the experiment that trains most of the table's
rows, so a table never mixes training setups where one setup covers it. Written as
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


def _accuracy_sources(table: dict, accuracy: pd.DataFrame | None) -> dict[tuple[str, str], dict]:
    """(row, metric prefix) -> {"shown": the summary line its cell shows, "this_run": this run's line when the shown
    one is the reference's}. Within a table, the experiment covering most of its rows first; then the line with most
    seeds (the reference run's, on the synthetic benchmark); the 1-clip protocol first."""
    if accuracy is None or accuracy.empty:
        return {}
    ids = {entry["id"] for entry in table["rows"]}
    mine = accuracy[accuracy["row"].isin(ids)]
    coverage = mine.groupby("experiment", sort=False)["row"].nunique()
    order = {e: -n for e, n in coverage.items()}
    ranked = mine.assign(_rank=mine["experiment"].map(order), _clip=mine["protocol"].ne("1clip"),
                         _seeds=-mine["seeds"].astype(int))
    sources: dict[tuple[str, str], dict] = {}
    for _, line in ranked.sort_values(["_rank", "_clip", "_seeds"], kind="stable").iterrows():
        key = (line["row"], line["metric_prefix"])
        if key not in sources:
            sources[key] = {"shown": line, "this_run": None}
        elif (not line["is_reference"] and sources[key]["shown"]["is_reference"] and sources[key]["this_run"] is None
              and line["experiment"] == sources[key]["shown"]["experiment"] and line["protocol"] == sources[key]["shown"]["protocol"]):
            sources[key]["this_run"] = line
    return sources


def _accuracy_cell(column: str, source: dict | None) -> tuple[str, str]:
    """(ours, status) of one accuracy cell."""
    if source is None:
        return "not run", _accuracy_need(column)
    line = source["shown"]
    value = line["top1"] if column.endswith("top1") else line["top5"] if column.endswith("top5") else None
    if value is None:
        return "not run", f"{column}: not measured by the evaluation ({line['experiment']})"
    videos = f", {int(line['train_videos'])} training videos" if str(line.get("train_videos", "")) not in ("", "None", "nan") else ""
    made = f", {line['made_by']}" if line.get("made_by") else ""
    where = f"{line['source']}, experiment {line['experiment']}, {line['protocol']}, {line['seeds']} seed(s){videos}{made}"
    notes = [f"{column} {line['status']} ({where})"]
    if column.endswith("top1") and str(line["learned"]).startswith("no"):
        notes.append(f"did not learn: {line['learned'].removeprefix('no: ')}")
        value = f"{value} (did not learn)"
    if source["this_run"] is not None:
        again = source["this_run"]
        notes.append(f"this run: {again['top1']}, {again['vs_reference']}")
    return value, "; ".join(notes)


def _header(column: str, sources: dict, entries: list[dict]) -> str:
    """``<column> ours``, saying in the header itself when its cells come from the synthetic benchmark."""
    prefix = column.rsplit("_", 1)[0]
    synthetic = any(src["shown"]["status"] == "measured on synthetic"
                    for (row, p), src in sources.items() if p == prefix and any(e["id"] == row for e in entries))
    return f"{column} ours (synthetic benchmark, not comparable)" if synthetic else f"{column} ours"


def table_frame(table: dict, measured: Measured, accuracy: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per table entry; ``<column> paper`` / ``<column> ours`` pairs and a status."""
    sources = _accuracy_sources(table, accuracy)
    headers = {c: _header(c, sources, table["rows"]) if c not in MEASURED and c not in DESCRIPTIVE else f"{c} ours"
               for c in table["columns"]}
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
                row[headers[column]] = ""
            elif column in MEASURED:
                kind, field, pattern = MEASURED[column]
                record = measured.get(entry["id"], "official", kind)
                row[f"{column} ours"] = pattern.format(record[field]) if record else "not run"
                if record and kind == "runtime":
                    statuses.append(f"speed on {record['device']}")
                elif record is None:
                    statuses.append(f"{kind} not run: not in this configuration")
            else:
                source = sources.get((entry["id"], column.rsplit("_", 1)[0]))
                row[headers[column]], status = _accuracy_cell(column, source)
                statuses.append(status)
        if other:
            row["status"] = "paper only (another paper's method)"
        else:
            measured_cols = [c for c in table["columns"] if c in MEASURED]
            done = [c for c in measured_cols if row[f"{c} ours"] not in ("", "not run")]
            statuses = sorted(statuses, key=lambda x: "not run" in x)  # what was measured first
            head = f"measured: {', '.join(done)}" if done else ""
            row["status"] = "; ".join(dict.fromkeys([s for s in [head, *statuses] if s]))
        rows.append(row)
    return pd.DataFrame(rows)


def write_paper_tables(measured: Measured, claims: dict, out_dir: str | Path,
                       accuracy: pd.DataFrame | None = None) -> list[Path]:
    """``tables/table<N>.{md,csv,tex}`` for Tables 1-8; ``accuracy``: the seed-aggregated evaluation summary."""
    out = Path(out_dir) / "tables"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in claims["tables"].items():
        frame = table_frame(table, measured, accuracy)
        legend = (
            "Paper values from claims.yaml; ours from this configuration's results (GFLOPs in the authors' convention "
            "and parameters with the official MS spec; both specs and fvcore in cost/). An accuracy column headed "
            "`synthetic benchmark, not comparable` comes from the synthetic motion benchmark in the dataset's format, "
            "fine-tuned from the appearance-pretrained backbone: mean over seeds, 95 % interval, n; the status says "
            "whether it comes from this run or the committed reference run (commit, date), and a row whose interval "
            "overlaps chance says it did not learn. It is not comparable with the paper's real-data number. "
            "Empty cells are empty in the paper."
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
