"""Work over many videos split into shards: one Snakemake job per shard, each resumable, merged by one more job.

Video ``i`` of the sorted work list belongs to shard ``i % shards``. A shard writes ``shard-<i>-of-<n>.json`` (what
it made, what failed and why) beside its outputs; the merge reads every manifest, refusing a missing one by name,
and writes the lists loaders read. Outputs themselves are written whole (a folder is renamed into place when
complete), so a rerun keeps finished videos. Frame extraction and TV-L1 flow both work this way.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence, TypeVar

from msnet.core.errors import BadValue
from msnet.core.jsonio import write_json
from msnet.data.formats import DataError

Item = TypeVar("Item")


def shard_of(items: Sequence[Item], shard: int, shards: int) -> list[Item]:
    """The items shard ``shard`` of ``shards`` works on."""
    if not 0 <= shard < shards:
        raise BadValue(f"shard must be in [0, {shards}), got {shard}")
    return [item for i, item in enumerate(items) if i % shards == shard]


def manifest_path(folder: Path, shard: int, shards: int) -> Path:
    return folder / f"shard-{shard}-of-{shards}.json"


def write_manifest(folder: Path, result: dict) -> Path:
    """``result`` (with its ``shard`` and ``shards``) as the shard's manifest, atomically."""
    return write_json(manifest_path(folder, result["shard"], result["shards"]), result, indent=1)


def read_manifests(folder: Path, shards: int, command: str) -> list[dict]:
    """Every shard's manifest; a missing one names the ``command`` (with ``{shard}``) that writes it."""
    manifests = []
    for shard in range(shards):
        path = manifest_path(folder, shard, shards)
        if not path.exists():
            raise DataError(f"{path}: missing; run `{command.format(shard=f'{shard}/{shards}')}` first")
        manifests.append(json.loads(path.read_text()))
    return manifests


def merged(manifests: list[dict], key: str) -> dict:
    """The union of one per-video mapping (``frames``, ``errors`` ...) over all manifests."""
    out = {}
    for manifest in manifests:
        out.update(manifest.get(key, {}))
    return out


@contextmanager
def written_whole(folder: Path) -> Iterator[Path]:
    """Yield a ``.partial`` sibling to fill; on success it replaces ``folder``, so ``folder`` is always complete."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    yield partial
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
