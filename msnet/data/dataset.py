"""The clip dataset every training and evaluation stage reads: a prepared list, a sampling protocol, a transform.

Randomness is a function of (seed, epoch, index), not of worker order, so a resumed or re-sharded epoch sees exactly
the same clips. Bad videos raise an error naming the file (strict, the default) or, in lenient mode, are skipped:
each skip is appended to a CSV log (safe across DataLoader workers) and the batch goes on without it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, default_collate

from msnet.data.formats import DataError
from msnet.data.prepare import read_list
from msnet.data.readers import read_clip
from msnet.data.sampling import sample
from msnet.data.transforms import ClipTransform
from msnet.data.video_io import VideoError


class VideoDataset(Dataset):
    """Items are ``(clip, label, index)`` with clip (views, T*L, C, H, W): views = clips x crops (1 in training)."""

    def __init__(self, prepared: str | Path, split: str, frames: int, transform: ClipTransform,
                 protocol: str = "train", new_length: int = 1, clips: int = 10, backend: str = "decord",
                 lenient: bool = False, skip_log: str | Path | None = None, seed: int = 0, lists: str = "",
                 cache_frames: bool = False):
        """``lists`` picks a list folder inside ``prepared``: "" for the decode-checked lists, "frames" for the
        extracted-frame lists of ``python -m msnet extract-frames``. ``cache_frames`` keeps every decoded frame in
        this process (for small datasets read many times, such as the synthetic benchmark: 37 kB a frame there;
        useless in DataLoader workers, which start afresh every epoch)."""
        prepared = Path(prepared)
        summary = prepared / "summary.json"
        if not summary.exists():
            raise DataError(f"{summary}: not found; run `python -m msnet prepare` first")
        self.root = Path(json.loads(summary.read_text())["root"])
        list_path = prepared / lists / f"{split}.txt"
        if not list_path.exists():
            raise DataError(f"{list_path}: not found; run `python -m msnet check-decoding` after prepare")
        self.items = read_list(list_path)
        if not self.items:
            raise DataError(f"{list_path}: the list is empty")
        self.frames, self.transform, self.protocol = frames, transform, protocol
        self.new_length, self.clips, self.backend = new_length, clips, backend
        self.lenient, self.skip_log, self.seed = lenient, Path(skip_log) if skip_log else None, seed
        self.epoch = 0
        self.cache: dict[int, dict[int, torch.Tensor]] | None = {} if cache_frames else None

    def __len__(self) -> int:
        return len(self.items)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    @property
    def labels(self) -> list[int]:
        return [label for _, _, label in self.items]

    def __getitem__(self, index: int):
        media, count, label = self.items[index]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        ids = sample(self.protocol, count, self.frames, rng, self.new_length, self.clips)  # (clips, T*L)
        try:
            unique, inverse = np.unique(ids, return_inverse=True)
            frames = self._read(index, media, unique.tolist())[torch.from_numpy(inverse.ravel())]
        except (DataError, VideoError, RuntimeError) as err:
            if not self.lenient:
                raise
            self._record_skip(media, err)
            return None
        views = []
        # (clips, T*L, C, H, W) -> (clips, T, L*C, H, W): a segment's L frames (flow fields) stacked on channels
        stacked = frames.view(ids.shape[0], self.frames, -1, *frames.shape[-2:])
        for clip in stacked:
            out, label_out = self.transform(clip, label, rng)
            views.append(out)
        return torch.cat(views), label_out, index

    def _read(self, index: int, media: str, frame_ids: list[int]) -> torch.Tensor:
        """The frames ``frame_ids`` of item ``index``: decoded, or from the cache for those decoded before."""
        if self.cache is None:
            return read_clip(self.root / media, frame_ids, self.backend)
        kept = self.cache.setdefault(index, {})
        missing = [i for i in frame_ids if i not in kept]
        if missing:
            kept.update(zip(missing, read_clip(self.root / media, missing, self.backend)))
        return torch.stack([kept[i] for i in frame_ids])

    def _record_skip(self, media: str, err: Exception) -> None:
        if self.skip_log is None:
            return
        self.skip_log.parent.mkdir(parents=True, exist_ok=True)
        line = f"{self.epoch}\t{media}\t{str(err).splitlines()[0]}\n"
        fd = os.open(self.skip_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)  # one write: atomic per line
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def collate_skipping(batch):
    """default_collate without the items a lenient dataset skipped (None); None if the whole batch was skipped."""
    kept = [item for item in batch if item is not None]
    return default_collate(kept) if kept else None


def read_skips(path: str | Path) -> list[dict]:
    """The skip log as rows ``{epoch, media, reason}`` (empty when nothing was skipped)."""
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        epoch, media, reason = line.split("\t", 2)
        rows.append({"epoch": int(epoch), "media": media, "reason": reason})
    return rows
