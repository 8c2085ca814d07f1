"""The interface of a provider format: where files go, how the synthetic writer writes them, how `prepare` parses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from msnet.data.formats.common import Parsed, Problems

SPLITS = ("train", "val")


@dataclass(frozen=True)
class Record:
    """A synthetic video as a format writes it: provider id, class name in the format's style, split."""

    index: int
    key: str
    class_name: str
    split: str
    group: int = 0  # index // classes: the how-many-th video of its class
    label: int = 0  # index % classes: the class in definition order


class Format:
    """One dataset's file layout. Subclasses set the class attributes and implement the four methods."""

    name: str
    media: str  # "frames" or the video suffix
    frame_template: str | None = None  # frame file name for frame-folder datasets, e.g. "{:05d}.jpg"

    def class_name(self, motion_name: str) -> str:
        """The synthetic class name in this provider's style."""
        return motion_name

    def key(self, index: int, rng) -> str:
        """The provider id of synthetic video ``index``."""
        return str(index + 1)

    def media_path(self, root: Path, record: Record) -> Path:
        raise NotImplementedError

    def write_annotations(self, root: Path, classes: list[str], records: list[Record]) -> None:
        raise NotImplementedError

    def parse(self, root: Path, split: str, problems: Problems) -> Parsed:
        raise NotImplementedError
