"""``check_decoding``: does decord return the right frames for this dataset's videos? Fix the files where it does not.

For a sample of videos of every container, decord's random access (sorted random batches, as a loader asks, plus the
last index) is compared with PyAV's sequential decoding, the ground truth. A (container, codec) group with any wrong
frame is unsafe: every video of that group is transcoded to H.264 MP4 or extracted to JPEG frames (``action``), so
the loaders read only files decord handles. Frame counts come from decoding, not from container metadata (a real
H.264 MP4 has been seen to declare one frame more than it holds). Frame-folder datasets get a JPEG readability check.

Writes ``<split>.txt`` (the lists loaders use), ``decode_check.csv`` (one row per checked video) and
``decode_check.json`` (groups, verdicts, what was done).
"""

from __future__ import annotations

import csv
import json
import os
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from msnet.core.errors import BadValue
from msnet.core.jsonio import write_json
from msnet.data.formats import SPLITS, DataError
from msnet.data.formats.common import write_text
from msnet.data.prepare import read_list
from msnet.data.readers import read_frames
from msnet.data.video_io import VideoError, decode_all, probe, write_frame_folder, write_video

ACTIONS = ("transcode", "frames", "none")  # transcoding cannot fix a decord error (e.g. width < 64): use frames
# Mean absolute difference (0-255) above which a returned frame is not the requested one. decord and PyAV share
# FFmpeg's decoders: a right frame matches exactly (0.000 measured on H.264, VP9 and MPEG-4), while a neighbour in
# low-motion content can differ by less than 1, so the tolerance must be tight.
TOLERANCE = 0.5
BATCH = 8  # frames per random-access call, as an 8-frame clip
# decord's wrong last frame is a race: a fresh reader asked for the last frame of a B-frame AVI returns the one before
# it in 20-100 % of calls, depending on the video and the machine's load (measured: 10 calls per video, 10 videos).
# One call per video let a sample of 8 such videos pass as "ok" (it happened on CI); each is asked this many times.
LAST_FRAME_CALLS = 8


def compare_decord(path: Path, truth: np.ndarray, rng: np.random.Generator, batches: int = 4) -> dict:
    """decord random access vs the decoded ``truth`` (T, H, W, 3): frame counts and wrong frames.

    Each call opens its own reader, as the loader does per clip: a reader that has just decoded the frames before
    a seek target returns it right where a fresh one does not (measured on 8-frame MPEG-4 AVIs with B-frames: a
    fresh reader's last frame is wrong in 14 of 20 videos, the same reader's never). That error comes and goes from
    one call to the next, so the last frame is asked ``LAST_FRAME_CALLS`` times."""
    import decord

    def open_reader():
        return decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)

    declared, decoded = len(open_reader()), len(truth)
    usable = min(declared, decoded)
    calls = [sorted(rng.choice(usable, size=min(BATCH, usable), replace=False).tolist()) for _ in range(batches)]
    calls += [[usable - 1]] * LAST_FRAME_CALLS  # the last frame: where off-by-one counts return a duplicate
    wrong = checked = 0
    for indices in calls:
        got = open_reader().get_batch(indices).asnumpy().astype(np.int16)
        diff = np.abs(got - truth[indices].astype(np.int16)).mean(axis=(1, 2, 3))
        wrong += int((diff > TOLERANCE).sum())
        checked += len(indices)
    return {"decord_frames": declared, "decoded_frames": decoded, "checked": checked, "wrong": wrong}


def _check_video(job: tuple[str, str, int]) -> dict:
    root, media, seed = job
    path = Path(root) / media
    row = {"media": media, "container": path.suffix, "codec": "?"}
    try:
        row["codec"] = probe(path).codec
        truth = decode_all(path)
    except VideoError as err:  # PyAV cannot read it either: the file is bad
        return {**row, "verdict": "unreadable", "error": str(err).splitlines()[0]}
    try:
        row.update(compare_decord(path, truth, np.random.default_rng([seed, zlib.crc32(media.encode())])))
        row["verdict"] = "wrong frames" if row["wrong"] else "ok"
    except RuntimeError as err:  # decord fails where PyAV succeeds (e.g. frames narrower than 64 px)
        row.update({"decoded_frames": len(truth), "verdict": "decord error", "error": str(err).splitlines()[0][:200]})
    return row


def _check_folder(root: Path, media: str, frames: int) -> dict:
    row = {"media": media, "container": "frames", "codec": "jpeg", "decoded_frames": frames, "checked": frames}
    try:
        read_frames(root / media, range(1, frames + 1))
        row.update({"wrong": 0, "verdict": "ok"})
    except DataError as err:
        row.update({"wrong": frames, "verdict": "unreadable", "error": str(err)})
    return row


def _replace(job: tuple[str, str, str, str]) -> tuple[str, int]:
    """Transcode a video to H.264 MP4 or extract it to JPEG frames; returns (new path, decoded frames)."""
    root, media, out, action = job
    frames = decode_all(Path(root) / media)
    if action == "transcode":
        target = Path(out) / "transcoded" / Path(media).with_suffix(".mp4")
        write_video(target, frames)
    else:
        target = Path(out) / "frames" / Path(media).with_suffix("")
        write_frame_folder(target, frames)
    return str(target), len(frames)


