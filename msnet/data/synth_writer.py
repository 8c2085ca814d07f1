"""Write the synthetic motion benchmark in a provider's exact format, plus its ground truth.

Resumable: a video counts as done when its ground-truth file exists, and media and ground truth are written
atomically in that order, so a killed run restarts where it stopped and never leaves a half-written video behind.
"""

from __future__ import annotations

import csv
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from msnet.core.errors import BadValue, MissingFile
from msnet.core.jsonio import write_json
from msnet.data.formats import Format, Record, get_format
from msnet.data.motion_classes import CLASSES
from msnet.data.synthetic import SynthConfig, generate_video
from msnet.data.video_io import write_frame_folder, write_video

GROUND_TRUTH = "ground_truth"
VAL_EVERY = 5  # by default one video in five of every class is held out for validation


def records(fmt: Format, cfg: SynthConfig, videos: int, seed: int, val_every: int = VAL_EVERY) -> list[Record]:
    """The benchmark's videos: class ``i % classes``; one in ``val_every`` of each class held out for validation."""
    if val_every < 2:
        raise BadValue(f"val_every must be at least 2 (one video in N held out), got {val_every}")
    out = []
    for index in range(videos):
        group = index // cfg.classes
        key = fmt.key(index, np.random.default_rng([seed, index, 1]))
        # One video in N of every class, at a class-dependent phase so that small sets have some too.
        label = index % cfg.classes
        split = "val" if (group + label) % val_every == val_every - 1 else "train"
        out.append(Record(index, key, fmt.class_name(CLASSES[label].name), split, group, label))
    return out


def ground_truth_path(root: Path, key: str) -> Path:
    return root / GROUND_TRUTH / f"{key}.npz"


def _write_one(job: tuple[str, str, dict, int, Record]) -> dict:
    fmt_name, root, cfg_dict, seed, record = job
    root, fmt, cfg = Path(root), get_format(fmt_name), SynthConfig(**cfg_dict)
    video = generate_video(cfg, seed, record.index)
    media = fmt.media_path(root, record)
    if fmt.media == "frames":
        write_frame_folder(media, video.frames, fmt.frame_template)
    else:
        write_video(media, video.frames)
    gt = ground_truth_path(root, record.key)
    gt.parent.mkdir(parents=True, exist_ok=True)
    tmp = gt.with_name(gt.stem + ".partial.npz")
    np.savez_compressed(tmp, affine=video.affine, ids=video.ids, label=video.label)
    tmp.replace(gt)
    return {"key": record.key, "split": record.split, "media": str(media.relative_to(root)), **video.meta}


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)  # the pool is the parallelism; torch's own threads would oversubscribe the cores


def write_benchmark(fmt_name: str, out: str | Path, cfg: SynthConfig, videos: int, seed: int, workers: int = 1,
                    progress: bool = True, val_every: int = VAL_EVERY) -> dict:
    """Generate ``videos`` videos into ``out`` in format ``fmt_name``; returns the summary also saved as synthetic.json."""
    from tqdm import tqdm

    if videos < 1:
        raise BadValue(f"videos must be at least 1, got {videos}")
    root, fmt = Path(out), get_format(fmt_name)
    listed = records(fmt, cfg, videos, seed, val_every)
    todo = [r for r in listed if not ground_truth_path(root, r.key).exists()]
    index_path = root / GROUND_TRUTH / "videos.csv"
    previous = _read_index(index_path)
    jobs = [(fmt_name, str(root), cfg.to_dict(), seed, r) for r in todo]
    rows = dict(previous)
    bar = tqdm(total=len(listed), initial=len(listed) - len(todo), desc=f"synth {fmt_name}", unit="video",
               disable=not progress)
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers, initializer=_one_thread) as pool:
            for row in pool.map(_write_one, jobs, chunksize=4):
                rows[row["key"]] = row
                bar.update()
    else:
        for job in jobs:
            row = _write_one(job)
            rows[row["key"]] = row
            bar.update()
    bar.close()
    classes = [fmt.class_name(c.name) for c in CLASSES[: cfg.classes]]
    fmt.write_annotations(root, classes, listed)
    _write_index(index_path, [rows[r.key] for r in listed if r.key in rows])
    summary = {
        "format": fmt_name, "videos": videos, "seed": seed, "val_every": val_every, "config": cfg.to_dict(),
        "classes": classes,
        "splits": {s: sum(r.split == s for r in listed) for s in ("train", "val")},
        "ground_truth": f"{GROUND_TRUTH}/<key>.npz (affine: sprite->frame map per frame and layer; ids: visible layer)",
    }
    write_json(root / "synthetic.json", summary, indent=2)
    return summary


def _read_index(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    with path.open() as f:
        return {row["key"]: row for row in csv.DictReader(f)}


def _write_index(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def load_ground_truth(root: str | Path, key: str) -> dict:
    """The stored ground truth of one video: ``affine``, ``ids`` and ``label`` (see synthetic.ground_truth_flow)."""
    with np.load(ground_truth_path(Path(root), key)) as data:
        return {name: data[name] for name in data.files}


def load_config(root: str | Path) -> SynthConfig:
    """The generator settings a written benchmark was made with (its ``synthetic.json``), to generate more like it."""
    path = Path(root) / "synthetic.json"
    if not path.is_file():
        raise MissingFile(f"{path} not found: {root} is not a benchmark written by `python -m msnet synth`")
    written = json.loads(path.read_text())["config"]
    return SynthConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in written.items()})  # JSON has no tuples
