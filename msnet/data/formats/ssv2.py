"""Something-Something V2: WebM (VP9) videos ``<id>.webm``; labels JSON (name -> index as a string); JSON lists of
``{id, label, template, placeholders}`` whose class is the template with its brackets removed."""

from __future__ import annotations

import json
from pathlib import Path

from msnet.data.formats.base import Format, Record
from msnet.data.formats.common import Entry, Parsed, Problems, read_json, write_text
from msnet.data.motion_classes import template

PREFIX = "something-something-v2"
VIDEOS = "20bn-something-something-v2"
SPLIT_FILES = {"train": "train", "val": "validation"}


class SSv2(Format):
    name = "ssv2"
    media = ".webm"

    def media_path(self, root: Path, record: Record) -> Path:
        return root / VIDEOS / f"{record.key}.webm"

    def write_annotations(self, root: Path, classes: list[str], records: list[Record]) -> None:
        # The provider's labels JSON is in sorted order with string indices.
        labels = {name: str(i) for i, name in enumerate(sorted(classes))}
        write_text(root / "labels" / f"{PREFIX}-labels.json", [json.dumps(labels, indent=1)])
        for split, stem in SPLIT_FILES.items():
            items = [
                {"id": r.key, "label": r.class_name.replace("something", "a synthetic object"),
                 "template": template(r.class_name), "placeholders": ["a synthetic object"]}
                for r in records if r.split == split
            ]
            write_text(root / "labels" / f"{PREFIX}-{stem}.json", [json.dumps(items, indent=1)])

    def parse(self, root: Path, split: str, problems: Problems) -> Parsed:
        labels_path = root / "labels" / f"{PREFIX}-labels.json"
        labels = read_json(labels_path)
        if not isinstance(labels, dict):
            problems.report(str(labels_path), "expected an object mapping class names to indices")
            labels = {}
        classes = sorted(labels, key=lambda name: int(labels[name]) if str(labels[name]).isdigit() else 1 << 30)
        path = root / "labels" / f"{PREFIX}-{SPLIT_FILES[split]}.json"
        items = read_json(path)
        if not isinstance(items, list):
            problems.report(str(path), "expected a JSON list of videos")
            items = []
        entries = []
        for number, item in enumerate(items, 1):
            where = f"{path}:item {number}"
            if not isinstance(item, dict) or "id" not in item or "template" not in item:
                problems.report(where, "expected an object with 'id' and 'template'", str(item)[:80])
                continue
            name = str(item["template"]).replace("[", "").replace("]", "")
            if name not in labels:
                problems.report(where, f"unknown class (not in {labels_path.name})", name)
                continue
            key = str(item["id"])
            entries.append(Entry(name, f"{VIDEOS}/{key}.webm", where))
        return Parsed(classes, entries)
