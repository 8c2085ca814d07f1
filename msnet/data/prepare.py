"""``prepare``: providers' annotation files -> the lists every loader reads, with every bad or missing input accounted.

Output folder:
  classes.txt           ``<index> <name>`` in the chosen convention (sorted by default, as TSM/MSNet)
  listed/<split>.txt    ``<media> <num_frames> <label>`` (TSM's list format; media relative to the dataset root)
  missing.txt           listed videos whose file or folder does not exist (Kinetics copies always lack some)
  skipped.csv           bad lines and unreadable media skipped in lenient mode (strict mode stops at the first)
  summary.json          counts for the reports, the root, the frame template, the conventions used
The decode check (``decode_check.py``) turns ``listed/`` into the final ``<split>.txt``.
"""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from msnet.core.errors import BadValue
from msnet.core.jsonio import write_json
from msnet.data.formats import SPLITS, DataError, Entry, Problems, class_index, get_format
from msnet.data.formats.common import write_text
from msnet.data.integrity import IncompleteMedia, check_not_truncated, count_numbered
from msnet.data.video_io import VideoError, decode_all, probe

VERIFY = ("header", "decode")


def media_frames(path: Path, template: str | None, verify: str) -> int:
    """Frame count of a frame folder (a gap is an error) or a video: packets with data, or decoded frames with
    verify='decode'; a video holding fewer packets than its container declares is truncated (``integrity.py``)."""
    if template is not None:
        return count_numbered(path, template)
    facts = probe(path)
    if facts.packets == 0:
        raise VideoError(f"{path}: no video packets (empty or truncated file)")
    decoded = None
    if verify == "decode":
        try:
            decoded = len(decode_all(path))
        except VideoError:
            check_not_truncated(path, facts.frames_declared, facts.packets)  # a cut file can fail to decode: say why
            raise
    check_not_truncated(path, facts.frames_declared, facts.packets, decoded)
    return facts.packets if decoded is None else decoded


def prepare(dataset: str, root: str | Path, out: str | Path, class_order: str = "sorted", strict: bool = True,
            verify: str = "header", hmdb_split: int = 1, workers: int = 4, progress: bool = True) -> dict:
    from tqdm import tqdm

    if verify not in VERIFY:
        raise BadValue(f"verify must be one of {VERIFY}, got {verify!r}")
    root, out = Path(root), Path(out)
    if not root.is_dir():
        raise DataError(f"{root}: dataset root not found")
    fmt = get_format(dataset, **({"split_number": hmdb_split} if dataset == "hmdb51" else {}))
    problems = Problems(strict=strict)
    parsed = {split: fmt.parse(root, split, problems) for split in SPLITS}
    classes = parsed["train"].classes
    index = class_index(classes, class_order)
    summary = {"dataset": dataset, "root": str(root.resolve()), "frame_template": fmt.frame_template,
               "class_order": class_order, "strict": strict, "verify": verify, "classes": len(classes), "splits": {}}
    missing_lines = []
    for split in SPLITS:
        entries = parsed[split].entries
        present, missing = [], []
        for entry in entries:
            (present if (root / entry.media).exists() else missing).append(entry)
        missing_lines += [f"{split}\t{e.where}\t{e.media}" for e in missing]

        def measure(entry: Entry):
            try:
                return entry, media_frames(root / entry.media, fmt.frame_template, verify), None
            except (DataError, VideoError, OSError) as err:
                return entry, 0, err

        lines = []
        with ThreadPoolExecutor(workers) as pool:
            results = pool.map(measure, present)
            for entry, frames, error in tqdm(results, total=len(present), desc=f"prepare {dataset} {split}",
                                             unit="video", disable=not progress):
                if error:
                    reason = error.reason if isinstance(error, IncompleteMedia) else "unreadable media"
                    problems.report(entry.where, reason, str(error))
                elif entry.class_name not in index:
                    problems.report(entry.where, "class not in the training classes", entry.class_name)
                else:
                    lines.append(f"{entry.media} {frames} {index[entry.class_name]}")
        write_text(out / "listed" / f"{split}.txt", lines)
        summary["splits"][split] = {"listed": len(entries), "written": len(lines), "missing": len(missing)}
    write_text(out / "classes.txt", [f"{i} {name}" for name, i in sorted(index.items(), key=lambda kv: kv[1])])
    write_text(out / "missing.txt", missing_lines)
    _write_skipped(out / "skipped.csv", problems.skipped)
    summary["skipped"] = len(problems.skipped)
    summary["skipped_by_reason"] = _count_by(problems.skipped, "reason")
    write_json(out / "summary.json", summary, indent=2)
    return summary


def _write_skipped(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["where", "reason", "text"])
        writer.writeheader()
        writer.writerows(rows)


def _count_by(rows: list[dict], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[key]] = counts.get(row[key], 0) + 1
    return counts


def read_list(path: str | Path) -> list[tuple[str, int, int]]:
    """``(media, num_frames, label)`` of a list file; media may contain spaces (the last two fields are numbers)."""
    out = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rsplit(maxsplit=2)
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            raise DataError(f"{path}:{number}: expected '<media> <num_frames> <label>': {line!r}")
        out.append((parts[0], int(parts[1]), int(parts[2])))
    return out
