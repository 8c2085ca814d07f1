"""The flow page (``reports/<profile>/flow.md`` and ``figures/flow_quality.png/.pdf``): how close the PyTorch TV-L1
is to OpenCV's, how both compare with the exact synthetic motion, what each costs, and what the extraction jobs did
(videos, failures, seconds per pair)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def _epe_frame(quality: dict) -> pd.DataFrame:
    accuracy = quality["accuracy"]
    rows = []
    for name, label in (("opencv", "OpenCV (cv2.optflow)"), ("torch", "PyTorch (msnet.flow.tvl1_torch)"),
                        ("zero_flow", "zero flow (baseline)")):
        stored = accuracy["epe_after_jpeg"].get(name)  # zero flow is not stored: its cells say n/a
        rows.append({"flow": label, "EPE all px": accuracy["epe"][name]["all"],
                     "EPE moving px": accuracy["epe"][name]["moving"],
                     "EPE all px, bound-20 JPEG": stored["all"] if stored else None,
                     "EPE moving px, bound-20 JPEG": stored["moving"] if stored else None})
    return pd.DataFrame(rows, dtype=object)


def _extraction_frame(summaries: list[str]) -> pd.DataFrame:
    rows = []
    for path in map(Path, summaries):
        summary = json.loads(path.read_text())
        settings = summary["settings"]
        pairs = summary["computed_pairs"]
        rows.append({"folder": f"{path.parents[1].name}/{path.parent.name}", "method": settings["method"],
                     "size": "stored" if settings["size"] is None else "x".join(map(str, settings["size"])),
                     "fps": settings["fps"] or "every frame", "videos": summary["videos"],
                     "failed (counted, left out)": len(summary["failed"]), "pairs computed": pairs,
                     "s per pair": round(summary["seconds"] / pairs, 4) if pairs else None,
                     **{f"{split} list": n for split, n in summary["lists"].items()}})
    return pd.DataFrame(rows)


def flow_markdown(quality: dict, summaries: list[str]) -> str:
    accuracy, speed = quality["accuracy"], quality["speed"]
    verdict = "within" if accuracy["within_tolerance"] else "**outside**"
    lines = [
        "# TV-L1 optical flow", "",
        "Both paths run OpenCV's Dual TV-L1 with its defaults (docs/flow.md); the two-stream rows train on the "
        "PyTorch path's flow, stored as dense_flow does (bound 20, JPEG).", "",
        "## Accuracy against the synthetic benchmark's exact motion", "",
        f"{accuracy['videos']} synthetic videos x {accuracy['pairs_per_video']} frame pairs at "
        f"{accuracy['size'][0]}x{accuracy['size'][1]}; end-point error in pixels, over all pixels and over moving "
        f"pixels (ground truth >= {accuracy['moving_threshold_px']} px).", "",
        _epe_frame(quality).to_markdown(index=False, floatfmt=".3f", missingval="n/a"), "",
        f"PyTorch vs OpenCV: EPE {100 * accuracy['epe_relative_difference']:.1f} % apart ({verdict} the "
        f"{100 * accuracy['tolerance']:.0f} % tolerance); mean distance between the two flows "
        f"{accuracy['torch_vs_opencv_mean_difference_px']:.3f} px.", "",
        "## Speed", "",
        f"{speed['pairs']} frame pairs at {speed['size']}x{speed['size']}, median of {speed['runs']} interleaved "
        f"runs in one process (OpenCV {speed['opencv_threads']} threads; PyTorch on {speed['torch_device']}, "
        f"{speed['torch_threads']} threads).", "",
        "| path | median ms | ms per pair |", "|---|---|---|",
        *(f"| {name} | {speed['median_ms'][name]:.0f} | {speed['ms_per_pair'][name]:.1f} |"
          for name in ("opencv", "torch")), "",
        f"PyTorch / OpenCV time: **{speed['torch_time_vs_opencv']:.2f}**.", "",
    ]
    if summaries:
        lines += ["## Extraction jobs", "", _extraction_frame(summaries).to_markdown(index=False), ""]
    else:
        lines += ["## Extraction jobs", "", "No experiment of this configuration trains a flow stream.", ""]
    return "\n".join(lines)


def flow_figure(quality: dict, out_stem: str | Path) -> None:
    """EPE (all / moving pixels) of zero flow, OpenCV and PyTorch; time per pair of both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = _epe_frame(quality)
    speed = quality["speed"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [2, 1]})
    x = range(len(frame))
    left.bar([i - 0.2 for i in x], frame["EPE all px"], width=0.4, label="all pixels")
    left.bar([i + 0.2 for i in x], frame["EPE moving px"], width=0.4, label="moving pixels")
    left.set_xticks(list(x), ["OpenCV", "PyTorch", "zero flow"])
    left.set_ylabel("end-point error (px)")
    left.set_title("TV-L1 vs exact synthetic motion")
    left.legend()
    names = ["opencv", "torch"]
    right.bar(["OpenCV", f"PyTorch\n({speed['torch_device']})"], [speed["ms_per_pair"][n] for n in names],
              color=["tab:gray", "tab:green"])
    right.set_ylabel(f"ms per pair ({speed['size']}x{speed['size']})")
    right.set_title(f"speed (PyTorch/OpenCV = {speed['torch_time_vs_opencv']:.2f})")
    fig.tight_layout()
    out_stem = Path(out_stem)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "pdf"):
        fig.savefig(out_stem.with_suffix(f".{ext}"), dpi=150)
    plt.close(fig)


def write_flow_report(quality_path: str | Path, summaries: list[str], out_md: str | Path, figure_stem: str | Path):
    quality = json.loads(Path(quality_path).read_text())
    Path(out_md).parent.mkdir(parents=True, exist_ok=True)
    Path(out_md).write_text(flow_markdown(quality, summaries))
    flow_figure(quality, figure_stem)
