"""The experiment manifest: the config's ``rows``, each a model and its constructor arguments, and the paper tables
it appears in.

A row is ``{model, frames, model_args, flow, tables}``. ``model_args`` are the registered builder's keyword arguments
under their own names (``{ms: {patch_size: 3}}``), so a value is spelled the same from the config file to the
constructor. ``tables`` names the tables and figures of ``msnet/report/claims.yaml`` the row is measured for; an
experiment trains "the rows of Table 3" by naming the table. A sweep is one entry: ``sweep: {ms.patch_size: [3, 5]}``
with ``{patch_size}`` in its id makes one row per value (Fig. 4's patch sizes). The workflow, the cost stage and the
trainer all turn a row into constructor arguments with :func:`model_kwargs`. No torch here: the workflow reads this
at parse time.
"""

from __future__ import annotations

import copy
import re
from typing import Iterable

from snakemake.utils import update_config

from msnet.core.errors import BadValue, UnknownName
from msnet.models.facts import model_facts
from msnet.models.registry import set_path

TABLE_ORDER = re.compile(r"(table|fig)(\d+)")


def expand_rows(rows: dict[str, dict]) -> dict[str, dict]:
    """Row id -> row, with every sweep entry expanded into its rows (in the order of its values). A row given
    explicitly under the id a sweep generates (a config on top of config.yaml changing one of them) is merged over
    the generated row, key by key, as Snakemake merges config files."""
    generated = _expand_sweeps({r: row for r, row in rows.items() if row.get("sweep")})
    out: dict[str, dict] = {}
    for row_id, row in rows.items():
        if row.get("sweep"):
            out.update((g, generated[g]) for g in generated if generated[g]["_from"] == row_id and g not in rows)
        elif row_id in generated:
            out[row_id] = copy.deepcopy(generated[row_id])
            update_config(out[row_id], row)
        else:
            out[row_id] = dict(row)
    for row in out.values():
        row.pop("_from", None)
    return out


def _expand_sweeps(rows: dict[str, dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for row_id, row in rows.items():
        sweep = row["sweep"]
        if len(sweep) != 1:
            raise BadValue(f"rows.{row_id}: a sweep varies one argument, got {sorted(sweep)}")
        (path, values), = sweep.items()
        leaf = path.split(".")[-1]
        if f"{{{leaf}}}" not in row_id:
            raise BadValue(f"rows.{row_id}: a sweep over {path} needs {{{leaf}}} in its id, e.g. 'msnet-r18_8f_p{{{leaf}}}'")
        for value in values:
            expanded = {k: copy.deepcopy(v) for k, v in row.items() if k != "sweep"}
            set_path(expanded.setdefault("model_args", {}), path, value)
            out[row_id.replace(f"{{{leaf}}}", str(value))] = {**expanded, "_from": row_id}
    return out


def model_kwargs(row: dict, spec: str | None = None) -> dict:
    """The builder's keyword arguments for a row: its ``model_args``, the MS spec (for a model with an MS module and a
    ``spec``), and a flow stream's input channels (2 per stacked TV-L1 field)."""
    kwargs = copy.deepcopy(row.get("model_args") or {})
    if spec is not None and model_facts(row["model"]).has("ms"):
        kwargs.setdefault("ms", {})["spec"] = spec
    if row.get("flow"):
        channels = kwargs.setdefault("in_channels", 2 * row["flow"]["length"])
        if channels != 2 * row["flow"]["length"]:
            raise BadValue(f"in_channels={channels} contradicts flow length {row['flow']['length']} (2L channels)")
    return kwargs


def table_key(name: str) -> tuple[int, int]:
    """Paper order: Table 1 .. 8, then Fig. 1 ..."""
    match = TABLE_ORDER.fullmatch(name)
    if not match:
        raise BadValue(f"{name!r} is not a table or figure id (table<N> or fig<N>)")
    return (0 if match.group(1) == "table" else 1, int(match.group(2)))


def declared_tables(rows: dict[str, dict]) -> list[str]:
    """Every table and figure some row declares, in paper order."""
    return sorted({t for row in rows.values() for t in row.get("tables", [])}, key=table_key)


def rows_for(rows: dict[str, dict], tables: Iterable[str] = (), ids: Iterable[str] = ()) -> list[str]:
    """An experiment's rows: those declaring one of ``tables`` (manifest order), then ``ids`` not already in."""
    tables, ids = list(tables), list(ids)
    unknown = sorted(set(tables) - set(declared_tables(rows)))
    if unknown:
        raise UnknownName(f"no row declares table(s) {unknown}; declared: {declared_tables(rows)}")
    missing = [r for r in ids if r not in rows]
    if missing:
        raise UnknownName(f"rows {missing} are not in `rows`")
    chosen = [r for r, row in rows.items() if set(row.get("tables", [])) & set(tables)]
    return chosen + [r for r in ids if r not in chosen]
