"""What every provider format shares: the parsed entry, the bad-input policy, class-index conventions."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from msnet.core.errors import BadValue


class DataError(BadValue):
    """Bad input in strict mode; the message names the file (and line where there is one)."""


@dataclass(frozen=True)
class Entry:
    """One labelled video of a split, as the provider lists it."""

    class_name: str
    media: str  # frame folder or video file, relative to the dataset root
    where: str  # "file:line" of the annotation, for error messages


@dataclass
class Problems:
    """Bad lines: strict mode raises at the first, lenient mode counts and keeps every one for the reports."""

    strict: bool = True
    skipped: list[dict] = field(default_factory=list)

    def report(self, where: str, reason: str, text: str = "") -> None:
        message = f"{where}: {reason}" + (f": {text!r}" if text else "")
        if self.strict:
            raise DataError(message + " (use lenient mode to skip and count such lines)")
        self.skipped.append({"where": where, "reason": reason, "text": text})


@dataclass
class Parsed:
    """A split as the provider describes it: classes in the provider's order and the entries."""

    classes: list[str]
    entries: list[Entry]


def class_index(classes: list[str], order: str) -> dict[str, int]:
    """Class name -> index. 'sorted' is the TSM/MSNet convention (alphabetical), 'provider' keeps the file's order.

    The two differ on SSv1 (its labels file is not sorted); MSNet's flip exclusions {86, 87, 93, 94, 166, 167} are
    only right under 'sorted'.
    """
    if order == "sorted":
        return {name: i for i, name in enumerate(sorted(classes))}
    if order == "provider":
        return {name: i for i, name in enumerate(classes)}
    raise BadValue(f"class order must be 'sorted' or 'provider', got {order!r}")


def read_json(path: Path):
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: annotation file not found") from None
    except json.JSONDecodeError as err:
        raise DataError(f"{path}:{err.lineno}: unreadable JSON ({err.msg}, column {err.colno})") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason})") from None


def read_lines(path: Path) -> list[tuple[int, str]]:
    """(1-based line number, text) of the non-blank lines."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise DataError(f"{path}: annotation file not found") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err.reason})") from None
    return [(i, line.strip()) for i, line in enumerate(text.splitlines(), 1) if line.strip()]


def read_csv_rows(path: Path, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """(1-based line number, fields) of the non-blank CSV rows, quotes handled as the csv module does."""
    lines = read_lines(path)
    rows = csv.reader((text for _, text in lines), delimiter=delimiter)
    return [(number, fields) for (number, _), fields in zip(lines, rows)]


def write_text(path: Path, lines: list[str]) -> None:
    """Write lines atomically (a killed job leaves no half-written annotation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text("".join(line + "\n" for line in lines))
    tmp.replace(path)


def check_classes(names: list[str], where: str, problems: Problems) -> list[str]:
    """Drop blank and duplicate class names (each reported)."""
    seen, kept = set(), []
    for number, name in enumerate(names, 1):
        if not name:
            problems.report(f"{where}:{number}", "empty class name")
        elif name in seen:
            problems.report(f"{where}:{number}", "duplicate class name", name)
        else:
            seen.add(name)
            kept.append(name)
    return kept
