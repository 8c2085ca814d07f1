"""The claim audit: a verdict on every claim of the paper from what was measured.

Each claim in ``claims.yaml`` carries a machine-readable ``test``. FLOPs claims are judged
in the authors' convention (``gflops_thop``), the one the paper's numbers were produced
in. Speed claims are about a GPU (Titan Xp): measured on a CPU they are "not testable
here", with the CPU ratio shown as context. A claim about a row that was not measured is
"not testable yet", with the reason; a row of another paper's method takes the paper's
printed value (said so). Claims that need data this configuration has not trained on say
what they need.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from msnet.models.facts import models_have
from msnet.report.claims import paper_value_of
from msnet.report.measured import Measured
from msnet.report.table5_readings import table5_lines

# metric -> (result kind, field)
METRICS = {"gflops": ("cost", "gflops_thop"), "mparams": ("cost", "mparams"), "videos_per_s": ("runtime", "videos_per_s")}
ARITHMETIC = {
    "value": lambda a, b: a,
    "difference": lambda a, b: a - b,
    "ratio": lambda a, b: a / b,
    "relative_increase": lambda a, b: a / b - 1,
}
RELATIVE_TOLERANCE = {"ratio", "relative_increase"}
SECTIONS = (("cost", "Cost (FLOPs, parameters)"), ("speed", "Speed"), ("accuracy", "Accuracy"), ("other", "Other claims"))


@dataclass
class Verdict:
    claim: str
    verdict: str  # reproduced | not reproduced | not testable yet | not testable here | stated (context only)
    measured: float | None
    detail: str


def _operand(measured: Measured, claims: dict, row: str, metric: str, spec: str) -> tuple[float | None, dict | None, str]:
    kind, field = METRICS[metric]
    record = measured.get(row, spec, kind)
    if record is not None:
        return record[field], record, ""
    if row.startswith("other-"):
        value = paper_value_of(claims, row, metric)
        return value, None, f"{row} is another paper's method: its printed {metric} {value} is used"
    return None, None, f"{row} not measured (no {kind} result for it in this configuration)"


def _same_run_ratio(rec_a: dict | None, rec_b: dict | None) -> float | None:
    """videos/s of a over b from times each measured beside the same reference model."""
    if not rec_a or not rec_b or "time_vs_reference" not in rec_a or "time_vs_reference" not in rec_b:
        return None
    if (rec_a["reference_model"], rec_a["reference_frames"]) != (rec_b["reference_model"], rec_b["reference_frames"]):
        return None
    return rec_b["time_vs_reference"] / rec_a["time_vs_reference"]


def _missing_requirement(claim: dict, records: list[dict]) -> str:
    """Why measured records cannot test this claim here ('' if they can)."""
    needs = set(claim.get("needs", []))
    if "gpu" in needs and any(r.get("device") != "cuda" for r in records):
        return "the claim is about GPU run-time; measured on " + ", ".join(sorted({r["device_name"] for r in records}))
    if "tv-l1" in needs and any(r.get("includes_flow_extraction") is False for r in records):
        return "the two-stream time must include TV-L1 extraction, which is not timed yet"
    return ""


def judge(claim: dict, claims: dict, measured: Measured, spec: str = "official") -> Verdict:
    """Evaluate one claim's ``test`` against measured values."""
    test = claim["test"]
    kind, metric = test["type"], test.get("metric")
    if metric not in METRICS:
        return Verdict(claim["id"], "not testable yet", None, f"needs {', '.join(claim.get('needs', [])) or 'a measurement'}")
    a, rec_a, note_a = _operand(measured, claims, test["a"], metric, spec) if test.get("a") else (None, None, "")
    b, rec_b, note_b = (
        _operand(measured, claims, test["b"], metric, spec) if isinstance(test.get("b"), str) else (None, None, "")
    )
    notes = "; ".join(n for n in (note_a, note_b) if n)
    if kind not in ARITHMETIC or test.get("paper_value") is None:
        context = f"{test['a']} = {a:.4g}" if a is not None else ""
        if a is not None and b is not None:
            context += f", {test['b']} = {b:.4g}, increase {a / b - 1:+.2%}"
        return Verdict(claim["id"], "stated (context only)", None, "; ".join(x for x in (context, notes) if x))
    if a is None or (kind != "value" and b is None):
        return Verdict(claim["id"], "not testable yet", None, notes)
    value = ARITHMETIC[kind](a, b)
    same_run = _same_run_ratio(rec_a, rec_b) if metric == "videos_per_s" and kind == "ratio" else None
    if same_run is not None:
        value = same_run
        notes = "; ".join(x for x in (notes, "ratio from same-process interleaved timings") if x)
    paper, tolerance = test["paper_value"], test.get("tolerance", 0)
    allowed = tolerance * abs(paper) if kind in RELATIVE_TOLERANCE else tolerance
    detail = f"measured {value:.4g} vs paper {paper} (allowed +-{allowed:.3g})"
    missing = _missing_requirement(claim, [r for r in (rec_a, rec_b) if r is not None])
    if missing:
        return Verdict(claim["id"], "not testable here", value, f"{missing}; context: {detail}")
    ok = abs(value - paper) <= allowed + 1e-12
    return Verdict(claim["id"], "reproduced" if ok else "not reproduced", value, "; ".join(x for x in (detail, notes) if x))


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _spec_differences(measured: Measured) -> list[str]:
    lines = [
        "| row | GFLOPs official | GFLOPs paper spec | difference | Mparams official | Mparams paper spec |",
        "|---|---|---|---|---|---|",
    ]
    for record in sorted(measured.records("cost"), key=lambda r: r["row"]):
        paper = measured.get(record["row"], "paper")
        if models_have(record["model"], "ms") and paper is not record and (record.get("overrides") or {}).get("ms", {}).get("spec", "official") == "official":
            lines.append(
                f"| {record['row']} | {record['gflops_thop']:.3f} | {paper['gflops_thop']:.3f} | "
                f"{paper['gflops_thop'] / record['gflops_thop'] - 1:+.2%} | {record['mparams']:.3f} | {paper['mparams']:.3f} |"
            )
    return lines


