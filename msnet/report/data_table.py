"""The data stages in the reports: per dataset, what was listed, missing, skipped, and what the decode check did."""

from __future__ import annotations

import json
from pathlib import Path


def load_data_stages(paths: list[str]) -> list[dict]:
    """One record per dataset folder from its ``summary.json`` and (when present) ``decode_check.json``."""
    folders = sorted({Path(p).parent for p in paths if Path(p).parent.name != "frames"})
    out = []
    for folder in folders:
        summary = json.loads((folder / "summary.json").read_text())
        check_path, frames_path = folder / "decode_check.json", folder / "frames" / "summary.json"
        summary["decode_check"] = json.loads(check_path.read_text()) if check_path.exists() else None
        summary["frames"] = json.loads(frames_path.read_text()) if frames_path.exists() else None
        out.append(summary)
    return out


def data_lines(stages: list[dict]) -> list[str]:
    """Markdown table lines: one row per dataset, counts never hidden."""
    lines = [
        "| dataset | root | train listed / kept | val listed / kept | missing | skipped (reason: count) | decode check "
        "| frames extracted |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in stages:
        splits = s["splits"]
        missing = sum(v["missing"] for v in splits.values())
        reasons = ", ".join(f"{k}: {n}" for k, n in s.get("skipped_by_reason", {}).items()) or "0"
        lines.append(
            f"| {s['dataset']} | `{Path(s['root']).name}` | {splits['train']['listed']} / {splits['train']['written']} "
            f"| {splits['val']['listed']} / {splits['val']['written']} | {missing} | {reasons} | {_check(s)} "
            f"| {_frames(s)} |"
        )
    return lines


def _check(summary: dict) -> str:
    check = summary.get("decode_check")
    if check is None:
        return "not run"
    parts = []
    for group, g in check["groups"].items():
        parts.append(f"{group}: {g['wrong_frames']}/{g['checked_frames']} frames wrong in {g['checked_videos']} videos "
                     f"({g['verdict']})")
    if check["unsafe_groups"]:
        parts.append(f"{check['replaced']} videos {check['action']}d"
                     + (f", after fix {check['after_fix']['wrong_videos']}/{check['after_fix']['checked']} wrong"
                        if check.get("after_fix", {}).get("checked") else ""))
    if check.get("count_corrected"):
        parts.append(f"{check['count_corrected']} frame counts corrected from decoding")
    if check.get("unreadable_dropped"):
        parts.append(f"{check['unreadable_dropped']} unreadable dropped")
    return "; ".join(parts)


def _frames(summary: dict) -> str:
    frames = summary.get("frames")
    if frames is None:
        return "no"
    failed = len(frames["failed"])
    return f"{frames['videos']} videos" + (f", {failed} failed to decode (left out)" if failed else "")


def data_markdown(stages: list[dict]) -> str:
    return "\n".join([
        "# Data stages", "",
        "Per dataset: annotation entries listed and kept, videos listed but absent (missing.txt), bad lines or media "
        "skipped in lenient mode (skipped.csv), and the decode check (decord random access vs PyAV sequential "
        "decoding on a sample of every container).", "",
        *data_lines(stages), "",
    ])
