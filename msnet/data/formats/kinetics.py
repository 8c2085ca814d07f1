"""Kinetics-400: CSV ``label,youtube_id,time_start,time_end,split`` (header; labels may hold spaces and quotes) and
clips ``<youtube_id>_<time_start:06d>_<time_end:06d>.mp4`` anywhere under the root (layouts differ between copies)."""

from __future__ import annotations

from pathlib import Path

from msnet.data.formats.base import Format, Record
from msnet.data.formats.common import DataError, Entry, Parsed, Problems, read_csv_rows, write_text

ANNOTATIONS = "kinetics400/annotations"
SPLIT_FILES = {"train": "train", "val": "validate"}
HEADER = ["label", "youtube_id", "time_start", "time_end", "split"]
VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm")
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


def clip_stem(youtube_id: str, start: int, end: int) -> str:
    return f"{youtube_id}_{start:06d}_{end:06d}"


class Kinetics(Format):
    name = "kinetics"
    media = ".mp4"

    def class_name(self, motion_name: str) -> str:
        return motion_name.lower()

    def key(self, index: int, rng) -> str:
        youtube_id = "".join(rng.choice(list(_ID_ALPHABET), size=11))
        start = int(rng.integers(0, 300))
        return clip_stem(youtube_id, start, start + 10)

    def media_path(self, root: Path, record: Record) -> Path:
        return root / "kinetics400" / record.split / f"{record.key}.mp4"

    def write_annotations(self, root: Path, classes: list[str], records: list[Record]) -> None:
        import csv
        import io

        for split, stem in SPLIT_FILES.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(HEADER)
            for r in records:
                if r.split == split:
                    youtube_id, start, end = r.key[:11], int(r.key[12:18]), int(r.key[19:25])
                    writer.writerow([r.class_name, youtube_id, start, end, stem])
            write_text(root / ANNOTATIONS / f"{stem}.csv", buffer.getvalue().splitlines())

    def parse(self, root: Path, split: str, problems: Problems) -> Parsed:
        rows = self._rows(root, split)
        clips = _index_clips(root)
        entries = []
        for where, fields in rows:
            if not _well_formed(fields):
                problems.report(where, "expected label,youtube_id,time_start,time_end,split", ",".join(fields))
                continue
            stem = clip_stem(fields[1].strip(), int(fields[2]), int(fields[3]))
            media = clips.get(stem)
            rel = str(media.relative_to(root)) if media else f"kinetics400/{split}/{stem}.mp4"
            entries.append(Entry(fields[0], rel, where))
        # Kinetics ships no class list: the classes are every label of the train and validation files, sorted.
        both = rows + [row for s in SPLIT_FILES if s != split for row in self._rows(root, s)]
        classes = {fields[0] for _, fields in both if _well_formed(fields)}
        return Parsed(sorted(classes), entries)

    @staticmethod
    def _rows(root: Path, split: str) -> list[tuple[str, list[str]]]:
        """("file:line", fields) of a split's CSV after checking its header."""
        path = root / ANNOTATIONS / f"{SPLIT_FILES[split]}.csv"
        rows = read_csv_rows(path)
        if not rows or [f.strip() for f in rows[0][1][:5]] != HEADER:
            raise DataError(f"{path}:1: expected the header {','.join(HEADER)}[,is_cc]")
        return [(f"{path}:{number}", fields) for number, fields in rows[1:]]


def _well_formed(fields: list[str]) -> bool:
    return len(fields) >= 4 and bool(fields[0]) and fields[2].strip().isdigit() and fields[3].strip().isdigit()


def _index_clips(root: Path) -> dict[str, Path]:
    """Clip stem -> file, for every video under the root."""
    return {p.stem: p for p in (root / "kinetics400").rglob("*") if p.suffix in VIDEO_SUFFIXES and ".partial" not in p.name}
