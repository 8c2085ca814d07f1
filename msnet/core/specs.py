"""A stage's input as one spec: a JSON object whose keys are the fields of the stage's config dataclass.

The workflow writes the spec from the config (whose keys are the same names), the stage builds its dataclass from it
with :func:`from_spec`: a value keeps its name from config file to constructor, and nothing is re-spelled as flags.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from pathlib import Path
from typing import TypeVar

from msnet.core.errors import BadValue, MissingFile, UnknownOption

T = TypeVar("T")


def read_spec(text: str) -> dict:
    """A spec given inline (``{...}``) or as the path of a JSON file."""
    if not text.lstrip().startswith(("{", "[")):
        path = Path(text)
        if not path.is_file():
            raise MissingFile(f"{path}: spec file not found (give a JSON object or the path of one)")
        text = path.read_text()
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadValue(f"spec is not valid JSON: {err}") from err
    if not isinstance(spec, dict):
        raise BadValue(f"a spec is a JSON object, got {type(spec).__name__}")
    return spec


def from_spec(cls: type[T], spec: dict, what: str) -> T:
    """``cls(**spec)``, naming unknown keys (with the accepted ones) and missing required ones."""
    declared = fields(cls)
    unknown = sorted(set(spec) - {f.name for f in declared})
    if unknown:
        raise UnknownOption(f"{what}: unknown key(s) {unknown}; accepted: {sorted(f.name for f in declared)}")
    missing = [f.name for f in declared
               if f.default is MISSING and f.default_factory is MISSING and f.name not in spec]
    if missing:
        raise BadValue(f"{what}: missing key(s) {missing}")
    return cls(**spec)
