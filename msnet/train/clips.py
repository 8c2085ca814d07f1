"""The datasets a training run and an evaluation protocol read, built from a prepared folder.

Evaluation protocols are named after what the paper reports; the sampling behind a name depends on how the model
was trained (TSN segments for Something-Something, dense windows for Kinetics / HMDB-51):

============== ================================= ========================================== =====
protocol       segment-trained (Something)       dense-trained (Kinetics, HMDB-51)          crops
============== ================================= ========================================== =====
1clip          centre of each segment            one window, random start (official code)   1
10clip         10 random segment samples (paper) 10 windows spread uniformly (official code) 1
10clip_uniform 10 uniformly shifted clips        10 uniformly shifted clips (paper's words) 1
2clip_3crop    TSM's 'twice' clips               2 windows                                  3
10clip_3crop   10 random segment samples         10 windows spread uniformly                3
============== ================================= ========================================== =====

One crop is the centre crop after the dataset's resize; three crops are full resolution (short side 256, scaled).
Random starts are drawn from (seed, epoch 0, video index), so two evaluations of a checkpoint see the same clips.
"""

from __future__ import annotations

import json
from pathlib import Path

from msnet.core.errors import UnknownName
from msnet.data.dataset import VideoDataset
from msnet.data.formats import DataError
from msnet.data.transforms import recipe as transform_recipe

PROTOCOLS = {  # name -> (segment sampling, dense sampling, clips, crops)
    "1clip": ("val", "dense_val", 1, 1),
    "10clip": ("random_clips", "dense_test", 10, 1),
    "10clip_uniform": ("uniform_test", "uniform_test", 10, 1),
    "2clip_3crop": ("twice", "dense_test", 2, 3),
    "10clip_3crop": ("random_clips", "dense_test", 10, 3),
}
TRAIN_SAMPLING = {"segment": "train", "dense": "dense", "center": "val"}


def dataset_name(prepared: str | Path) -> str:
    summary = Path(prepared) / "summary.json"
    if not summary.exists():
        raise DataError(f"{summary}: not found; run `python -m msnet prepare` first")
    return json.loads(summary.read_text())["dataset"]


def class_names(prepared: str | Path) -> list[str]:
    return (Path(prepared) / "classes.txt").read_text().splitlines()


def training_set(prepared, recipe, frames: int, crop: int, seed: int, lists: str = "", flow_length: int = 0,
                 **options) -> VideoDataset:
    """The train split as ``recipe`` samples and augments it (its ``flip`` policy, else the dataset's);
    ``flow_length`` L > 0: stacks of L flow fields."""
    transform = transform_recipe(dataset_name(prepared), recipe.augment, crop=crop, flip=recipe.flip,
                                 flow=flow_length > 0)
    return VideoDataset(prepared, "train", frames, transform, protocol=TRAIN_SAMPLING[recipe.sampling], seed=seed,
                        lists=lists, new_length=max(flow_length, 1), **options)


def evaluation_set(prepared, protocol: str, frames: int, crop: int, sampling: str = "segment", seed: int = 0,
                   split: str = "val", lists: str = "", flow_length: int = 0, **options) -> VideoDataset:
    """``split`` under a named protocol (module table) for a model trained with ``sampling``."""
    if protocol not in PROTOCOLS:
        raise UnknownName(f"unknown evaluation protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    segment, dense, clips, crops = PROTOCOLS[protocol]
    transform = transform_recipe(dataset_name(prepared), False, crop=crop, crops=crops, flow=flow_length > 0)
    return VideoDataset(prepared, split, frames, transform, protocol=dense if sampling == "dense" else segment,
                        clips=clips, seed=seed, lists=lists, new_length=max(flow_length, 1), **options)
