"""TV-L1 time for one clip of a two-stream network: the part of the paper's two-stream run-time (Table 2, "TV-L1
included") that is not the networks.

A clip of T segments with stacks of L fields needs T x L flow fields (consecutive frame pairs). The PyTorch TV-L1
runs them on the measuring device, batched; ``sample`` caps the pairs actually timed (on a CPU, 160 pairs at 224x224
take about a minute): the per-pair time of the timed batch is scaled to the clip and the result says so
(``tvl1_extrapolated``). The frames are a synthetic-benchmark video rendered at the input size, so the iteration
counts (which decide TV-L1's time) are those of real motion rather than of noise.
"""

from __future__ import annotations

import statistics

import numpy as np
import torch

from msnet.flow.tvl1_torch import tvl1


def clip_frames(size: int, pairs: int, seed: int = 0) -> torch.Tensor:
    """``pairs + 1`` grayscale frames (uint8, size x size) of synthetic motion, repeating a 24-frame video."""
    import cv2

    from msnet.data.synthetic import SynthConfig, generate_video

    video = generate_video(SynthConfig(height=size, width=size), seed, 0)
    gray = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in video.frames])
    index = np.arange(pairs + 1) % len(gray)
    return torch.from_numpy(gray[index])


def time_tvl1(pairs: int, size: int, device: torch.device, timer, sample: int = 8, runs: int = 2) -> dict:
    """Median time of TV-L1 over ``min(pairs, sample)`` consecutive pairs, scaled to ``pairs``."""
    timed = min(pairs, sample)
    frames = clip_frames(size, timed).to(device)
    first, second = frames[:-1], frames[1:]
    if device.type == "cuda":
        tvl1(first, second)  # warm-up: CUDA context, kernels
    times = [timer(lambda: tvl1(first, second)) for _ in range(runs)]
    per_pair = statistics.median(times) / timed
    return {"tvl1_pairs_per_clip": pairs, "tvl1_pairs_timed": timed, "tvl1_extrapolated": timed < pairs,
            "tvl1_ms_per_pair": per_pair, "tvl1_ms_per_clip": per_pair * pairs, "tvl1_times_ms": times,
            "tvl1_implementation": "msnet.flow.tvl1_torch (OpenCV's algorithm and defaults)"}
