"""The accuracy regression gate: measured accuracies against committed reference results.

The reference (``results/reference/accuracy.json``) holds, per (experiment, row, protocol), the top-1 of several
seeds of the same configuration and a tolerance derived from their spread: ``max(3 x sample sd, FLOOR)``. A run is
compared with the mean over the reference's seeds, not with the reference run of its own seed: a one-epoch run
amplifies floating-point differences as much as a change of seed (measured: reordering the sums of the correlation's
backward pass, which made its gradients more accurate, moved MSNet-R18 seed 0 from 47.5 to 37.5 top-1, and seed 1
from 44.2 to 56.2), so the same seed after any code change is just another draw. A real regression (a broken
module, a changed recipe) shows up as a jump of several seed-sds. Each entry carries a fingerprint of what was trained
(model, overrides, recipe, crop, data lists); a mismatch is reported as such and fails the gate, instead of comparing
different experiments.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from msnet.provenance import provenance, spec_hash
from msnet.report.accuracy_table import eval_key, train_record_for

FLOOR = 2.0   # points: guards against a seed sd underestimated from three seeds (1 val video = 0.17 points)
SIGMAS = 3.0


def fingerprint(path: str | Path, result: dict) -> str | None:
    """What an evaluation measured: the trained run's configuration (not its seed) and the protocol."""
    run = train_record_for(path, result)
    if not run or result.get("members"):
        return None
    return spec_hash({"model": run["model"], "frames": run["frames"], "overrides": run["overrides"],
                      "recipe": run["recipe"], "crop": run["crop"], "data": run["data"]["lists_sha256"],
                      "initialisation": run["initialisation"], "protocol": result["protocol"]})


def load_results(paths: list[str]) -> list[dict]:
    out = []
    for path in map(Path, paths):
        result = json.loads(path.read_text())
        experiment, row, protocol, seed = eval_key(path)
        out.append({"experiment": experiment, "row": row, "protocol": protocol, "seed": seed, "top1": result["top1"],
                    "fingerprint": fingerprint(path, result), "path": str(path)})
    return out


def build_reference(paths: list[str], note: str = "") -> dict:
    """Reference entries from evaluation results of several seeds (the same configuration otherwise)."""
    groups: dict[tuple, list[dict]] = {}
    for result in load_results(paths):
        groups.setdefault((result["experiment"], result["row"], result["protocol"]), []).append(result)
    entries = []
    for (experiment, row, protocol), results in groups.items():
        prints = {r["fingerprint"] for r in results}
        if len(prints) != 1:
            raise ValueError(f"{experiment}/{row}/{protocol}: the seeds were trained with different configurations")
        values = [r["top1"] for r in sorted(results, key=lambda r: r["seed"])]
        sd = statistics.stdev(values) if len(values) > 1 else None
        entries.append({"experiment": experiment, "row": row, "protocol": protocol, "fingerprint": prints.pop(),
                        "seeds": {str(r["seed"]): r["top1"] for r in sorted(results, key=lambda r: r["seed"])},
                        "mean": round(statistics.fmean(values), 2), "sd": None if sd is None else round(sd, 2),
                        "tolerance": round(max(SIGMAS * sd, FLOOR), 2) if sd is not None else None})
    missing_sd = [f"{e['row']}/{e['protocol']}" for e in entries if e["sd"] is None]
    if missing_sd:
        raise ValueError(f"a reference needs at least two seeds per entry; one seed only for {missing_sd}")
    return {"tolerance_rule": f"max({SIGMAS:g} x sample sd over seeds, {FLOOR:g} points)", "note": note,
            "entries": entries, "provenance": provenance({"entries": [e["fingerprint"] for e in entries]})}


def update_reference(existing: dict, update: dict) -> dict:
    """``existing`` with the entries ``update`` covers replaced (the others kept, each with the provenance it was
    made with), for re-measuring some rows after a change that affects only them."""
    replaced = {(e["experiment"], e["row"], e["protocol"]) for e in update["entries"]}
    kept = [{"provenance": existing.get("provenance"), **e} for e in existing["entries"]
            if (e["experiment"], e["row"], e["protocol"]) not in replaced]
    return {**update, "entries": update["entries"] + kept}


def check(paths: list[str], reference: dict) -> list[dict]:
    """One verdict per measured result: pass, FAIL, config differs, or no reference; plus reference entries not run."""
    entries = {(e["experiment"], e["row"], e["protocol"]): e for e in reference["entries"]}
    verdicts, seen = [], set()
    for result in load_results(paths):
        key = (result["experiment"], result["row"], result["protocol"])
        entry = entries.get(key)
        verdict = {**{k: result[k] for k in ("experiment", "row", "protocol", "seed", "top1")},
                   "reference": None, "tolerance": None, "delta": None}
        if entry is None:
            verdicts.append({**verdict, "status": "no reference"})
            continue
        seen.add(key)
        verdict.update(reference=entry["mean"], tolerance=entry["tolerance"], delta=round(result["top1"] - entry["mean"], 2))
        if result["fingerprint"] != entry["fingerprint"]:
            status = "config differs"
        else:
            status = "pass" if abs(verdict["delta"]) <= entry["tolerance"] else "FAIL"
        verdicts.append({**verdict, "status": status})
    for key in entries.keys() - seen:
        verdicts.append({"experiment": key[0], "row": key[1], "protocol": key[2], "seed": None, "top1": None,
                         "reference": entries[key]["mean"], "tolerance": entries[key]["tolerance"], "delta": None,
                         "status": "not run"})
    return verdicts


def passed(verdicts: list[dict]) -> bool:
    """Fails on any FAIL or config mismatch, and when nothing at all was compared."""
    compared = [v for v in verdicts if v["status"] in ("pass", "FAIL", "config differs")]
    return bool(compared) and all(v["status"] == "pass" for v in compared)


def gate_markdown(verdicts: list[dict], reference_path: str) -> str:
    ok = passed(verdicts)
    lines = ["# Accuracy regression gate", "",
             f"**{'PASSED' if ok else 'FAILED'}** against `{reference_path}` (tolerance per row: max(3 x seed sd, "
             f"{FLOOR:g} points), compared with the mean over the reference's seeds).", "",
             "| experiment | row | protocol | seed | top-1 | reference mean | delta | tolerance | status |",
             "|---|---|---|---|---|---|---|---|---|"]
    for v in verdicts:
        cells = [v["experiment"], v["row"], v["protocol"], v["seed"], v["top1"], v["reference"], v["delta"],
                 v["tolerance"], f"**{v['status']}**" if v["status"] in ("FAIL", "config differs") else v["status"]]
        lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    if any(v["status"] == "config differs" for v in verdicts):
        lines += ["", "`config differs`: the reference was made for another configuration (model, recipe, crop or "
                  "data). Regenerate it (`python -m msnet gate --write-reference`, docs/training.md) or set "
                  "`train.reference: null`."]
    return "\n".join(lines) + "\n"
