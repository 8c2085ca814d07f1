"""Table 2's speed column: videos per second, the paper's (Titan Xp) beside ours (device named).

Different machines make absolute V/s incomparable, so each row also shows its time
relative to MSNet-R50 8f: the paper's from its V/s column, ours from the same-process
interleaved measurement (``time_vs_reference``) when the row was timed beside MSNet-R50
8f, else from the separate runs' medians (marked).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from msnet.report.measured import Measured

REFERENCE_ROW = "msnet-r50_8f"


def relative_time(ours: dict | None, reference: dict | None) -> tuple[float | None, str]:
    """Time of ``ours`` over MSNet-R50 8f's, and how it was obtained."""
    if ours is None:
        return None, ""
    if ours.get("reference_model") == "msnet_r50" and ours.get("reference_frames") == 8:
        return ours["time_vs_reference"], "same run"
    if reference is not None:
        return reference["videos_per_s"] / ours["videos_per_s"], "separate runs"
    return None, ""


def speed_frame(entries: list[dict], measured: Measured) -> pd.DataFrame:
    reference = measured.get(REFERENCE_ROW, kind="runtime")
    paper_reference = next((e["values"].get("videos_per_s") for e in entries if e["id"] == REFERENCE_ROW), None)
    rows = []
    for entry in entries:
        paper = entry.get("values", {}).get("videos_per_s")
        ours = measured.get(entry["id"], kind="runtime")
        if entry.get("method") == "other":
            status = "paper only (another paper's method)"
        elif ours is None:
            status = "not run: not in this configuration's run-time rows"
        elif ours.get("includes_flow_extraction") is False:
            status = f"measured on {ours['device']}: network only, TV-L1 extraction not timed yet"
        elif ours.get("includes_flow_extraction"):
            timed = ours["tvl1_pairs_timed"], ours["tvl1_pairs_per_clip"]
            scaled = f", timed on {timed[0]} of its {timed[1]} pairs and scaled" if ours["tvl1_extrapolated"] else ""
            status = f"measured on {ours['device']}, TV-L1 included (PyTorch TV-L1{scaled})"
        else:
            status = f"measured on {ours['device']}"
        relative, how = relative_time(ours, reference)
        rows.append(
            {
                "row": entry["id"],
                "model": entry.get("label", entry["id"]),
                "paper_videos_per_s": paper,
                "ours_videos_per_s": ours["videos_per_s"] if ours else None,
                "ours_median_ms": ours["median_ms"] if ours else None,
                "ours_p10_ms": ours["p10_ms"] if ours else None,
                "ours_p90_ms": ours["p90_ms"] if ours else None,
                "ours_device": ours["device_name"] if ours else None,
                "paper_time_vs_msnet_r50_8f": paper_reference / paper if paper and paper_reference else None,
                "ours_time_vs_msnet_r50_8f": relative,
                "ours_time_vs_msnet_r50_8f_how": how,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def speed_markdown(frame: pd.DataFrame, caption: str) -> str:
    def fmt(value, pattern):
        return "" if value is None or pd.isna(value) else pattern.format(value)

    shown = pd.DataFrame(
        {
            "row": frame["row"],
            "model": frame["model"],
            "paper V/s (Titan Xp)": [fmt(v, "{:g}") for v in frame["paper_videos_per_s"]],
            "ours V/s": [fmt(v, "{:.2f}") for v in frame["ours_videos_per_s"]],
            "ours median ms [p10, p90]": [
                "" if pd.isna(m) else f"{m:.0f} [{a:.0f}, {b:.0f}]"
                for m, a, b in zip(frame["ours_median_ms"], frame["ours_p10_ms"], frame["ours_p90_ms"])
            ],
            "time / MSNet-R50 8f, paper": [fmt(v, "{:.2f}") for v in frame["paper_time_vs_msnet_r50_8f"]],
            "time / MSNet-R50 8f, ours": [
                "" if pd.isna(v) else f"{v:.2f} ({how})"
                for v, how in zip(frame["ours_time_vs_msnet_r50_8f"], frame["ours_time_vs_msnet_r50_8f_how"])
            ],
            "status": frame["status"],
        }
    )
    devices = sorted({d for d in frame["ours_device"] if isinstance(d, str)})
    legend = (
        "Batch 1 clip of 224x224 frames, inference mode, no data loading, warm-up runs excluded; median of the timed "
        f"runs. Ours measured on: {', '.join(devices) or 'nothing yet'}. The paper's numbers are from one GTX Titan Xp; "
        "compare the relative columns, not absolute V/s across machines."
    )
    return f"# Table 2: run-time\n\n{caption}\n\n{legend}\n\n{shown.to_markdown(index=False)}\n"


def write_speed_report(measured: Measured, claims: dict, out_dir: str | Path) -> list[Path]:
    table = claims["tables"]["table2"]
    frame = speed_frame(table["rows"], measured)
    out = Path(out_dir) / "speed"
    out.mkdir(parents=True, exist_ok=True)
    csv, md = out / "table2.csv", out / "table2.md"
    csv.write_text(frame.to_csv(index=False))
    md.write_text(speed_markdown(frame, table["caption"]))
    return [csv, md]
