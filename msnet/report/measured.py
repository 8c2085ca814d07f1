"""Measured results, loaded from the JSON files the workflow writes, keyed by kind, row and spec.

Kinds: ``cost`` (``python -m msnet cost``) and ``runtime`` (``python -m msnet runtime``).
A result for a model without an MS module is spec-independent and answers for both
specs. Ensemble rows (the paper's "En" models) are the sums of their members' costs.
"""

from __future__ import annotations

import json
from pathlib import Path

from msnet.core.errors import BadValue
from msnet.models.facts import models_have

SPECS = ("official", "paper")
SUMMED = ("gflops", "gflops_thop", "mparams")  # what an ensemble adds up over its members


def spec_of(record: dict) -> str:
    return ((record.get("overrides") or {}).get("ms") or {}).get("spec", "official")


def kind_of(record: dict) -> str:
    return "runtime" if "median_ms" in record else "cost"


class Measured:
    """Result records by ``(kind, row, spec)``."""

    def __init__(self, records: list[dict]):
        self._by_key: dict[tuple[str, str, str], dict] = {}
        for record in records:
            if "row" not in record:
                raise BadValue(f"result for {record.get('model')} has no 'row' id (run it through the workflow)")
            self._by_key[(kind_of(record), record["row"], spec_of(record))] = record

    @classmethod
    def from_files(cls, paths: list[str | Path]) -> "Measured":
        records = []
        for path in paths:
            try:
                records.append(json.loads(Path(path).read_text()))
            except json.JSONDecodeError as err:
                raise BadValue(f"{path}: not valid JSON ({err})") from err
        return cls(records)

    def add_ensembles(self, ensembles: dict[str, list[str]]) -> None:
        for row, members in ensembles.items():
            for spec in SPECS:
                parts = [self.get(m, spec) for m in members]
                if all(parts):
                    self._by_key[("cost", row, spec)] = {
                        "row": row,
                        "model": " + ".join(p["model"] for p in parts),
                        "members": members,
                        "params_ms": sum(p.get("params_ms", 0) for p in parts),
                        **{k: sum(p[k] for p in parts) for k in SUMMED},
                    }

    def get(self, row: str, spec: str = "official", kind: str = "cost") -> dict | None:
        record = self._by_key.get((kind, row, spec))
        if record is None and spec != "official":
            base = self._by_key.get((kind, row, "official"))
            if base is not None and not self._has_ms(row):
                return base  # no MS module: the spec does not change the model
        return record

    def _has_ms(self, row: str) -> bool:
        record = self._by_key.get(("cost", row, "official")) or self._by_key.get(("runtime", row, "official"))
        return record is not None and models_have(record["model"], "ms")

    def records(self, kind: str) -> list[dict]:
        return [r for (k, _, _), r in self._by_key.items() if k == kind]
