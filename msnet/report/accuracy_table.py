"""Accuracy of every trained row, per experiment and protocol: the mean over seeds with its 95 % interval and n, each
seed shown, whether the row learned (its interval above chance), the time per model, and the paper's number for the row
where there is one (labelled not comparable on synthetic data).

Results come from two sources: this run's, and the committed reference run's (the synthetic study,
``results/reference/study``), labelled with its commit and date. A row this run re-measured is checked against the
reference's spread: inside the 95 % range a run of that many seeds should land in, or outside (flagged).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
from scipy import stats

from msnet.models.facts import models_have
from msnet.core.provenance import spec_hash
from msnet.report.claims import paper_value_of
from msnet.report.statistics import direction_verdict, interval, learned, paired_difference

CLAIM_PREFIX = {"kinetics": "k400"}  # dataset name -> the metric prefix of msnet/report/claims.yaml
THIS_RUN, REFERENCE = "this run", "reference run"


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


def fingerprint(run: dict, result: dict) -> str | None:
    """What an evaluation measured: the trained run's configuration (not its seed) and the protocol; the initial
    weights by how they were made (the pretraining stage's spec), not by where the file lies. None for ensembles."""
    if not run or result.get("members"):
        return None
    return spec_hash({"model": run["model"], "frames": run["frames"], "overrides": run["overrides"],
                      "recipe": run["recipe"], "crop": run["crop"], "data": run["data"]["lists_sha256"],
                      "initialisation": run.get("pretrained_spec") or run["initialisation"],
                      "protocol": result["protocol"]})


def made_by(run: dict, members: list | None) -> str:
    """Which reading produced a number: a model trained here (and its recipe), a released checkpoint evaluated as
    the paper evaluated TSM's, or an ensemble."""
    if members:
        return "ensemble of evaluated models"
    if run.get("released"):
        return f"released checkpoint {run['released']['file']} (sha256 {run['released']['sha256']}), not trained here"
    return f"trained here, recipe {run['recipe']['name']}" if run.get("recipe") else ""


def load_accuracy(paths: list[str], source: str = THIS_RUN) -> pd.DataFrame:
    """One row per evaluation result file (results/<profile>/eval/<experiment>/<row>/seed<s>/<protocol>.json)."""
    records = []
    for path in map(Path, paths):
        result = json.loads(path.read_text())
        experiment, row, protocol, seed = eval_key(path)
        members = result.get("members")
        run = train_record_for(path, result)
        made = result.get("provenance", {})
        classes = len(result.get("per_class") or {}) or run.get("classes")
        records.append({
            "source": source, "experiment": experiment, "row": row, "seed": seed, "protocol": protocol,
            "top1": result["top1"], "top5": result["top5"], "mean_class_accuracy": result["mean_class_accuracy"],
            "videos": result["videos"], "skipped": result.get("skipped", 0), "ensemble": bool(members),
            "chance": 100 / classes if classes else None,
            "best_epoch": result.get("epoch"), "last_top1": None if members else run.get("last", {}).get("top1"),
            "epochs": run.get("recipe", {}).get("epochs"),
            "train_minutes": round(run["seconds"] / 60, 2) if run and not members else None,
            "clips_per_s": None if members else run.get("clips_per_s"),
            "initialisation": "ensemble of " + ", ".join(Path(m).parent.parent.name for m in members) if members
            else run.get("initialisation"),
            "pretrained_seed": None if members else run.get("pretrained_seed"),
            "pretrained_sha256": None if members else run.get("pretrained_sha256"),
            "made_by": made_by(run, members),
            "data": run.get("data", {}).get("source"), "dataset": Path(run.get("dataset", "")).name,
            "device": run.get("device"), "train_videos": run.get("train_videos"),
            "ms_spec": ((run.get("overrides") or {}).get("ms") or {}).get("spec", "official")
            if run.get("model") and models_have(run["model"], "ms") else None,
            "fingerprint": fingerprint(run, result),
            "commit": made.get("git_commit"), "created": (made.get("created") or "")[:10],
        })
    return pd.DataFrame.from_records(records)


def source_label(group: pd.DataFrame) -> str:
    """``this run``, or ``reference run (commit abc1234, 2026-12-01)`` with every commit and date it spans."""
    first = group.iloc[0]
    if first["source"] != REFERENCE:
        return first["source"]
    commits = ", ".join(sorted({str(c)[:7] + ("-dirty" if str(c).endswith("-dirty") else "")
                                for c in group["commit"].dropna()})) or "commit unknown"
    dates = sorted(d for d in group["created"].dropna() if d)
    when = dates[0] if dates and dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}" if dates else "date unknown"
    return f"{REFERENCE} (commit {commits}, {when})"


