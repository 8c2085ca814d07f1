"""Accuracy of every trained row, per experiment and protocol: the mean over seeds with each seed shown, the time per
model, and the paper's number for the row where there is one (labelled not comparable on synthetic data)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pandas as pd

from msnet.report.audit import paper_value_of

CLAIM_PREFIX = {"kinetics": "k400"}  # dataset name -> the metric prefix of msnet/report/claims.yaml


def train_record_for(eval_path: str | Path, result: dict) -> dict:
    """The training result behind ``results/<profile>/eval/<experiment>/<row>/seed<s>/<protocol>.json`` (found by
    layout, so results can be moved); an ensemble's first member's (for the data source); {} if absent."""
    eval_path = Path(eval_path)
    row = Path(result["members"][0]).parent.parent.name if result.get("members") else eval_path.parents[1].name
    path = eval_path.parents[4] / "train" / eval_path.parents[2].name / row / eval_path.parents[0].name / "train.json"
    return json.loads(path.read_text()) if path.exists() else {}


def eval_key(path: str | Path) -> tuple[str, str, str, int]:
    """(experiment, row, protocol, seed) from results/<profile>/eval/<experiment>/<row>/seed<s>/<protocol>.json."""
    path = Path(path)
    return path.parents[2].name, path.parents[1].name, path.stem, int(path.parent.name.removeprefix("seed"))


def load_accuracy(paths: list[str]) -> pd.DataFrame:
    """One row per evaluation result file (results/<profile>/eval/<experiment>/<row>/seed<s>/<protocol>.json)."""
    records = []
    for path in map(Path, paths):
        result = json.loads(path.read_text())
        experiment, row, protocol, seed = eval_key(path)
        members = result.get("members")
        run = train_record_for(path, result)
        records.append({
            "experiment": experiment, "row": row, "seed": seed, "protocol": protocol, "top1": result["top1"], "top5": result["top5"],
            "mean_class_accuracy": result["mean_class_accuracy"], "videos": result["videos"],
            "skipped": result.get("skipped", 0), "ensemble": bool(members),
            "best_epoch": result.get("epoch"), "last_top1": None if members else run.get("last", {}).get("top1"),
            "epochs": run.get("recipe", {}).get("epochs"),
            "train_minutes": round(run["seconds"] / 60, 2) if run and not members else None,
            "clips_per_s": None if members else run.get("clips_per_s"),
            "initialisation": "ensemble of " + ", ".join(Path(m).parent.parent.name for m in members) if members
            else run.get("initialisation"),
            "data": run.get("data", {}).get("source"), "dataset": Path(run.get("dataset", "")).name,
            "device": run.get("device"), "train_videos": run.get("train_videos"),
            "ms_spec": ((run.get("overrides") or {}).get("ms") or {}).get("spec", "official")
            if str(run.get("model", "")).startswith("msnet") else None,
        })
    return pd.DataFrame.from_records(records)


def _spread(values: list[float]) -> str:
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.1f}"
    return f"{mean:.1f} ± {statistics.stdev(values):.1f}"


def accuracy_summary(frame: pd.DataFrame, claims: dict | None = None) -> pd.DataFrame:
    """Seeds aggregated per (experiment, row, protocol)."""
    rows = []
    for (experiment, row, protocol), group in frame.groupby(["experiment", "row", "protocol"], sort=False):
        group = group.sort_values("seed")
        first = group.iloc[0]
        dataset = first["dataset"] or ""
        paper = paper_value_of(claims, row, f"{CLAIM_PREFIX.get(dataset, dataset)}_top1") if claims and dataset else None
        synthetic = first["data"] == "synthetic"
        rows.append({
            "experiment": experiment, "row": row, "protocol": protocol, "seeds": len(group),
            "top1": _spread(group["top1"].tolist()),
            "top1_per_seed": " / ".join(f"{v:.1f}" for v in group["top1"]),
            "top5": _spread(group["top5"].tolist()),
            "last_epoch_top1": _spread(group["last_top1"].dropna().tolist()) if group["last_top1"].notna().any() else "",
            "epochs": first["epochs"], "train_minutes": first["train_minutes"], "clips_per_s": first["clips_per_s"],
            "initialisation": first["initialisation"] or "", "videos": int(first["videos"]),
            "status": "measured on synthetic" if synthetic else "measured",
            "train_videos": first["train_videos"],
            "metric_prefix": CLAIM_PREFIX.get(dataset, dataset),
            "paper": "" if paper is None else (f"{paper} (real {dataset}; not comparable)" if synthetic else paper),
        })
    return pd.DataFrame.from_records(rows).astype(object).fillna("")


def accuracy_markdown(frame: pd.DataFrame, claims: dict | None = None) -> str:
    summary = accuracy_summary(frame, claims)
    lines = ["# Accuracy of the trained rows", "",
             "Top-1 / top-5 in % on the validation split, best epoch (as the paper reports); mean ± sample standard "
             "deviation over seeds, each seed listed. `train min` is the wall time of one training run "
             "(evaluation included) on this machine.", ""]
    for experiment, part in summary.groupby("experiment", sort=False):
        lines += [f"## {experiment}", "",
                  part.drop(columns=["experiment", "metric_prefix"]).to_markdown(index=False), ""]
    return "\n".join(lines)


def write_accuracy_report(paths: list[str], claims: dict | None, out_md: str | Path, out_csv: str | Path) -> None:
    frame = load_accuracy(paths)
    Path(out_md).parent.mkdir(parents=True, exist_ok=True)
    Path(out_md).write_text(accuracy_markdown(frame, claims))
    frame.to_csv(out_csv, index=False)
