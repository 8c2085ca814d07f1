"""How good and how fast the two TV-L1 paths are: end-point error against the synthetic benchmark's exact motion,
and the time of an 8-pair 224x224 clip, both paths side by side in one process.

EPE (mean over pixels of the Euclidean distance to the ground-truth displacement, in pixels) is reported over all
pixels and over moving pixels (ground truth at least 0.5 px), for the raw float flow and for what training reads
(bound-20 JPEG round trip), next to the zero-flow baseline. The two implementations share the algorithm and
defaults; the check is that the PyTorch one's EPE is within 10 % of OpenCV's. Speed is the median of interleaved
runs (OpenCV, then PyTorch, alternating), reported as a ratio measured in the same run.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from msnet.data.flow_store import dequantize, quantize
from msnet.flow.tvl1_opencv import flow_pairs
from msnet.flow.tvl1_torch import TVL1Params, tvl1

MOVING = 0.5  # px: a pixel counts as moving from this ground-truth displacement on
TOLERANCE = 0.10  # the PyTorch path's EPE may differ from OpenCV's by this fraction


def _gray(frames: np.ndarray) -> np.ndarray:
    import cv2

    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def endpoint_errors(flow: np.ndarray, truth: np.ndarray) -> dict:
    """EPE over all pixels and over moving ones; (N, H, W, 2) arrays."""
    error = np.linalg.norm(flow - truth, axis=-1)
    moving = np.linalg.norm(truth, axis=-1) >= MOVING
    return {"all": float(error.mean()), "moving": float(error[moving].mean()) if moving.any() else None}


def accuracy(videos: int = 8, pairs: int = 8, seed: int = 1000, size: tuple[int, int] | None = None) -> dict:
    """EPE of both paths on ``videos`` synthetic videos (their first ``pairs`` pairs), at the benchmark's size."""
    from msnet.data.synthetic import SynthConfig, generate_video, ground_truth_flow

    cfg = SynthConfig() if size is None else SynthConfig(height=size[0], width=size[1])
    truth, ours, reference = [], [], []
    for index in range(videos):
        video = generate_video(cfg, seed, index)
        gray = _gray(video.frames[:pairs + 1])
        truth.append(ground_truth_flow(video.affine[:pairs + 1], video.ids[:pairs + 1]))
        reference.append(flow_pairs(gray))
        frames = torch.from_numpy(gray)
        ours.append(tvl1(frames[:-1], frames[1:]).permute(0, 2, 3, 1).numpy())
    truth, ours, reference = (np.concatenate(x) for x in (truth, ours, reference))
    stored = {name: endpoint_errors(dequantize(quantize(flow)), truth)
              for name, flow in (("opencv", reference), ("torch", ours))}
    epe = {"opencv": endpoint_errors(reference, truth), "torch": endpoint_errors(ours, truth),
           "zero_flow": endpoint_errors(np.zeros_like(truth), truth)}
    relative = abs(epe["torch"]["all"] - epe["opencv"]["all"]) / epe["opencv"]["all"]
    return {"videos": videos, "pairs_per_video": pairs, "seed": seed, "size": [cfg.height, cfg.width],
            "epe": epe, "epe_after_jpeg": stored,
            "torch_vs_opencv_mean_difference_px": float(np.linalg.norm(ours - reference, axis=-1).mean()),
            "epe_relative_difference": relative, "within_tolerance": relative <= TOLERANCE,
            "tolerance": TOLERANCE, "moving_threshold_px": MOVING}


def speed(pairs: int = 8, size: int = 224, runs: int = 3, device: str = "cpu") -> dict:
    """Median time of ``pairs`` pairs at ``size`` x ``size``: OpenCV (CPU) and PyTorch (``device``), interleaved."""
    import cv2

    from msnet.flow.timing import clip_frames

    frames = clip_frames(size, pairs)
    gray = frames.numpy()
    on_device = frames.to(device)
    synchronise = torch.cuda.synchronize if on_device.is_cuda else (lambda: None)

    def run_torch():
        tvl1(on_device[:-1], on_device[1:])
        synchronise()

    times = {"opencv": [], "torch": []}
    for _ in range(runs):
        for name, fn in (("opencv", lambda: flow_pairs(gray)), ("torch", run_torch)):
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    median = {name: statistics.median(values) for name, values in times.items()}
    return {"pairs": pairs, "size": size, "runs": runs, "torch_device": str(on_device.device),
            "torch_threads": torch.get_num_threads(), "opencv_threads": cv2.getNumThreads(),
            "times_ms": times, "median_ms": median,
            "ms_per_pair": {name: m / pairs for name, m in median.items()},
            "torch_time_vs_opencv": median["torch"] / median["opencv"]}


def flow_quality(videos: int = 8, pairs: int = 8, speed_pairs: int = 8, speed_size: int = 224, runs: int = 3,
                 device: str = "cpu") -> dict:
    return {"params": TVL1Params().to_dict(), "accuracy": accuracy(videos, pairs),
            "speed": speed(speed_pairs, speed_size, runs, device)}
