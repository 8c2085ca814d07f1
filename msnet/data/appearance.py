"""Still images of the synthetic benchmark's objects, labelled by appearance: the harness's stand-in for ImageNet.

The paper fine-tunes every model from ImageNet weights; on the synthetic benchmark there is no ImageNet, so the
appearance-pretraining stage (:mod:`msnet.train.pretrain`) trains the 2D backbone on these stills first and every row
fine-tunes from the same weights. A still is one frame as the video renderer draws it (the same backgrounds, shapes,
surface patterns, rim and noise) with the object at a random place, angle and size; its class is what the object
looks like, ``shape x pattern`` (10 classes), never how it moves, so the pretraining favours no motion model.

Image ``i`` depends only on ``(seed, i)``, drawn from ``numpy.random.default_rng([seed, i, 7])``: the stream differs
from the videos' ``[seed, i]``, so no still repeats a training video's first frame.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from msnet.data.synthetic import PATTERNS, SHAPES, Layer, _affine, _background, _object_sprite, render

CLASSES = tuple(f"{shape} {pattern}" for shape in SHAPES for pattern in PATTERNS)


def generate_still(size: int, seed: int, index: int, noise: float = 2.0) -> tuple[torch.Tensor, int]:
    """Still ``index``: a ``(3, size, size)`` uint8 image and its class (an index of :data:`CLASSES`)."""
    rng = np.random.default_rng([seed, index, 7])
    label = index % len(CLASSES)
    shape, pattern = divmod(label, len(PATTERNS))
    background = torch.cat([_background(rng, size, size, rng.uniform(0.2, 1.0)), torch.ones(1, size, size)])
    centre = np.full((1, 2), (size - 1) / 2)
    side = max(6, int(round(rng.uniform(0.25, 0.6) * size)))
    where = rng.uniform(0.25, 0.75, size=(1, 2)) * size
    angle = np.array([rng.uniform(0, 2 * math.pi)])
    layers = [Layer(background, _affine(centre, np.zeros(1), np.zeros(1))),
              Layer(_object_sprite(rng, side, shape, pattern), _affine(where, angle, np.zeros(1)))]
    image, _ = render(layers, size, size)
    pixels = image[0] * 255 + noise * torch.from_numpy(rng.standard_normal(size=(3, size, size), dtype=np.float32))
    return pixels.round().clamp(0, 255).to(torch.uint8), label


def generate_stills(size: int, seed: int, start: int, count: int, noise: float = 2.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Stills ``start .. start + count - 1`` as ``(count, 3, size, size)`` uint8 and their labels."""
    images = torch.empty(count, 3, size, size, dtype=torch.uint8)
    labels = torch.empty(count, dtype=torch.long)
    for i in range(count):
        images[i], labels[i] = generate_still(size, seed, start + i, noise)
    return images, labels
