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

from msnet.report.audit import paper_value_of  # noqa: E402
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


def fig4(claims: dict, measured: Measured):
    rows = claims["figures"]["fig4"]["rows"]
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
    ax.set_title("Fig. 4: cost against the matching window; accuracy needs training (not run)", fontsize=8)
    ax.legend(fontsize=7)
    return fig


FIG5_PAIRS = (
    ("ResNet-18", "tsn-r18_8f", "msnet-tsn-r18_8f", "fig5_gain_resnet18"),
    ("MobileNet-V2", "tsn-mobilenetv2_8f", "msnet-mobilenetv2_8f", "fig5_gain_mobilenetv2"),
    ("I3D", "i3d_8f", "msnet-i3d_8f", "fig5_gain_i3d"),
    ("TSM-R18", "tsm-r18_8f", "msnet-r18_8f", "fig5_gain_tsm_r18"),
)


def fig5(claims: dict, measured: Measured):
    gains = {c["id"]: c["test"].get("paper_value") for c in claims["claims"]}
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


FIGURES = {"fig1": fig1, "fig4": fig4, "fig5": fig5}


def write_figures(measured: Measured, claims: dict, out_dir: str | Path) -> list[Path]:
    out = Path(out_dir) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        written += save_figure(draw(claims, measured), out, name)
    return written
