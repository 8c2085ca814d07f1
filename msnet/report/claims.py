"""The paper's numbers and claims, as data (``claims.yaml``); nothing here is measured."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_CLAIMS = Path(__file__).with_name("claims.yaml")


COST_COLUMNS = ("gflops", "mparams")


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path) as f:
        return yaml.safe_load(f)


def load_claims(path: str | Path | None = None) -> dict:
    """Parsed claims file (the packaged one by default)."""
    return _load(str(path or DEFAULT_CLAIMS))


def table_rows(claims: dict, table: str) -> list[dict]:
    return claims["tables"][table]["rows"]


def paper_value_of(claims: dict, row: str, metric: str) -> float | None:
    """The paper's printed ``metric`` of table row ``row`` (the first table that prints it), else None."""
    for table in claims["tables"].values():
        for entry in table["rows"]:
            if entry["id"] == row and entry["values"].get(metric) is not None:
                return entry["values"][metric]
    return None


def cost_sections(claims: dict) -> list[str]:
    """The tables and figures with a cost column (a cost report each): tables with FLOPs or parameter columns, and
    figures that list rows (Fig. 1 plots Table 1's)."""
    tables = [name for name, t in claims["tables"].items() if set(COST_COLUMNS) & set(t["columns"])]
    return tables + [name for name, f in claims["figures"].items() if isinstance(f.get("rows"), list)]
