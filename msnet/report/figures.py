"""Figures 1, 4 and 5 of the paper, the paper's points beside what this configuration measured.

Fig. 1: top-1 (Something-Something V1) against GFLOPs, marker area = parameters, from the
paper's Table 1; ours are drawn at our measured GFLOPs and parameters where the row was
costed, at the paper's accuracy (ours not trained yet: hollow markers, said in the
legend). Fig. 4: GFLOPs against the patch size P (ours, both conventions), with the
paper's one printed point. Fig. 5: GFLOPs of each backbone with and without MS (ours);
the paper prints only the accuracy gains, which are annotated.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from msnet.report.claims import paper_value_of  # noqa: E402
from msnet.report.measured import Measured  # noqa: E402


def save_figure(fig, out: Path, name: str) -> list[Path]:
    """``name``.png and .pdf under ``out``; closes the figure."""
    paths = [out / f"{name}.png", out / f"{name}.pdf"]
    for path in paths:
        fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return paths


def fig1(claims: dict, measured: Measured):
    spec = claims["figures"]["fig1"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for row in spec["points"]:
        gflops, top1, params = (paper_value_of(claims, row, k) for k in ("gflops", "ssv1_top1", "mparams"))
        if gflops is None or top1 is None:
            continue
        colour = "tab:red" if row.startswith("msnet") else "tab:blue"
        ax.scatter(gflops, top1, s=8 * (params or 10), color=colour, alpha=0.5)
        ax.annotate(row, (gflops, top1), fontsize=7, xytext=(4, 2), textcoords="offset points")
        ours = measured.get(row)
        if ours is not None:
            ax.scatter(ours["gflops_thop"], top1, s=8 * ours["mparams"], facecolors="none", edgecolors=colour, linewidths=1.5)
    ax.set_xscale("log")
    ax.set_xlabel("GFLOPs per clip (log)")
    ax.set_ylabel("Something-Something V1 top-1 (%)")
    ax.set_title("Fig. 1: filled = paper; hollow = our measured FLOPs/params at the paper's accuracy (not trained here)", fontsize=8)
    return fig


def _synthetic_values(accuracy) -> tuple[dict[str, dict[int, float]], str]:
    """Per row, top-1 per seed on the synthetic benchmark (the reference run's when there is one, else this run's;
    never pooled), from the experiment with the most rows; and a label saying where they come from."""
    from msnet.report.accuracy_table import REFERENCE, source_label

    if accuracy is None or accuracy.empty:
        return {}, ""
    frame = accuracy[(accuracy["protocol"] == "1clip") & (accuracy["data"] == "synthetic")]
    if (frame["source"] == REFERENCE).any():
        frame = frame[frame["source"] == REFERENCE]
    values: dict[str, dict[int, float]] = {}
    for experiment in frame.groupby("experiment")["row"].nunique().sort_values(ascending=False).index:
        part = frame[frame["experiment"] == experiment]
        for row, group in part.groupby("row"):
            values.setdefault(row, dict(zip(group["seed"], group["top1"])))
    return values, f"synthetic benchmark, {source_label(frame)}" if not frame.empty else ""


def fig4(claims: dict, measured: Measured, accuracy=None):
    from msnet.report.statistics import interval

    rows = claims["figures"]["fig4"]["rows"]
    values, label = _synthetic_values(accuracy)
    trained = [(r["patch_size"], interval(list(values[r["id"]].values()))) for r in rows if r["id"] in values]
    if trained:
        fig, (ax, acc) = plt.subplots(1, 2, figsize=(10, 3.8))
        sizes, points = zip(*sorted(trained))
        acc.errorbar(sizes, [p.mean for p in points],
                     yerr=[[p.mean - (p.low if p.low is not None else p.mean) for p in points],
                           [(p.high if p.high is not None else p.mean) - p.mean for p in points]],
                     fmt="o-", capsize=3, color="tab:red", label="ours: mean, 95 % interval over seeds")
        acc.set_xlabel("patch size P")
        acc.set_ylabel("top-1 (%) on the SYNTHETIC benchmark")
        acc.set_title(f"accuracy: {label}\n(not the paper's SSv1 numbers; not comparable)", fontsize=7)
        acc.legend(fontsize=7)
    else:
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for spec, style in (("official", "-o"), ("paper", "--s")):
        points = [(r["patch_size"], measured.get(r["id"], spec)) for r in rows]
        points = [(p, m["gflops_thop"]) for p, m in points if m is not None]
        if points:
            ax.plot(*zip(*points), style, label=f"ours, {spec} spec (authors' convention)")
    printed = [(r["patch_size"], r["values"]["gflops"]) for r in rows if r.get("values", {}).get("gflops") is not None]
    if printed:
        ax.plot(*zip(*printed), "k*", markersize=12, label="paper (printed)")
    ax.set_xlabel("patch size P")
    ax.set_ylabel("GFLOPs (MSNet-R18, 8 frames)")
    ax.set_title("Fig. 4: cost against the matching window" + ("" if trained else
                 "; accuracy needs training (not run)"), fontsize=8)
    ax.legend(fontsize=7)
    return fig


FIG5_PAIRS = (
    ("ResNet-18", "tsn-r18_8f", "msnet-tsn-r18_8f", "fig5_gain_resnet18"),
    ("MobileNet-V2", "tsn-mobilenetv2_8f", "msnet-mobilenetv2_8f", "fig5_gain_mobilenetv2"),
    ("I3D", "i3d_8f", "msnet-i3d_8f", "fig5_gain_i3d"),
    ("TSM-R18", "tsm-r18_8f", "msnet-r18_8f", "fig5_gain_tsm_r18"),
)


def fig5(claims: dict, measured: Measured, accuracy=None):
    from msnet.report.statistics import paired_difference

    gains = {c["id"]: c["test"].get("paper_value") for c in claims["claims"]}
    values, label = _synthetic_values(accuracy)
    measured_gains = {i: paired_difference(values[with_ms], values[base])
                      for i, (_, base, with_ms, _) in enumerate(FIG5_PAIRS) if base in values and with_ms in values}
    if measured_gains:
        fig, (ax, acc) = plt.subplots(1, 2, figsize=(11, 3.8))
        for i, d in measured_gains.items():
            low = d.low if d.low is not None else d.mean
            high = d.high if d.high is not None else d.mean
            acc.errorbar(i, d.mean, yerr=[[d.mean - low], [high - d.mean]], fmt="o", color="tab:red", capsize=3)
        for i, (_, _, _, claim) in enumerate(FIG5_PAIRS):
            if gains.get(claim) is not None:
                acc.plot(i, gains[claim], "k*", markersize=9)
        acc.axhline(0, color="gray", linewidth=0.5)
        acc.set_xticks(range(len(FIG5_PAIRS)), [p[0] for p in FIG5_PAIRS])
        acc.set_ylabel("top-1 gain from MS (points)")
        acc.set_title(f"red: paired gain on the SYNTHETIC benchmark (95 % interval), {label};\n"
                      "black stars: the paper's SSv1 gains (not comparable)", fontsize=7)
    else:
        fig, ax = plt.subplots(figsize=(6, 3.8))
    for i, (label, base, with_ms, claim) in enumerate(FIG5_PAIRS):
        for j, row in enumerate((base, with_ms)):
            record = measured.get(row)
            if record is not None:
                ax.bar(i + 0.4 * j - 0.2, record["gflops_thop"], width=0.38, color=("tab:gray", "tab:red")[j])
        if gains.get(claim) is not None:
            top = max((measured.get(r) or {}).get("gflops_thop", 0) for r in (base, with_ms))
            ax.annotate(f"paper: +{gains[claim]} top-1", (i, top), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(FIG5_PAIRS)), [p[0] for p in FIG5_PAIRS])
    ax.set_ylabel("GFLOPs, 8 frames (ours)")
    ax.set_title("Fig. 5: without (grey) and with (red) MS; accuracy gains as printed", fontsize=8)
    return fig


def write_figures(measured: Measured, claims: dict, out_dir: str | Path, accuracy: list[str] | None = None,
                  reference_accuracy: list[str] | None = None) -> list[Path]:
    """Figs. 1, 4, 5; Figs. 4 and 5 get an accuracy panel from the synthetic results (``accuracy``: this run's
    evaluation JSONs, ``reference_accuracy``: the reference run's), labelled as such."""
    from msnet.report.accuracy_table import load_both

    frame = load_both(accuracy or [], reference_accuracy or [])
    out = Path(out_dir) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    written = save_figure(fig1(claims, measured), out, "fig1")
    written += save_figure(fig4(claims, measured, frame), out, "fig4")
    written += save_figure(fig5(claims, measured, frame), out, "fig5")
    return written
