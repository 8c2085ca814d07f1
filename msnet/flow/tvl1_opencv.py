"""OpenCV's CPU Dual TV-L1 (``cv2.optflow``, opencv-contrib), with its defaults: the reference the PyTorch
implementation is checked against, and the CPU path of flow extraction."""

from __future__ import annotations

import numpy as np


def create(threads: int | None = None):
    """A ``DualTVL1OpticalFlow`` with OpenCV's defaults; ``threads`` sets OpenCV's (process-wide) thread count."""
    try:
        import cv2
        optflow = cv2.optflow
    except (ImportError, AttributeError):
        raise RuntimeError("OpenCV's TV-L1 needs opencv-contrib (pip install opencv-contrib-python-headless)") from None
    if threads is not None:
        cv2.setNumThreads(threads)
    return optflow.DualTVL1OpticalFlow_create()


def flow_pairs(gray: np.ndarray, threads: int | None = None) -> np.ndarray:
    """Flow between consecutive frames of (N, H, W) uint8 grayscale: (N - 1, H, W, 2) float32 (x, y)."""
    algorithm = create(threads)
    return np.stack([algorithm.calc(gray[k], gray[k + 1], None) for k in range(len(gray) - 1)])
