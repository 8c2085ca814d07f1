"""Which frames a clip takes: the TSN/TSM/MSNet formulas (official-code.md §2.3), 1-based frame ids.

``n`` frames in the video, ``T`` segments, ``L`` consecutive frames per segment (``new_length``: 1 for RGB, 5 for
flow stacks). Every function returns the start id of each segment, shape (clips, T); a segment reads ids
``start .. start + L - 1`` clamped to ``n`` (:func:`expand`).
"""

from __future__ import annotations

import numpy as np

from msnet.core.errors import BadValue

DENSE_WINDOW = 64  # I3D-style window of the dense protocol (Kinetics)


def segment_train(n: int, T: int, rng: np.random.Generator, L: int = 1) -> np.ndarray:
    """TSN training sampling: one random frame inside each of T equal segments."""
    average = (n - L + 1) // T
    if average > 0:
        idx = np.arange(T) * average + rng.integers(average, size=T)
    elif n > T:
        idx = np.sort(rng.integers(n - L + 1, size=T))
    else:
        idx = np.zeros(T, dtype=np.int64)
    return idx[None] + 1


def segment_val(n: int, T: int, L: int = 1) -> np.ndarray:
    """TSN validation sampling: the centre frame of each segment (all frame 1 when the video is too short)."""
    if n > T + L - 1:
        tick = (n - L + 1) / T
        idx = np.array([int(tick / 2 + tick * k) for k in range(T)])
    else:
        idx = np.zeros(T, dtype=np.int64)
    return idx[None] + 1


def segment_test(n: int, T: int, L: int = 1, twice: bool = False) -> np.ndarray:
    """TSN test sampling: centres without the length check; ``twice`` adds the segment starts as a second clip."""
    tick = (n - L + 1) / T
    clips = [[int(tick / 2 + tick * k) for k in range(T)]]
    if twice:
        clips.append([int(tick * k) for k in range(T)])
    return np.array(clips) + 1


def segment_random_clips(n: int, T: int, clips: int, rng: np.random.Generator, L: int = 1) -> np.ndarray:
    """``clips`` independent training-style samples: the paper's 10-clip Something-Something test (MSNet issue #16)."""
    return np.concatenate([segment_train(n, T, rng, L) for _ in range(clips)])


def dense(n: int, T: int, rng: np.random.Generator, window: int = DENSE_WINDOW) -> np.ndarray:
    """Dense sampling: T frames at stride window/T from a start drawn in ``[0, n - window - 1]`` (TSM's and MSNet's
    ``randint(0, span - 1)``; 0 when the video is no longer than the window). Training, and 1-clip validation
    (``dense_val``) as both released codes do it for every validation clip."""
    span, stride = max(1, 1 + n - window), window // T
    start = 0 if span == 1 else int(rng.integers(0, span - 1))
    return ((np.arange(T) * stride + start) % n)[None] + 1


def dense_test(n: int, T: int, clips: int = 10, window: int = DENSE_WINDOW) -> np.ndarray:
    """Dense test sampling: ``clips`` windows with starts spread uniformly over the video."""
    span, stride = max(1, 1 + n - window), window // T
    starts = np.linspace(0, span - 1, clips).astype(np.int64)
    return (starts[:, None] + np.arange(T)[None] * stride) % n + 1


def uniform_test(n: int, T: int, clips: int = 10) -> np.ndarray:
    """``clips`` uniform clips: segment centres shifted by equal fractions of a segment (Kinetics/HMDB 10-clip test)."""
    tick = n / T
    offsets = (np.arange(clips) + 0.5) / clips
    idx = np.floor((np.arange(T)[None] + offsets[:, None]) * tick).astype(np.int64)
    return np.minimum(idx, n - 1) + 1


def expand(starts: np.ndarray, n: int, L: int = 1) -> np.ndarray:
    """Segment starts (clips, T) -> frame ids (clips, T*L): L consecutive frames per segment, clamped to n."""
    ids = starts[..., None] + np.arange(L)
    return np.minimum(ids, n).reshape(starts.shape[0], -1)


def sample(protocol: str, n: int, T: int, rng: np.random.Generator, L: int = 1, clips: int = 10) -> np.ndarray:
    """Frame ids (clips, T*L) for a named protocol: train | val | test | twice | random_clips | dense | dense_val | dense_test |
    uniform_test."""
    if n < 1:
        raise BadValue(f"a video with {n} frames cannot be sampled")
    starts = {
        "train": lambda: segment_train(n, T, rng, L),
        "val": lambda: segment_val(n, T, L),
        "test": lambda: segment_test(n, T, L),
        "twice": lambda: segment_test(n, T, L, twice=True),
        "random_clips": lambda: segment_random_clips(n, T, clips, rng, L),
        "dense": lambda: dense(n, T, rng),
        "dense_val": lambda: dense(n, T, rng),
        "dense_test": lambda: dense_test(n, T, clips),
        "uniform_test": lambda: uniform_test(n, T, clips),
    }
    if protocol not in starts:
        raise BadValue(f"unknown sampling protocol {protocol!r}; known: {', '.join(starts)}")
    return expand(starts[protocol](), n, L)
