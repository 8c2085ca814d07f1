"""Result files written atomically: a killed job never leaves half a JSON that a rerun would take as done."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path


def strict_json(value: object) -> object:
    """``value`` as strict JSON allows it: non-finite floats as strings, tuples as lists, keys as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def write_json(path: str | Path, obj: object, *, indent: int = 2, strict: bool = False) -> Path:
    """Write ``obj`` to ``path`` (parents created) through a temporary file in the same folder and ``os.replace``.

    ``strict``: non-finite floats become strings (a report other tools must parse); otherwise they are written as
    Python's ``json`` writes them (``NaN``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # one writer per process; the umask's permissions
    try:
        tmp.write_text(json.dumps(strict_json(obj) if strict else obj, indent=indent, allow_nan=not strict) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