def check_decoding(prepared: str | Path, sample: int = 32, seed: int = 0, action: str = "transcode",
                   workers: int = 2, progress: bool = True) -> dict:
    from tqdm import tqdm

    if action not in ACTIONS:
        raise BadValue(f"action must be one of {ACTIONS}, got {action!r}")
    prepared = Path(prepared)
    summary_path = prepared / "summary.json"
    if not summary_path.exists():
        raise DataError(f"{summary_path}: not found; run `python -m msnet prepare` first")
    info = json.loads(summary_path.read_text())
    root = Path(info["root"])
    lists = {split: read_list(prepared / "listed" / f"{split}.txt") for split in SPLITS}
    entries = {media: frames for rows in lists.values() for media, frames, _ in rows}
    rng = np.random.default_rng(seed)
    by_container: dict[str, list[str]] = {}
    for media in entries:
        by_container.setdefault("frames" if info["frame_template"] else Path(media).suffix, []).append(media)
    chosen = [m for group in by_container.values() for m in rng.permutation(group)[:sample].tolist()]

    if info["frame_template"]:
        rows = [_check_folder(root, m, entries[m]) for m in tqdm(chosen, desc="check frames", disable=not progress)]
    else:
        jobs = [(str(root), m, seed) for m in chosen]
        with ProcessPoolExecutor(workers) as pool:
            rows = list(tqdm(pool.map(_check_video, jobs), total=len(jobs), desc="check decoding", unit="video",
                             disable=not progress))

    groups: dict[str, dict] = {}
    for row in rows:
        g = groups.setdefault(f"{row['container']}/{row['codec']}",
                              {"checked_videos": 0, "wrong_videos": 0, "wrong_frames": 0, "checked_frames": 0,
                               "count_mismatch": 0, "unreadable": 0})
        g["checked_videos"] += 1
        g["wrong_videos"] += row["verdict"] in ("wrong frames", "decord error")
        g["wrong_frames"] += row.get("wrong", 0)
        g["checked_frames"] += row.get("checked", 0)
        g["unreadable"] += row["verdict"] == "unreadable"
        g["count_mismatch"] += row.get("decord_frames", row.get("decoded_frames")) != row.get("decoded_frames")
    unsafe = sorted(name for name, g in groups.items() if g["wrong_videos"])
    for name, g in groups.items():
        g["verdict"] = "unsafe for decord" if name in unsafe else "ok"
    unreadable = [r for r in rows if r["verdict"] == "unreadable"]
    if unreadable and info["strict"]:
        raise DataError(f"{root / unreadable[0]['media']}: {unreadable[0]['error']} "
                        f"({len(unreadable)} unreadable of {len(rows)} checked; prepare in lenient mode to skip them)")

    # Frame counts: decoded ones where we decoded; replacements for every video of an unsafe group.
    counts = {r["media"]: r["decoded_frames"] for r in rows if "decoded_frames" in r}
    replaced: dict[str, str] = {}
    if unsafe and action != "none":
        suspects = [m for m in entries if any(g.startswith(Path(m).suffix + "/") for g in unsafe)]
        suspects = [m for m in suspects if f"{Path(m).suffix}/{probe(root / m).codec}" in unsafe]
        jobs = [(str(root), m, str(prepared), action) for m in suspects]
        with ProcessPoolExecutor(workers) as pool:
            done = tqdm(pool.map(_replace, jobs), total=len(jobs), desc=action, unit="video", disable=not progress)
            for media, (target, frames) in zip(suspects, done):
                replaced[media] = os.path.relpath(target, root)
                counts[media] = frames

    # The fix is checked like the originals: replaced files must now pass.
    after = [_check_video((str(root), target, seed)) for target in list(replaced.values())[:sample]
             if action == "transcode"]
    dropped = {r["media"] for r in unreadable}
    for split, rows_ in lists.items():
        lines = [f"{replaced.get(m, m)} {counts.get(m, n)} {label}" for m, n, label in rows_ if m not in dropped]
        write_text(prepared / f"{split}.txt", lines)
    _write_rows(prepared / "decode_check.csv", rows)
    result = {
        "reader": "decord", "ground_truth": "PyAV sequential decoding", "tolerance_mean_abs_diff": TOLERANCE,
        "sample_per_container": sample, "checked": len(rows), "groups": groups, "unsafe_groups": unsafe,
        "action": action, "replaced": len(replaced),
        "after_fix": {"checked": len(after), "wrong_videos": sum(r["verdict"] != "ok" for r in after)}, "unreadable_dropped": len(dropped),
        "count_corrected": sum(1 for m, n in counts.items() if n != entries[m]),
    }
    write_json(prepared / "decode_check.json", result, indent=2)
    return result


def _write_rows(path: Path, rows: list[dict]) -> None:
    fields = ["media", "container", "codec", "decord_frames", "decoded_frames", "checked", "wrong", "verdict", "error"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
