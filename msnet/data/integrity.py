"""Is a listed video, frame folder or flow folder complete? Truncated downloads and folders with gaps are named.

A truncated download is the commonest defect of a Kinetics copy. When the container's index sits at the front of the
file (as in YouTube's MP4s), the cut file still opens and still *declares* its full length, while only the frames
before the cut can be read; decord then refuses the whole file, while a count of what can be read would make the
video look short but valid. So the count of video packets present is compared with the count the container declares:
the stream's frame count where the container stores one (MP4, AVI), else its duration times its frame rate (WebM).
Packets, not decoded frames, are compared: an MP4 cut by stream copy keeps pre-roll packets that its edit list hides
from decoding, and would look truncated by its decoded count.

Tolerance: a video is truncated when fewer than ``declared - max(2, 2 % of declared)`` packets are present. A real
H.264 MP4 has been seen to declare one frame more than it holds, and a duration-derived count rounds; a cut download
loses far more (an MP4 cut to its first 300 KB: 217 declared, 27 decodable).

A numbered folder (frames ``00001.jpg``..., flow ``flow_x_00001.jpg``...) is complete when its numbers run from 1
without a gap: a gap is named by its first missing file.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from msnet.data.formats.common import DataError

TOLERANCE_FRAMES = 2
TOLERANCE_FRACTION = 0.02


class IncompleteMedia(DataError):
    """A video or numbered folder that holds less than it should. ``reason`` is the short label counted in lenient
    mode ("truncated", "frame gap", "flow gap"); the message names the file."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def shortfall_tolerance(declared: int) -> int:
    return max(TOLERANCE_FRAMES, math.ceil(TOLERANCE_FRACTION * declared))


def check_not_truncated(path: Path, declared: int, present: int, decoded: int | None = None) -> None:
    """Raise :class:`IncompleteMedia` when ``present`` packets fall short of the ``declared`` frames beyond the
    tolerance; ``declared`` 0 means the container says nothing, so nothing can be checked."""
    if declared and present < declared - shortfall_tolerance(declared):
        found = f"decoded {decoded}" if decoded is not None else f"{present} packets present"
        raise IncompleteMedia(f"{path}: truncated: declared {declared}, {found}", reason="truncated")


def count_numbered(folder: Path, template: str, what: str = "frame") -> int:
    """Number of ``what`` files ``template.format(1..n)`` in ``folder``; a gap is :class:`IncompleteMedia` ("<what>
    gap") naming the first missing file, an empty folder a :class:`DataError`."""
    head, tail = template.split("{", 1)
    width = int(re.match(r":0?(\d+)d}", tail).group(1))
    rest = tail.split("}", 1)[1]
    pattern = re.compile(f"^{re.escape(head)}(\\d{{{width}}}){re.escape(rest)}$")
    numbers = sorted(int(m.group(1)) for p in folder.iterdir() if (m := pattern.match(p.name)))
    if not numbers:
        raise DataError(f"{folder}: no files named like {template.format(1)}")
    if numbers[0] != 1 or len(numbers) != numbers[-1]:
        present = set(numbers)
        gap = next(i for i in range(1, numbers[-1] + 1) if i not in present)
        raise IncompleteMedia(f"{folder / template.format(gap)}: missing {what} file ({len(numbers)} of "
                              f"{numbers[-1]} present)", reason=f"{what} gap")
    return numbers[-1]