def _spec_accuracy(accuracy: list[str] | None) -> list[str]:
    """Accuracy of MS rows trained in each spec, or why there is none to compare."""
    if not accuracy:
        return ["Accuracy effect: not measured (no training in this configuration)."]
    from msnet.report.accuracy_table import load_accuracy

    frame = load_accuracy(accuracy)
    ms = frame[frame["ms_spec"].notna() & ~frame["ensemble"]]
    if ms.empty or set(ms["ms_spec"]) != {"official", "paper"}:
        trained = ", ".join(sorted(set(ms["ms_spec"]))) or "none"
        return [f"Accuracy effect: not measured. MS rows were trained in spec(s): {trained}; comparing needs the same "
                "row trained with `ms.spec=paper` as well (a row with `set: [ms.spec=paper]` in an experiment; with "
                "one seed the synthetic protocol's seed-to-seed spread, docs/training.md, would swamp an effect of a point or two)."]
    table = ms.groupby(["experiment", "row", "protocol", "ms_spec"])["top1"].agg(["mean", "std", "count"]).round(2)
    return ["Accuracy of the MS rows by spec (top-1 mean, sd, seeds):", "", table.reset_index().to_markdown(index=False)]


def _environment(measured: Measured) -> list[str]:
    records = measured.records("cost") + measured.records("runtime")
    commits = sorted({r.get("provenance", {}).get("git_commit", "unknown") for r in records})
    versions = next((r["provenance"]["versions"] for r in records if "provenance" in r), {})
    devices = sorted({r["device_name"] for r in measured.records("runtime")})
    lines = [f"- code: {', '.join(commits) or 'unknown'}"]
    lines += [f"- {name}: {version}" for name, version in versions.items()]
    lines.append(f"- run-time measured on: {', '.join(devices) or 'not measured'}")
    return lines


