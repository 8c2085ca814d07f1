"""HMDB-51: AVI (DivX/XviD) videos in one folder per class, split files ``<class>_test_split{1,2,3}.txt`` with lines
``<video>.avi <code>``: 1 train, 2 test, 0 unused."""

from __future__ import annotations

from pathlib import Path

from msnet.core.errors import BadValue
from msnet.data.formats.base import Format, Record
from msnet.data.formats.common import DataError, Entry, Parsed, Problems, read_lines, write_text

VIDEOS = "hmdb51/videos"
SPLITS_DIR = "hmdb51/testTrainMulti_7030_splits"
CODES = {"train": "1", "val": "2"}


class HMDB51(Format):
    name = "hmdb51"
    media = ".avi"

    def __init__(self, split_number: int = 1):
        if split_number not in (1, 2, 3):
            raise BadValue(f"HMDB-51 has splits 1, 2 and 3, got {split_number}")
        self.split_number = split_number

    def class_name(self, motion_name: str) -> str:
        return motion_name.lower().replace(" ", "_")

    def key(self, index: int, rng) -> str:
        return f"synthetic_clip_{index + 1:05d}"

    def media_path(self, root: Path, record: Record) -> Path:
        return root / VIDEOS / record.class_name / f"{record.key}.avi"

    def write_annotations(self, root: Path, classes: list[str], records: list[Record]) -> None:
        for number in (1, 2, 3):
            for name in classes:
                lines = [f"{r.key}.avi {_code(r, number)}" for r in records if r.class_name == name]
                write_text(root / SPLITS_DIR / f"{name}_test_split{number}.txt", lines)

    def parse(self, root: Path, split: str, problems: Problems) -> Parsed:
        suffix = f"_test_split{self.split_number}.txt"
        files = sorted((root / SPLITS_DIR).glob(f"*{suffix}"))
        if not files:
            raise DataError(f"{root / SPLITS_DIR}: no *{suffix} split files")
        classes = [f.name[: -len(suffix)] for f in files]  # sorted: HMDB-51 ships no class list
        entries = []
        for name, path in zip(classes, files):
            for number, text in read_lines(path):
                where = f"{path}:{number}"
                parts = text.split()
                if len(parts) != 2 or parts[1] not in ("0", "1", "2") or not parts[0].endswith(".avi"):
                    problems.report(where, "expected '<video>.avi <0|1|2>'", text)
                elif parts[1] == CODES[split]:
                    entries.append(Entry(name, f"{VIDEOS}/{name}/{parts[0]}", where))
        return Parsed(classes, entries)


def _code(record: Record, number: int) -> str:
    """Split ``number`` of the synthetic set: split 1 follows the record's split, 2 and 3 rotate the held-out fifth."""
    if number == 1:
        return CODES[record.split]
    return "2" if (record.group + record.label + number - 1) % 5 == 4 else "1"
