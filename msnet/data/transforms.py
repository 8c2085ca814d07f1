"""Clip transforms of the TSN/TSM/MSNet recipes, on uint8 clips (T, C, H, W); the same crop for every frame.

Randomness comes from a ``numpy.random.Generator`` the caller passes, so a resumed epoch repeats its augmentations.
Sizes follow the official code (224 crop, 256 short side, 240x320 Something-Something resize) by default and scale
together for the small synthetic benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torchvision.transforms.v2.functional as TF

from msnet.core.errors import BadValue

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
FLOW_MEAN, FLOW_STD = (0.5,), (0.226,)  # TSN flow: mean of ImageNet stds, on [0, 1] inputs
SCALES = (1.0, 0.875, 0.75, 0.66)
# Something-Something classes whose meaning flips with the image (sorted SSv1/SSv2 indices): left <-> right.
SOMETHING_LEFT_RIGHT = {86: 87, 87: 86, 93: 94, 94: 93, 166: 167, 167: 166}
FLIP_POLICIES = ("none", "all", "exclude", "swap")


def fixed_offsets(image_w: int, image_h: int, crop_w: int, crop_h: int, more: bool = True) -> list[tuple[int, int]]:
    """Crop corners of the multi-scale crop: 4 corners and centre, plus 8 more (edge centres, quarter points)."""
    w, h = (image_w - crop_w) // 4, (image_h - crop_h) // 4
    offsets = [(0, 0), (4 * w, 0), (0, 4 * h), (4 * w, 4 * h), (2 * w, 2 * h)]
    if more:
        offsets += [(0, 2 * h), (4 * w, 2 * h), (2 * w, 4 * h), (2 * w, 0), (w, h), (3 * w, h), (w, 3 * h), (3 * w, 3 * h)]
    return offsets


def multi_scale_crop(clip: torch.Tensor, size: int, rng: np.random.Generator, scales=SCALES,
                     max_distort: int = 1) -> torch.Tensor:
    """TSN's GroupMultiScaleCrop: side = short side x scale (snapped to ``size`` within 3 px), aspect jitter of at
    most ``max_distort`` scale steps, one of 13 fixed offsets, resized to ``size`` x ``size``."""
    image_h, image_w = clip.shape[-2:]
    base = min(image_h, image_w)
    sides = [int(base * s) for s in scales]
    sides_h = [size if abs(s - size) < 3 else s for s in sides]
    sides_w = [size if abs(s - size) < 3 else s for s in sides]
    pairs = [(w, h) for i, h in enumerate(sides_h) for j, w in enumerate(sides_w) if abs(i - j) <= max_distort]
    crop_w, crop_h = pairs[rng.integers(len(pairs))]
    offsets = fixed_offsets(image_w, image_h, crop_w, crop_h)
    x, y = offsets[rng.integers(len(offsets))]
    return TF.resized_crop(clip, y, x, crop_h, crop_w, [size, size], antialias=True)


def resize(clip: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """An int resizes the short side (aspect kept); a pair (H, W) resizes exactly (Something-Something's 240x320)."""
    return TF.resize(clip, [size] if isinstance(size, int) else list(size), antialias=True)


def center_crop(clip: torch.Tensor, size: int) -> torch.Tensor:
    return TF.center_crop(clip, [size, size])


def three_crops(clip: torch.Tensor, size: int) -> list[torch.Tensor]:
    """TSM's full-resolution test crops: left, right and centre squares along the long side (no flip)."""
    image_h, image_w = clip.shape[-2:]
    w, h = (image_w - size) // 4, (image_h - size) // 4
    return [TF.crop(clip, 2 * h, x, size, size) for x in (0, 4 * w, 2 * w)] if image_w >= image_h else \
        [TF.crop(clip, y, 2 * w, size, size) for y in (0, 4 * h, 2 * h)]


def flip(clip: torch.Tensor, label: int, policy: str, rng: np.random.Generator, flow: bool = False):
    """Horizontal flip with probability 0.5 under a dataset policy; returns (clip, label).

    none: never (TSM on Something). all: always allowed (Kinetics). exclude: all but the left/right classes (official
    MSNet on Something). swap: flip and swap left/right labels (CPNet, MMAction2). Flow stacks (x, y channel pairs)
    get their x component inverted.
    """
    if policy not in FLIP_POLICIES:
        raise BadValue(f"flip policy must be one of {FLIP_POLICIES}, got {policy!r}")
    if policy == "none" or (policy == "exclude" and label in SOMETHING_LEFT_RIGHT) or rng.random() >= 0.5:
        return clip, label
    clip = TF.horizontal_flip(clip)
    if flow:
        clip = clip.clone()
        clip[:, 0::2] = 255 - clip[:, 0::2]
    return clip, SOMETHING_LEFT_RIGHT.get(label, label) if policy == "swap" else label


def normalize(clip: torch.Tensor, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """uint8 -> float in [0, 1] -> (x - mean) / std per channel."""
    return TF.normalize(clip.float().div_(255), list(mean), list(std))


@dataclass(frozen=True)
class ClipTransform:
    """One recipe: ``train`` = resize? -> multi-scale crop -> flip -> normalise; evaluation = resize -> centre crop
    (``crops=1``) or three full-resolution crops (``crops=3``) -> normalise. ``resize`` is a short side or (H, W)."""

    crop: int = 224
    resize: int | tuple[int, int] | None = None
    train: bool = True
    flip: str = "none"
    crops: int = 1
    scales: tuple[float, ...] = SCALES
    flow: bool = False

    def __call__(self, clip: torch.Tensor, label: int, rng: np.random.Generator):
        """(T, C, H, W) uint8 -> ((views, T, C, crop, crop) float, label)."""
        mean, std = (FLOW_MEAN, FLOW_STD) if self.flow else (IMAGENET_MEAN, IMAGENET_STD)
        if self.resize is not None:
            clip = resize(clip, self.resize)
        if self.train:
            clip = multi_scale_crop(clip, self.crop, rng, self.scales)
            clip, label = flip(clip, label, self.flip, rng, self.flow)
            views = [clip]
        elif self.crops == 1:
            views = [center_crop(clip, self.crop)]
        elif self.crops == 3:
            views = three_crops(clip, self.crop)
        else:
            raise BadValue(f"crops must be 1 or 3, got {self.crops}")
        return torch.stack([normalize(v, mean, std) for v in views]), label


def recipe(dataset: str, train: bool, crop: int = 224, flip: str | None = None, crops: int = 1,
           flow: bool = False) -> ClipTransform:
    """The official transforms of a dataset family, with every size scaled by ``crop / 224``; ``flow``: inputs are
    stacked flow fields (TSN's flow normalisation; a flip inverts x; resizing rescales the field, not its values,
    as TSN's ``GroupScale`` on the flow JPEGs does).

    Something-Something: resize to 240x320 first, no flip (TSM) unless ``flip`` (a training recipe's flip policy,
    :data:`FLIP_POLICIES`) says otherwise; evaluation centre crop. Kinetics/HMDB-51: short side 256 (evaluation), flip
    allowed unless ``flip`` says otherwise, three full-resolution crops optional.
    """
    scale = crop / 224
    something = dataset in ("ssv1", "ssv2")
    if something:
        size = (_even(240 * scale), _even(320 * scale))
        policy = flip or "none"
    else:
        size = _even(256 * scale)
        policy = flip or "all"
    if train:
        return ClipTransform(crop=crop, resize=size if something else None, train=True, flip=policy, flow=flow)
    if crops == 3:  # full resolution: short side 256, three 256 crops
        full = _even(256 * scale)
        return ClipTransform(crop=full, resize=full, train=False, crops=3, flow=flow)
    return ClipTransform(crop=crop, resize=size, train=False, crops=1, flow=flow)


def _even(x: float) -> int:
    return int(round(x / 2) * 2)