def audit_markdown(claims: dict, measured: Measured, data_stages: list[dict] | None = None,
                   accuracy: list[str] | None = None, motion: list[str] | None = None,
                   reference_accuracy: list[str] | None = None, reference_motion: list[str] | None = None,
                   reference_from_scratch: list[str] | None = None) -> str:
    """``audit.md``: every claim with its verdict for both MS specs (and, for accuracy claims, the verdict of its
    synthetic analogue: from the study's runs, and from the from-scratch protocol's runs when given), the spec
    differences, the environment."""
    from msnet.report.accuracy_table import load_both

    frame = load_both(accuracy or [], reference_accuracy or [])
    columns = [("synthetic analogue", _analogue_verdicts(claims, frame))]
    if reference_from_scratch:
        columns.append(("synthetic analogue, from random weights",
                        _analogue_verdicts(claims, load_both([], reference_from_scratch))))
    analogues = columns[0][1]
    lines = [
        "# Audit of the paper's claims",
        "",
        "Every claim of *Motion Squeeze* (claims.yaml) with its verdict, for the MS module as the released code builds it "
        "(`official`) and as the paper's text describes it (`paper`). Tolerances come from the claims file (print rounding "
        "of the paper's numbers, seed noise for accuracies). FLOPs are compared in the authors' THOP convention.",
        "",
    ]
    totals: Counter = Counter()
    for kind, title in SECTIONS:
        selected = [c for c in claims["claims"] if c["kind"] == kind]
        if not selected:
            continue
        accuracy_section = kind == "accuracy"
        lines += [f"## {title}", ""]
        if accuracy_section:
            lines += [ANALOGUE_LEGEND + (FROM_SCRATCH_LEGEND if len(columns) > 1 else ""), ""]
        extra = [title for title, _ in columns] if accuracy_section else []
        lines += ["| claim | source | text | official spec | paper spec |" + "".join(f" {t} |" for t in extra),
                  "|---|---|---|---|---|" + "---|" * len(extra)]
        for claim in selected:
            cells = []
            for spec in ("official", "paper"):
                v = judge(claim, claims, measured, spec)
                totals[v.verdict] += spec == "official"
                cells.append(_cell(f"**{v.verdict}**: {v.detail}"))
            if accuracy_section:
                cells += [_analogue_cell(verdicts.get(claim["id"])) for _, verdicts in columns]
            lines.append(f"| `{claim['id']}` | {_cell(claim['source'])} | {_cell(claim['text'])} | " + " | ".join(cells) + " |")
        if accuracy_section:
            for claim, _ in analogues.values():
                if claim["id"] not in {c["id"] for c in selected}:
                    lines.append(f"| `{claim['id']}` (harness check) | {_cell(claim['source'])} | {_cell(claim['text'])} "
                                 "| (not a claim of the paper) | | "
                                 + " | ".join(_analogue_cell(verdicts.get(claim["id"])) for _, verdicts in columns) + " |")
            for title, verdicts in columns:
                counts = Counter(a.verdict for _, a in verdicts.values())
                lines += ["", f"**{title[0].upper()}{title[1:]}:** "
                          + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + "."]
        lines.append("")
    summary = ", ".join(f"{n} {k}" for k, n in sorted(totals.items()))
    lines += [f"**Summary (official spec):** {summary}.", ""]
    lines += ["## Paper text vs released code: measured cost of each difference", ""]
    lines += ["Every point where the two specs differ is listed in docs/specs.md. Cost of each MS row in both specs "
              "(authors' convention):", ""]  # fmt: skip
    lines += _spec_differences(measured) + [""]
    lines += _spec_accuracy(accuracy) + [""]
    lines += ["## Unexplained discrepancies: Table 5's 'MS only' and 'concat.' FLOPs", ""]
    lines += table5_lines(measured, claims) + [""]
    lines += ["## Data stages: missing, skipped and replaced inputs", ""]
    if data_stages:
        from msnet.report.data_table import data_lines

        lines += data_lines(data_stages) + [""]
    else:
        lines += ["No data stage ran in this configuration.", ""]
    lines += ["## Accuracy of the trained rows", ""] + _accuracy_lines(claims, frame) + [""]
    lines += ["## Does the MS module estimate motion?", ""] + motion_lines(motion or [], reference_motion) + [""]
    lines += ["## Environment", ""] + _environment(measured) + [""]
    return "\n".join(lines)