def learned_text(values: list[float], chance: float | None) -> str:
    if chance is None:
        return ""
    if len(values) < 2:
        return "one seed: no interval"
    return "yes" if learned(interval(values), chance) else f"no: interval overlaps chance ({chance:.2f} %)"


def accuracy_summary(frame: pd.DataFrame, claims: dict | None = None) -> pd.DataFrame:
    """Seeds aggregated per (source, experiment, row, protocol), with intervals; this run's lines compared with the
    reference's where both measured the same row (``vs_reference``)."""
    rows = []
    for (source, experiment, row, protocol), group in frame.groupby(["source", "experiment", "row", "protocol"],
                                                                    sort=False):
        group = group.sort_values("seed")
        first = group.iloc[0]
        dataset = first["dataset"] or ""
        paper = paper_value_of(claims, row, f"{CLAIM_PREFIX.get(dataset, dataset)}_top1") if claims and dataset else None
        synthetic = first["data"] == "synthetic"
        top1 = interval(group["top1"].tolist())
        chance = first["chance"] if pd.notna(first["chance"]) else None
        rows.append({
            "source": source_label(group), "experiment": experiment, "row": row, "protocol": protocol,
            "seeds": len(group), "top1": top1.text(), "top1_mean": top1.mean, "top1_sd": top1.sd,
            "top1_low": top1.low, "top1_high": top1.high,
            "learned": learned_text(group["top1"].tolist(), chance),
            "top1_per_seed": " / ".join(f"{v:.1f}" for v in group["top1"]),
            "top5": interval(group["top5"].tolist()).text(),
            "epochs": first["epochs"], "train_minutes": first["train_minutes"], "clips_per_s": first["clips_per_s"],
            "initialisation": first["initialisation"] or "", "made_by": first["made_by"],
            "videos": int(first["videos"]),
            "status": "measured on synthetic" if synthetic else "measured",
            "train_videos": first["train_videos"], "chance": chance, "fingerprint": first["fingerprint"],
            "metric_prefix": CLAIM_PREFIX.get(dataset, dataset), "is_reference": first["source"] == REFERENCE,
            "paper": "" if paper is None else (f"{paper} (real {dataset}; not comparable)" if synthetic else paper),
        })
    summary = pd.DataFrame.from_records(rows)
    if not summary.empty:
        summary["vs_reference"] = [against_reference(line, summary) for _, line in summary.iterrows()]
    return summary.astype(object).where(summary.notna(), "")


def against_reference(line: pd.Series, summary: pd.DataFrame) -> str:
    """For this run's line: where it falls against the reference run's line of the same experiment, row and
    protocol (the two-sided 95 % range of a mean of this many seeds); '' when there is none."""
    if line["is_reference"]:
        return ""
    same = summary[summary["is_reference"] & (summary["experiment"] == line["experiment"])
                   & (summary["row"] == line["row"]) & (summary["protocol"] == line["protocol"])]
    if same.empty:
        return ""
    ref = same.iloc[0]
    if ref["fingerprint"] != line["fingerprint"]:
        return "not compared: the reference was trained with another configuration"
    if pd.isna(ref["top1_sd"]) or ref["seeds"] < 2:
        return "not compared: the reference has one seed"
    half = stats.t.ppf(0.975, ref["seeds"] - 1) * ref["top1_sd"] * math.sqrt(1 / line["seeds"] + 1 / ref["seeds"])
    delta = line["top1_mean"] - ref["top1_mean"]
    where = "inside" if abs(delta) <= half else "**outside** (below)" if delta < 0 else "**outside** (above)"
    return f"{where} the reference's range ({ref['top1_mean']:.1f} ± {half:.1f}; {delta:+.1f})"


SHOWN = ["row", "protocol", "source", "seeds", "top1", "learned", "top1_per_seed", "top5", "vs_reference", "epochs",
         "train_minutes", "clips_per_s", "made_by", "initialisation", "videos", "train_videos", "status", "paper"]


BASELINES = ("tsm-r18_8f", "tsn-r18_8f")  # what the other rows of an experiment are compared with, in this order


