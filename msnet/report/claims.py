"""The paper's numbers and claims, as data (``claims.yaml``); nothing here is measured."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_CLAIMS = Path(__file__).with_name("claims.yaml")


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path) as f:
        return yaml.safe_load(f)


def load_claims(path: str | Path | None = None) -> dict:
    """Parsed claims file (the packaged one by default)."""
    return _load(str(path or DEFAULT_CLAIMS))


def table_rows(claims: dict, table: str) -> list[dict]:
    return claims["tables"][table]["rows"]