def _accuracy_lines(claims: dict, frame) -> list[str]:
    """What training measured. On the synthetic benchmark it tests no claim of the paper (other data, no ImageNet
    weights): the analogues' verdicts stand in their own column above, never as verdicts on the paper's claims."""
    if frame.empty:
        return ["No training ran in this configuration."]
    from msnet.report.accuracy_table import accuracy_summary

    summary = accuracy_summary(frame, claims)
    lines = []
    if (summary["status"] == "measured on synthetic").any():
        lines += ["Rows trained on the synthetic motion benchmark, fine-tuned from the appearance-pretrained backbone "
                  "(the synthetic stand-in for ImageNet weights): mean top-1 with its 95 % interval and n. They test "
                  "none of the paper's accuracy claims (those need the real datasets and ImageNet weights). Full "
                  "table: accuracy.md.", ""]
    columns = ["experiment", "row", "protocol", "source", "made_by", "top1", "learned", "vs_reference", "status"]
    return lines + [summary[columns].to_markdown(index=False)]


ANALOGUE_LEGEND = (
    "The column *synthetic analogue* asks each claim's question of the synthetic study's rows "
    "(msnet/report/analogues.yaml: which rows, which test): **holds on synthetic**, **contradicted on synthetic** or "
    "**inconclusive**, from paired per-seed differences and their 95 % intervals. It is never a verdict on the paper's claim, which needs the real data.")


FROM_SCRATCH_LEGEND = (
    " The column *from random weights* asks the same questions of the from-scratch protocol's runs "
    "(train.reference_from_scratch: config/from-scratch.yaml, the synthetic recipe with no appearance pretraining, "
    "the gate's protocol): another protocol, so its seeds are never pooled with the study's, and where the two "
    "columns differ the protocol decides the answer.")


def _analogue_verdicts(claims: dict, frame) -> dict:
    """claim id -> (claim, Analogue), from the reference run's results when there are any, else this run's (seeds of
    the two are never pooled)."""
    from msnet.report.accuracy_table import REFERENCE
    from msnet.report.analogues import judge_analogues

    if not frame.empty and (frame["source"] == REFERENCE).any():
        frame = frame[frame["source"] == REFERENCE]
    chance = float(frame["chance"].dropna().max()) if not frame.empty and frame["chance"].notna().any() else 0.0
    return {claim["id"]: (claim, analogue) for claim, analogue in judge_analogues(claims, frame, chance)}


def _analogue_cell(pair) -> str:
    if pair is None:
        return ""
    claim, analogue = pair
    where = f" (experiment {analogue.experiment})" if analogue.experiment else ""
    return _cell(f"**{analogue.verdict}**{where}: {analogue.detail}")


def motion_lines(paths: list[str], reference_paths: list[str] | None = None) -> list[str]:
    """The MS displacement against the synthetic ground truth (``python -m msnet motion``), trained and untrained:
    this run's checks, and the reference run's (labelled with its commit and date)."""
    sources = [(p, "this run") for p in paths] + [(p, "reference run") for p in reference_paths or []]
    if not sources:
        return ["Not measured in this configuration (`motion` in the config)."]
    lines = ["End-point error (input pixels) of the first MS module's displacement against the exact synthetic motion, "
             "over all feature cells and over moving ones (truth >= 0.5 px), the zero-motion baseline, and the cosine "
             "between estimate and truth on moving cells (1: same direction; 0: unrelated). Figures: "
             "motion/<experiment>/<row>/ of the run that made them.", "",
             "| row | source | crop (feature map) | module | videos | EPE all | EPE moving | zero-motion EPE moving | "
             "cosine moving |", "|---|---|---|---|---|---|---|---|---|"]
    for path, source in sources:
        result = json.loads(Path(path).read_text())
        made = result.get("provenance", {})
        if source == "reference run":
            source += f" ({str(made.get('git_commit', 'unknown'))[:7]}, {str(made.get('created', ''))[:10]})"
        crop = result.get("crop")
        grid = f"{crop} ({crop // 8}x{crop // 8} at res3)" if crop else ""
        for module, s in result["summary"].items():
            lines.append(f"| {result.get('row') or result['model']} | {source} | {grid} | {module} | {result['videos']} | "
                         f"{s['epe']:.2f} | {s['epe_moving']:.2f} | {s['zero_epe_moving']:.2f} | {s['cosine_moving']:.2f} |")
    return lines
