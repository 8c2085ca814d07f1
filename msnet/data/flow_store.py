"""Flow fields as 8-bit JPEG pairs, the storage of TSN's ``dense_flow`` (and of every TSN/TSM two-stream baseline).

Each component is clipped to [-bound, bound] (bound 20 in ``build_of.py``), mapped to ``round(255 (v + bound) /
(2 bound))`` (``cvRound``: half to even) and written as a grayscale JPEG at OpenCV's default quality 95:
``flow_x_%05d.jpg`` and ``flow_y_%05d.jpg``, 1-based, field k going from frame k to frame k + 1. Decoding inverts
the mapping; the round trip loses at most half a step (0.078 px at bound 20) plus JPEG error.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from msnet.data.formats import DataError
from msnet.data.integrity import count_numbered

BOUND = 20.0
TEMPLATES = ("flow_x_{:05d}.jpg", "flow_y_{:05d}.jpg")
JPEG_QUALITY = 95  # cv2.imencode's default, what dense_flow writes


def quantize(flow: np.ndarray, bound: float = BOUND) -> np.ndarray:
    """Float flow (any shape) -> uint8, 128 ~ zero motion."""
    scaled = 255.0 * (np.clip(flow, -bound, bound) + bound) / (2.0 * bound)
    return np.rint(scaled).astype(np.uint8)


def dequantize(pixels: np.ndarray, bound: float = BOUND) -> np.ndarray:
    """uint8 -> float flow in pixels (the inverse mapping of :func:`quantize`)."""
    return pixels.astype(np.float32) * (2.0 * bound / 255.0) - bound


def write_flow_jpegs(folder: Path, flows: np.ndarray, bound: float = BOUND, start: int = 1) -> None:
    """(N, H, W, 2) float flow -> ``flow_x_%05d.jpg`` / ``flow_y_%05d.jpg`` numbered from ``start``."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    pixels = quantize(flows, bound)
    for k, field in enumerate(pixels, start):
        for component, template in enumerate(TEMPLATES):
            path = folder / template.format(k)
            ok = cv2.imwrite(str(path), np.ascontiguousarray(field[..., component]),
                             [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                raise OSError(f"{path}: OpenCV could not write the JPEG")


def read_flow_jpegs(folder: Path, indices) -> np.ndarray:
    """Fields at 1-based ``indices``: (N, 2, H, W) uint8 (x, y); a missing, unreadable or mismatched file raises
    :class:`DataError` naming it."""
    import cv2

    out = []
    for k in indices:
        pair = []
        for template in TEMPLATES:
            path = folder / template.format(int(k))
            if not path.is_file():
                raise DataError(f"{path}: missing flow file")
            image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if image is None:
                raise DataError(f"{path}: unreadable JPEG")
            pair.append(image)
        if pair[0].shape != pair[1].shape:
            raise DataError(f"{folder / TEMPLATES[1].format(int(k))}: size {pair[1].shape} differs from its x "
                            f"component's {pair[0].shape}")
        out.append(np.stack(pair))
    return np.stack(out)


def count_fields(folder: Path) -> int:
    """Number of complete (x and y) fields; a gap in either numbering is an ``IncompleteMedia`` ("flow gap") naming
    the missing file, mismatched x/y counts a :class:`DataError`."""
    xs, ys = (count_numbered(folder, template, what="flow") for template in TEMPLATES)
    if xs != ys:
        raise DataError(f"{folder}: {xs} flow_x files but {ys} flow_y files")
    return xs


def video_key(media: str) -> str:
    """The video a list entry stands for, the same for its frames, its video file and its flow folder (what an
    ensemble of an RGB and a flow stream matches scores on): the path after the last ``flow``/``flow_<r>fps``
    folder, else the path itself; suffix dropped."""
    parts = Path(media).parts
    marks = [i for i, part in enumerate(parts) if re.fullmatch(r"flow(_[0-9.]+fps)?", part)]
    if not marks or marks[-1] + 1 == len(parts):
        return str(Path(media).with_suffix(""))
    return str(Path(*parts[marks[-1] + 1:]).with_suffix("")).replace("up/", "../")
