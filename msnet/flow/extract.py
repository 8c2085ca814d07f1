"""Flow extraction: every video of a prepared list folder -> a folder of TV-L1 flow JPEGs, then flow lists.

Like ``dense_flow`` (TSN's tool): grayscale frames (optionally resized first, its ``-w/-h``), flow between
consecutive frames (step 1), bound-20 JPEG storage (:mod:`msnet.data.flow_store`). ``fps`` resamples the frames
first (Table 6's "low" variant: 3 fps, i.e. every 4th frame of a 12 fps SSv1 video). Work is split into shards
(video ``i`` goes to shard ``i % shards``), each resumable (a video's folder is renamed into place only when
complete) and writing a manifest; :func:`merge_flow_lists` then writes ``<out>/<split>.txt`` with the number of flow
fields per video. Videos that cannot be read, or have fewer than two frames after resampling, are counted in the
manifest and the merged summary, never silently dropped.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from msnet.core.errors import BadValue
from msnet.core.jsonio import write_json
from msnet.data.extract import prepared_root
from msnet.data.formats import SPLITS, DataError
from msnet.data.formats.common import write_text
from msnet.data.integrity import IncompleteMedia
from msnet.data.prepare import read_list
from msnet.data.readers import read_frames
from msnet.data.flow_store import BOUND, count_fields, write_flow_jpegs
from msnet.data.shards import merged, read_manifests, shard_of, write_manifest, written_whole
from msnet.data.video_io import VideoError, decode_all

METHODS = ("torch", "opencv")


@dataclass(frozen=True)
class FlowSettings:
    """How flow is computed; recorded in every manifest (a change means a different flow folder)."""

    method: str = "torch"
    size: tuple[int, int] | None = None  # (H, W) to resize frames to first; None: as stored
    fps: float | None = None  # resample to this rate first; None: every frame
    source_fps: float = 12.0  # the videos' rate (SSv1: 12)
    bound: float = BOUND
    batch: int = 64  # pairs per PyTorch TV-L1 call (several short videos share one)

    def __post_init__(self):
        if self.method not in METHODS:
            raise BadValue(f"flow method must be one of {METHODS}, got {self.method!r}")
        if self.fps is not None and not 0 < self.fps <= self.source_fps:
            raise BadValue(f"fps must be in (0, source_fps={self.source_fps}], got {self.fps}")

    @property
    def stride(self) -> int:
        """Frames kept: every ``stride``-th (12 fps -> 3 fps: 4)."""
        return 1 if self.fps is None else max(1, round(self.source_fps / self.fps))


def flow_folder_name(fps: float | None) -> str:
    """``flow`` for every frame, ``flow_3fps`` for frames resampled at 3 fps."""
    return "flow" if fps is None else f"flow_{fps:g}fps"


def video_frames(path: Path, count: int) -> np.ndarray:
    """All frames of a frame folder (the list's count) or a video: (N, H, W, 3) uint8 RGB."""
    if path.is_dir():
        return read_frames(path, range(1, count + 1)).permute(0, 2, 3, 1).numpy()
    if not path.exists():
        raise DataError(f"{path}: video or frame folder not found")
    return decode_all(path)


def grayscale(frames: np.ndarray, settings: FlowSettings) -> np.ndarray:
    """Resampled, resized (bilinear, as dense_flow) grayscale frames (N, H, W) uint8."""
    import cv2

    frames = frames[::settings.stride]
    gray = np.stack([cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in frames])
    if settings.size is not None:
        height, width = settings.size
        gray = np.stack([cv2.resize(g, (width, height), interpolation=cv2.INTER_LINEAR) for g in gray])
    return gray


def compute_flows(grays: list[np.ndarray], settings: FlowSettings, device: str = "cpu") -> list[np.ndarray]:
    """Flow of consecutive frames of each video: one (N_i - 1, H, W, 2) float32 array per video."""
    if settings.method == "opencv":
        from msnet.flow.tvl1_opencv import flow_pairs

        return [flow_pairs(g) for g in grays]
    import torch

    from msnet.flow.tvl1_torch import tvl1

    out = []
    for group in _same_size_groups(grays):
        first = torch.from_numpy(np.concatenate([g[:-1] for g in group])).to(device)
        second = torch.from_numpy(np.concatenate([g[1:] for g in group])).to(device)
        flow = tvl1(first, second).permute(0, 2, 3, 1).cpu().numpy()
        out += np.split(flow, np.cumsum([len(g) - 1 for g in group])[:-1])
    return out


def _same_size_groups(grays: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Consecutive runs of videos with one frame size (one batched call each), in order."""
    groups: list[list[np.ndarray]] = []
    for gray in grays:
        if groups and groups[-1][0].shape[1:] == gray.shape[1:]:
            groups[-1].append(gray)
        else:
            groups.append([gray])
    return groups


def listed_videos(prepared: Path, lists: str) -> list[tuple[str, int]]:
    """(media, frame count) of every video of ``<prepared>/<lists>/<split>.txt``, sorted: the unit of sharding."""
    media = {}
    for split in SPLITS:
        path = prepared / lists / f"{split}.txt"
        if not path.exists():
            raise DataError(f"{path}: not found (prepare the dataset / write the subset lists first)")
        media.update({m: count for m, count, _ in read_list(path)})
    return sorted(media.items())


def output_folder(prepared: Path, name: str, media: str) -> Path:
    return prepared / name / Path(media.replace("../", "up/")).with_suffix("")


def extract_flow_shard(prepared: str | Path, shard: int, shards: int, settings: FlowSettings, lists: str = "",
                       device: str = "cpu", progress: bool = True) -> dict:
    """Flow folders for this shard's videos (those already complete are kept) and the shard's manifest."""
    from tqdm import tqdm

    prepared = Path(prepared)
    root = prepared_root(prepared)
    name = flow_folder_name(settings.fps)
    mine = shard_of(listed_videos(prepared, lists), shard, shards)
    fields, errors, pending = {}, {}, []
    start, pairs = time.time(), 0
    bar = tqdm(total=len(mine), desc=f"flow {shard + 1}/{shards}", unit="video", disable=not progress)

    def flush():
        nonlocal pairs
        if not pending:
            return
        flows = compute_flows([gray for _, gray in pending], settings, device)
        for (media, _), flow in zip(pending, flows):
            with written_whole(output_folder(prepared, name, media)) as partial:
                write_flow_jpegs(partial, flow, settings.bound)
            fields[media] = len(flow)
            pairs += len(flow)
        bar.update(len(pending))
        pending.clear()

    recomputed = {}
    for media, count in mine:
        folder = output_folder(prepared, name, media)
        if folder.is_dir():  # written whole by an earlier run (writes are atomic); damaged since if it has a gap
            try:
                fields[media] = count_fields(folder)
                bar.update(1)
                continue
            except IncompleteMedia as err:
                recomputed[media] = str(err)
                shutil.rmtree(folder)
        try:
            gray = grayscale(video_frames(root / media, count), settings)
        except (DataError, VideoError) as err:
            errors[media] = str(err).splitlines()[0]
            bar.update(1)
            continue
        if len(gray) < 2:
            errors[media] = f"{root / media}: {len(gray)} frame(s) after resampling to {settings.fps} fps; flow " \
                            "needs two"
            bar.update(1)
            continue
        pending.append((media, gray))
        if sum(len(g) - 1 for _, g in pending) >= settings.batch:
            flush()
    flush()
    bar.close()
    seconds = time.time() - start
    result = {"shard": shard, "shards": shards, "settings": asdict(settings), "lists": lists, "device": device,
              "fields": fields, "errors": errors, "recomputed": recomputed, "computed_pairs": pairs,
              "seconds": round(seconds, 1),
              "seconds_per_pair": round(seconds / pairs, 4) if pairs else None}
    write_manifest(prepared / name, result)
    return result


def merge_flow_lists(prepared: str | Path, shards: int, fps: float | None = None, lists: str = "") -> dict:
    """``<flow folder>/<split>.txt`` (folder, number of fields, label) from the shard manifests; failures counted."""
    prepared = Path(prepared)
    root = prepared_root(prepared)
    name = flow_folder_name(fps)
    manifests = read_manifests(prepared / name, shards, "python -m msnet flow extract --shard {shard}")
    fields, errors, recomputed = (merged(manifests, key) for key in ("fields", "errors", "recomputed"))
    seconds = sum(manifest["seconds"] for manifest in manifests)
    pairs = sum(manifest["computed_pairs"] for manifest in manifests)
    counts = {}
    for split in SPLITS:
        lines = [f"{os.path.relpath(output_folder(prepared, name, media), root)} {fields[media]} {label}"
                 for media, _, label in read_list(prepared / lists / f"{split}.txt") if media in fields]
        write_text(prepared / name / f"{split}.txt", lines)
        counts[split] = len(lines)
    summary = {"videos": len(fields), "failed": errors, "recomputed": recomputed, "lists": counts,
               "computed_pairs": pairs, "seconds": round(seconds, 1), "settings": manifests[-1]["settings"]}
    write_json(prepared / name / "summary.json", summary, indent=1)
    return summary