def unpaired_seeds(part: pd.DataFrame, rows: list[str]) -> list[int]:
    """Seeds at which ``rows`` started from different pretraining draws (one row's weights pretrained once for every
    seed, the other's per seed), or from weights whose content differs or is not known to be the same (a run that
    records the weights' SHA-256 beside one that does not, or the same spec pretrained again on another machine):
    their runs do not share their initial weights, so a difference by seed is not paired."""
    part = part[part["row"].isin(rows)]
    digests = part["pretrained_sha256"] if "pretrained_sha256" in part else pd.Series(None, index=part.index)
    weights = (part["pretrained_seed"].astype(object).where(part["pretrained_seed"].notna(), -1).astype(str) + "/"
               + digests.astype(object).where(digests.notna(), "unrecorded").astype(str))
    draws = weights.groupby(part["seed"]).nunique()
    return sorted(int(seed) for seed, count in draws.items() if count > 1)


def paired_differences(frame: pd.DataFrame) -> pd.DataFrame:
    """Per source and experiment: every row minus the experiment's baseline (TSM-R18, else TSN-R18), paired by seed
    (same data order and shared initial weights), 1-clip top-1, with the 95 % interval of the mean difference."""
    lines = []
    clip = frame[(frame["protocol"] == "1clip") & ~frame["ensemble"].astype(bool)]
    for (source, experiment), part in clip.groupby(["source", "experiment"], sort=False):
        baseline = next((b for b in BASELINES if b in set(part["row"])), None)
        if baseline is None:
            continue
        base = dict(zip(part[part["row"] == baseline]["seed"], part[part["row"] == baseline]["top1"]))
        for row, group in part.groupby("row", sort=False):
            values = dict(zip(group["seed"], group["top1"]))
            if row == baseline or not set(values) & set(base):
                continue
            unpaired = unpaired_seeds(part, [row, baseline])
            if unpaired:
                lines.append({"source": source_label(part), "experiment": experiment, "row": row, "baseline": baseline,
                              "difference": "not paired",
                              "verdict": f"different pretrained weights at seed(s) {unpaired}"})
                continue
            d = paired_difference(values, base)
            lines.append({"source": source_label(part), "experiment": experiment, "row": row, "baseline": baseline,
                          "difference": d.text().replace(f"{d.mean:.1f}", f"{d.mean:+.1f}", 1),
                          "verdict": "one seed: no interval" if d.low is None else
                          {"holds on synthetic": "higher", "contradicted on synthetic": "lower"}.get(
                              direction_verdict(d), "undecided (interval spans 0)")})
    return pd.DataFrame(lines)


def accuracy_markdown(frame: pd.DataFrame, claims: dict | None = None) -> str:
    if frame.empty:
        return ("# Accuracy of the trained rows\n\nNo evaluation results: this profile trains no rows and names no "
                "reference run (`train.reference_study`), or no result files were given (`--results`, "
                "`--reference-accuracy`).\n")
    summary = accuracy_summary(frame, claims)
    differences = paired_differences(frame)
    lines = ["# Accuracy of the trained rows", "",
             "Top-1 / top-5 in % on the validation split (the recipe's result epoch); mean over seeds with its 95 % "
             "t interval and n, each seed listed. `learned`: the interval lies above chance. Rows from the committed "
             "reference run (the synthetic study) are labelled with its commit and date; a row this run re-measured "
             "says whether it landed inside the reference's 95 % range for a mean of that many seeds. `train min` is "
             "the wall time of one training run on the machine that ran it.", ""]
    for experiment, part in summary.groupby("experiment", sort=False):
        lines += [f"## {experiment}", "", part[SHOWN].to_markdown(index=False), ""]
        mine = differences[differences["experiment"] == experiment] if not differences.empty else differences
        if not mine.empty:
            lines += [f"Paired differences in {experiment}: each row minus the baseline on the seeds both have "
                      "(same data order, same initial weights in shared layers), mean and 95 % interval:", "",
                      mine.drop(columns=["experiment"]).to_markdown(index=False), ""]
    return "\n".join(lines)


def write_accuracy_report(frame: pd.DataFrame, claims: dict | None, out_md: str | Path, out_csv: str | Path) -> None:
    Path(out_md).parent.mkdir(parents=True, exist_ok=True)
    Path(out_md).write_text(accuracy_markdown(frame, claims))
    frame.to_csv(out_csv, index=False)


def load_both(paths: list[str], reference_paths: list[str]) -> pd.DataFrame:
    """This run's results and the reference run's, one frame (the reference's labelled as such)."""
    frames = [load_accuracy(p, s) for p, s in ((paths, THIS_RUN), (reference_paths, REFERENCE)) if p]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
