"""Frame extraction: videos -> JPEG folders (``img_%05d.jpg``, 1-based), the canonical training input of TSN/TSM.

Work is split into shards (video ``i`` belongs to shard ``i % shards``) so that Snakemake runs one job per shard on
as many cores or cluster nodes as it has; each shard is resumable (a finished video's folder is complete, written
atomically) and writes a manifest. ``merge_frame_lists`` then writes ``frames/<split>.txt`` lists pointing at the
folders, with frame counts from decoding. Frames come from PyAV's sequential decoding, the ground truth.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from msnet.core.jsonio import write_json
from msnet.data.formats import SPLITS, DataError
from msnet.data.formats.common import write_text
from msnet.data.prepare import read_list
from msnet.data.shards import merged, read_manifests, shard_of, write_manifest
from msnet.data.video_io import VideoError, decode_all, write_frame_folder

FRAMES = "frames"
TEMPLATE = "img_{:05d}.jpg"


def prepared_root(prepared: Path) -> Path:
    summary = prepared / "summary.json"
    if not summary.exists():
        raise DataError(f"{summary}: not found; run `python -m msnet prepare` first")
    return Path(json.loads(summary.read_text())["root"])


def videos(prepared: Path) -> list[str]:
    """Every video (not frame folder) of the final lists, sorted: the unit of sharding."""
    root = prepared_root(prepared)
    media = {m for split in SPLITS for m, _, _ in read_list(prepared / f"{split}.txt")}
    return sorted(m for m in media if not (root / m).is_dir())


def folder_for(prepared: Path, media: str) -> Path:
    """Where a video's frames go: its path under ``frames/``, suffix dropped, parent steps made safe."""
    return prepared / FRAMES / Path(media.replace("../", "up/")).with_suffix("")


def extract_shard(prepared: str | Path, shard: int, shards: int, short_side: int | None = None,
                  progress: bool = True) -> dict:
    from tqdm import tqdm

    prepared = Path(prepared)
    root = prepared_root(prepared)
    mine = shard_of(videos(prepared), shard, shards)
    manifest, errors = {}, {}
    for media in tqdm(mine, desc=f"extract {shard + 1}/{shards}", unit="video", disable=not progress):
        folder = folder_for(prepared, media)
        if folder.is_dir():  # done before this run (the folder is renamed into place only when complete)
            manifest[media] = len(list(folder.glob("img_*.jpg")))
            continue
        try:
            frames = decode_all(root / media)
        except VideoError as err:
            errors[media] = str(err)
            continue
        write_frame_folder(folder, frames, TEMPLATE, short_side)
        manifest[media] = len(frames)
    result = {"shard": shard, "shards": shards, "short_side": short_side, "frames": manifest, "errors": errors}
    write_manifest(prepared / FRAMES, result)
    return result


def merge_frame_lists(prepared: str | Path, shards: int) -> dict:
    """``frames/<split>.txt`` from the shard manifests; videos that failed to decode are left out and counted."""
    prepared = Path(prepared)
    root = prepared_root(prepared)
    manifests = read_manifests(prepared / FRAMES, shards, "python -m msnet extract-frames --shard {shard}")
    frames, errors = merged(manifests, "frames"), merged(manifests, "errors")
    counts = {}
    for split in SPLITS:
        lines = []
        for media, count, label in read_list(prepared / f"{split}.txt"):
            if media in frames:
                lines.append(f"{os.path.relpath(folder_for(prepared, media), root)} {frames[media]} {label}")
            elif media not in errors:  # already a frame folder
                lines.append(f"{media} {count} {label}")
        write_text(prepared / FRAMES / f"{split}.txt", lines)
        counts[split] = len(lines)
    summary = {"videos": len(frames), "failed": errors, "lists": counts}
    write_json(prepared / FRAMES / "summary.json", summary, indent=1)
    return summary
