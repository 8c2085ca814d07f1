"""Something-Something V1: JPEG frame folders ``<id>/%05d.jpg``, a labels CSV (one name per line), ``id;label`` lists."""

from __future__ import annotations

from pathlib import Path

from msnet.data.formats.base import Format, Record
from msnet.data.formats.common import Entry, Parsed, Problems, check_classes, read_lines, write_text

PREFIX = "something-something-v1"
FRAMES = "20bn-something-something-v1"
SPLIT_FILES = {"train": "train", "val": "validation"}


class SSv1(Format):
    name = "ssv1"
    media = "frames"
    frame_template = "{:05d}.jpg"

    def media_path(self, root: Path, record: Record) -> Path:
        return root / FRAMES / record.key

    def write_annotations(self, root: Path, classes: list[str], records: list[Record]) -> None:
        write_text(root / f"{PREFIX}-labels.csv", classes)
        for split, stem in SPLIT_FILES.items():
            write_text(root / f"{PREFIX}-{stem}.csv", [f"{r.key};{r.class_name}" for r in records if r.split == split])

    def parse(self, root: Path, split: str, problems: Problems) -> Parsed:
        labels = root / f"{PREFIX}-labels.csv"
        classes = check_classes([text for _, text in read_lines(labels)], str(labels), problems)
        known = set(classes)
        path = root / f"{PREFIX}-{SPLIT_FILES[split]}.csv"
        entries = []
        for number, text in read_lines(path):
            where = f"{path}:{number}"
            key, sep, name = text.partition(";")
            if not sep or not key.strip().isdigit() or not name.strip():
                problems.report(where, "expected 'id;label' with a numeric id", text)
            elif name.strip() not in known:
                problems.report(where, f"unknown class (not in {labels.name})", name.strip())
            else:
                key = key.strip()
                entries.append(Entry(name.strip(), f"{FRAMES}/{key}", where))
        return Parsed(classes, entries)
