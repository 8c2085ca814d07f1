"""The accuracy regression gate: measured accuracies against a committed reference, with a stated sensitivity.

The reference (``results/reference/accuracy.json``) holds, per (experiment, row, protocol), the top-1 of many seeds of
one configuration (the synthetic study's reference run). New runs of a row are compared with the reference *mean* by a
one-sided t test at a 5 % false-alarm rate: with ``n`` reference seeds of sample sd ``s`` and ``k`` new runs, the row
fails when its mean falls more than ``t(0.95, n-1) * s * sqrt(1/k + 1/n)`` below the reference mean. The report gives,
per row, the smallest true drop the test catches with 95 % power (noncentral t, :mod:`msnet.report.statistics`): what
the gate can and cannot see. A row that rises by as much is flagged (something changed) but does not fail.

Each entry carries a fingerprint of what was trained (model, overrides, recipe, crop, data lists, initial weights: the
pretraining stage's spec rather than the file's path); a run with another fingerprint is reported as such and fails
the gate instead of being compared. Same-seed comparisons are not used: a change of floating-point order moves a run
as much as a change of seed.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from msnet.core.errors import BadValue
from msnet.core.provenance import provenance
from msnet.report.accuracy_table import eval_key, fingerprint, train_record_for
from msnet.report.statistics import detectable_drop, drop_threshold, interval

ALPHA, POWER = 0.05, 0.95


def load_results(paths: list[str]) -> list[dict]:
    out = []
    for path in map(Path, paths):
        result = json.loads(path.read_text())
        experiment, row, protocol, seed = eval_key(path)
        run = train_record_for(path, result)
        out.append({"experiment": experiment, "row": row, "protocol": protocol, "seed": seed, "top1": result["top1"],
                    "fingerprint": fingerprint(run, result), "path": str(path),
                    "pretrained_seed": (run or {}).get("pretrained_seed"),
                    "from_random": (run or {}).get("initialisation") == "random",
                    "commit": result.get("provenance", {}).get("git_commit"),
                    "cpu": (run or result).get("provenance", {}).get("cpu")})  # the training's CPU draws the run
    return out


def _groups(results: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for result in results:
        groups.setdefault((result["experiment"], result["row"], result["protocol"]), []).append(result)
    return {key: sorted(group, key=lambda r: r["seed"]) for key, group in groups.items()}


def _cpus(results: list[dict]) -> list[str]:
    """The CPUs the runs trained on, as provenance names them (runs made before it did are left out)."""
    return sorted({r["cpu"] for r in results if r.get("cpu")})


def _pretraining_draws(results: list[dict]) -> int | None:
    """How many appearance pretrainings the seeds drew: 0 when every run started from random weights (each seed then
    redraws everything, so the spread leaves nothing out), None when not recorded."""
    if all(r["from_random"] for r in results):
        return 0
    return len({r["pretrained_seed"] for r in results}) if all(r["pretrained_seed"] is not None for r in results) \
        else None


def build_reference(paths: list[str], note: str = "") -> dict:
    """Reference entries from evaluation results of several seeds (the same configuration otherwise)."""
    entries = []
    for (experiment, row, protocol), results in _groups(load_results(paths)).items():
        prints = {r["fingerprint"] for r in results}
        if len(prints) != 1:
            raise BadValue(f"{experiment}/{row}/{protocol}: the seeds were trained with different configurations")
        if len(results) < 3:
            raise BadValue(f"{experiment}/{row}/{protocol}: a reference needs at least three seeds per entry "
                             f"(its spread sets the gate's threshold); got {len(results)}")
        values = [r["top1"] for r in results]
        summary = interval(values)
        sd = round(summary.sd, 2)  # the one-run numbers from the sd as stored: a verdict recomputes them from it
        entries.append({"experiment": experiment, "row": row, "protocol": protocol, "fingerprint": prints.pop(),
                        "seeds": {str(r["seed"]): r["top1"] for r in results}, "n": summary.n,
                        "mean": round(summary.mean, 2), "sd": sd,
                        "ci95": [round(summary.low, 2), round(summary.high, 2)],
                        "drop_threshold_1run": round(drop_threshold(sd, summary.n, 1, ALPHA), 2),
                        "detectable_drop_1run": round(detectable_drop(sd, summary.n, 1, ALPHA, POWER), 2),
                        "pretraining_draws": _pretraining_draws(results),
                        "commits": sorted({r["commit"] for r in results if r["commit"]}),
                        "cpus": _cpus(results)})
    return {"test": f"one-sided t test at {ALPHA:g} false alarm against the reference mean; detectable drop at "
                    f"{POWER:g} power", "note": note, "entries": entries,
            "provenance": provenance({"entries": [e["fingerprint"] for e in entries]})}


def update_reference(existing: dict, update: dict) -> dict:
    """``existing`` with the entries ``update`` covers replaced (the others kept, each with the provenance it was
    made with), for re-measuring some rows after a change that affects only them."""
    replaced = {(e["experiment"], e["row"], e["protocol"]) for e in update["entries"]}
    kept = [{"provenance": existing.get("provenance"), **e} for e in existing["entries"]
            if (e["experiment"], e["row"], e["protocol"]) not in replaced]
    return {**update, "entries": update["entries"] + kept}


def check(paths: list[str], reference: dict) -> list[dict]:
    """One verdict per measured (experiment, row, protocol), over all its seeds: pass, FAIL, above reference, config
    differs or no reference; plus reference entries not run."""
    entries = {(e["experiment"], e["row"], e["protocol"]): e for e in reference["entries"]}
    for key, entry in entries.items():
        if not {"n", "mean", "sd", "fingerprint"} <= entry.keys():
            raise BadValue(f"reference entry {'/'.join(key)} has no n, mean, sd or fingerprint: it was written by an "
                             "older harness; rebuild it with `python -m msnet gate --write-reference` (docs/training.md)")
    verdicts = []
    for key, results in _groups(load_results(paths)).items():
        entry = entries.pop(key, None)
        values = [r["top1"] for r in results]
        verdict = {"experiment": key[0], "row": key[1], "protocol": key[2], "seeds": [r["seed"] for r in results],
                   "cpus": _cpus(results), "reference_cpus": (entry or {}).get("cpus", []),
                   "top1": round(statistics.fmean(values), 2), "reference": None, "reference_n": None,
                   "delta": None, "threshold": None, "detectable_drop": None}
        if entry is None:
            verdicts.append({**verdict, "status": "no reference"})
            continue
        runs = len(values)
        verdict.update(reference=entry["mean"], reference_n=entry["n"], delta=round(verdict["top1"] - entry["mean"], 2),
                       **_sensitivity(entry, runs))
        if {r["fingerprint"] for r in results} != {entry["fingerprint"]}:
            status = "config differs"
        elif verdict["delta"] < -verdict["threshold"]:
            status = "FAIL"
        elif verdict["delta"] > verdict["threshold"]:
            status = "above reference"
        else:
            status = "pass"
        verdicts.append({**verdict, "status": status})
    for key, entry in entries.items():
        verdicts.append({"experiment": key[0], "row": key[1], "protocol": key[2], "seeds": [], "top1": None,
                         "reference": entry["mean"], "reference_n": entry["n"], "delta": None,
                         **_sensitivity(entry, 1), "status": "not run"})
    return verdicts


def _sensitivity(entry: dict, runs: int) -> dict:
    """Threshold and detectable drop for ``runs`` runs, from the entry's stored (rounded) sd and n: every row of a
    report, run or not, states what the test computes (an older file's stored 1-run fields, made from the unrounded
    sd, can differ in the last digit)."""
    return {"threshold": round(drop_threshold(entry["sd"], entry["n"], runs, ALPHA), 2),
            "detectable_drop": round(detectable_drop(entry["sd"], entry["n"], runs, ALPHA, POWER), 2)}


COMPARED = ("pass", "FAIL", "above reference", "config differs")


def passed(verdicts: list[dict]) -> bool:
    """Fails on any FAIL or configuration mismatch, and when nothing at all was compared."""
    compared = [v for v in verdicts if v["status"] in COMPARED]
    return bool(compared) and all(v["status"] in ("pass", "above reference") for v in compared)


def gate_markdown(verdicts: list[dict], reference_path: str, reference: dict | None = None) -> str:
    ok = passed(verdicts)
    made = (reference or {}).get("provenance") or {}
    lines = ["# Accuracy regression gate", "",
             f"**{'PASSED' if ok else 'FAILED'}** against `{reference_path}` (reference run: commit "
             f"{made.get('git_commit', 'unknown')}, {made.get('created', 'date unknown')}).", "",
             f"A row fails when the mean of its runs falls below the reference mean by more than the threshold "
             f"(one-sided t test, {ALPHA:.0%} false alarms, from the reference's seed-to-seed sd and its n). "
             f"`detectable drop`: the smallest true drop caught with {POWER:.0%} power with this many runs; smaller "
             "regressions may pass. `above reference`: a rise as large (flagged, not failed).", "",
             "| experiment | row | protocol | seeds | top-1 | reference mean (n) | delta | threshold | detectable drop "
             "| status |", "|---|---|---|---|---|---|---|---|---|---|"]
    for v in verdicts:
        reference_cell = "" if v["reference"] is None else f"{v['reference']} ({v['reference_n']})"
        cells = [v["experiment"], v["row"], v["protocol"], ", ".join(map(str, v["seeds"])), v["top1"], reference_cell,
                 v["delta"], v["threshold"], v["detectable_drop"],
                 f"**{v['status']}**" if v["status"] in ("FAIL", "config differs", "above reference") else v["status"]]
        lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    shared = [f"{e['row']}" for e in (reference or {}).get("entries", [])
              if e.get("pretraining_draws") not in (0, e["n"]) and any(v["row"] == e["row"] for v in verdicts)]
    if shared:
        lines += ["", f"Caution ({', '.join(shared)}): the reference's seeds do not each have their own appearance "
                  "pretraining (one shared, or not recorded), so its sd leaves out the pretraining's draw. A run that "
                  "redraws it (in bf16, another machine did; in fp32, two machines of one CPU model repeated it bit "
                  "for bit) makes the detectable drop above optimistic. "
                  "`pretrained: appearance_per_seed` makes a reference that includes it (docs/training.md)."]
    for v in (v for v in verdicts if v["status"] in COMPARED and set(v["cpus"]) - set(v["reference_cpus"])):
        made_on = ", ".join(v["reference_cpus"]) or "not recorded (made before results named their CPU)"
        lines += ["", f"Another machine ({v['row']}): trained on {', '.join(v['cpus'])}; the reference on {made_on}. "
                  "Another CPU rounds differently (bf16 most: with and without AVX-512 BF16) and training is chaotic, "
                  "so this run is another draw of the appearance pretraining (where it has one) and of the training: "
                  "the verdict holds as far as the reference's spread includes that draw (docs/training.md, \"The "
                  "pretraining's draw\")."]
    if any(v["status"] == "config differs" for v in verdicts):
        lines += ["", "`config differs`: the reference was made for another configuration (model, recipe with its "
                  "precision, crop, data or initial weights). Regenerate it (`python -m msnet gate --write-reference`, "
                  "docs/training.md) or set `train.reference: null`."]
    return "\n".join(lines) + "\n"
