"""The batches of one epoch as index lists: a function of (seed, epoch), split across processes by rank.

Every process derives the same global order, so ``world`` processes with ``batch_size / world`` videos each see the
same global batches as one process with ``batch_size`` (DDP matches single-process training), and a resumed epoch
simply starts at batch ``start``. The last incomplete batch is dropped, as the official loop does.
"""

from __future__ import annotations

import numpy as np

from msnet.core.errors import BadValue


def epoch_batches(n: int, batch_size: int, seed: int, epoch: int, rank: int = 0, world: int = 1,
                  start: int = 0) -> list[list[int]]:
    if batch_size % world:
        raise BadValue(f"batch size {batch_size} must be divisible by the {world} processes")
    full = n // batch_size
    if full == 0:
        raise BadValue(f"{n} training videos make no complete batch of {batch_size}")
    order = np.random.default_rng([seed, epoch, 0x5EED]).permutation(n)
    per = batch_size // world
    return [order[b * batch_size + rank * per: b * batch_size + (rank + 1) * per].tolist() for b in range(start, full)]
