"""Reading the frames of one clip from a frame folder or a video file, as uint8 tensors (T, 3, H, W).

Frame folders are decoded with Pillow (torchvision's image decoders are deprecated since 0.29). Videos go through decord by default (fast random
access; one thread, since the DataLoader workers are the parallelism) or PyAV (sequential, always right). decord is
wrong on some codecs (MPEG-4 Part 2 with B-frames, H.264 in AVI): the decode check finds those files and replaces
them before any loader sees them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from msnet.core.errors import BadValue
from msnet.data.formats import DataError
from msnet.data.video_io import VideoError, decode_indices
from msnet.data.flow_store import TEMPLATES as FLOW_TEMPLATES
from msnet.data.flow_store import read_flow_jpegs

FRAME_TEMPLATES = ("{:05d}.jpg", "img_{:05d}.jpg", "{:06d}.jpg")  # SSv1, extracted frames (TSN/TSM), SSv2 (TSM)
BACKENDS = ("decord", "pyav")


@lru_cache(maxsize=4096)
def frame_template(folder: Path) -> str:
    """The naming scheme of a frame folder, found from its first frame."""
    for template in FRAME_TEMPLATES:
        if (folder / template.format(1)).is_file():
            return template
    raise DataError(f"{folder}: no first frame named like any of {[t.format(1) for t in FRAME_TEMPLATES]}")


def read_frames(folder: Path, indices) -> torch.Tensor:
    """Frames at 1-based ``indices`` of a frame folder: (T, 3, H, W) uint8."""
    from PIL import Image, UnidentifiedImageError

    template = frame_template(folder)
    out = []
    for i in indices:
        path = folder / template.format(int(i))
        try:
            with Image.open(path) as image:
                out.append(np.asarray(image.convert("RGB")))
        except FileNotFoundError:
            raise DataError(f"{path}: missing frame file") from None
        except (UnidentifiedImageError, OSError) as err:
            raise DataError(f"{path}: unreadable JPEG ({err})") from None
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2)


def read_video(path: Path, indices, backend: str = "decord") -> torch.Tensor:
    """Frames at 1-based ``indices`` of a video: (T, 3, H, W) uint8."""
    zero_based = [int(i) - 1 for i in indices]
    if backend == "pyav":
        return torch.from_numpy(decode_indices(path, zero_based)).permute(0, 3, 1, 2)
    if backend != "decord":
        raise BadValue(f"video backend must be one of {BACKENDS}, got {backend!r}")
    try:
        import decord
    except ImportError:
        raise VideoError(f"{path}: decord is not installed (no wheel for this platform?): use backend 'pyav'") from None
    try:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
        if max(zero_based) >= len(reader):
            raise VideoError(f"{path}: frame {max(zero_based) + 1} requested, the video has {len(reader)}")
        batch = reader.get_batch(zero_based).asnumpy()
    except decord.DECORDError as err:
        raise VideoError(f"{path}: decord cannot read it ({str(err).splitlines()[0]})") from None
    return torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2)


def read_clip(path: Path, indices, backend: str = "decord") -> torch.Tensor:
    """Frames at 1-based ``indices`` of a frame folder or a video: (T, 3, H, W); of a flow folder (``flow_x_%05d.jpg``
    and ``flow_y_%05d.jpg``): (T, 2, H, W), x then y."""
    if path.is_dir():
        if (path / FLOW_TEMPLATES[0].format(1)).is_file():
            return torch.from_numpy(read_flow_jpegs(path, indices))
        return read_frames(path, indices)
    if not path.exists():
        raise DataError(f"{path}: video or frame folder not found")
    return read_video(path, indices, backend)
