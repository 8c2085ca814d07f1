"""One registry (as timm and torchvision keep theirs): builders by name, and the checks their options go through.

``@register_model`` records a builder under its function name; the model must have its facts declared in
:mod:`msnet.models.facts`. :func:`msnet.models.factory.create_model` builds one with the caller's keyword arguments
winning over the builder's defaults. Overrides are checked against the model's signature (and, for ``ms``, against
:class:`~msnet.models.ms_module.MotionSqueeze`), so a typo raises instead of being ignored. Dotted overrides
(``ms.patch_size=7``) are parsed by :func:`parse_overrides`. This module imports neither torch nor the builders, so
the workflow can validate rows at parse time cheaply.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Callable, Iterable

import yaml

from msnet.core.errors import BadValue, UnknownOption
from msnet.models.facts import MODELS as DECLARED

if TYPE_CHECKING:
    from torch import nn

BUILDERS: dict[str, Callable[..., "nn.Module"]] = {}

def register_model(fn: Callable[..., "nn.Module"]) -> Callable[..., "nn.Module"]:
    """Decorator: register ``fn`` under its name; a duplicate name, or a model without declared facts, raises."""
    if fn.__name__ in BUILDERS:
        raise ValueError(f"model {fn.__name__!r} is registered twice")
    if fn.__name__ not in DECLARED:
        raise ValueError(f"model {fn.__name__!r} has no facts; declare them in msnet/models/facts.py")
    BUILDERS[fn.__name__] = fn
    return fn


def check_kwargs(target: Callable, kwargs: Iterable[str], what: str, extra: Iterable[str] = ()) -> None:
    """Raise if any of ``kwargs`` is not a keyword-only argument of ``target`` (or in ``extra``)."""
    params = inspect.signature(target).parameters.values()
    accepted = {p.name for p in params if p.kind is p.KEYWORD_ONLY} | set(extra)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise UnknownOption(f"unknown {what} option(s) {unknown}; accepted: {sorted(accepted)}")


def module_options(cls: type, options: dict | None, what: str) -> dict:
    """``options`` checked against ``cls``'s keyword-only arguments, under their own names (no aliases: a value is
    spelled the same from the config to the constructor). ``position`` (where the module goes) is the builder's."""
    options = dict(options or {})
    check_kwargs(cls.__init__, options, what, extra=("position",))
    return options


def checked_inserts(inserts, positions) -> dict:
    """``inserts`` as a dict, raising if a key is not one of the backbone's ``positions``."""
    inserts = dict(inserts or {})
    unknown = sorted(set(inserts) - set(positions))
    if unknown:
        raise BadValue(f"unknown position(s) {unknown}; choose from {tuple(positions)}")
    return inserts


def parse_value(text: str):
    """YAML scalar/list parsing: ``7`` -> 7, ``[res2,res3]`` -> list, ``null`` -> None."""
    return yaml.safe_load(text)


def set_path(tree: dict, dotted: str, value) -> None:
    """``tree[a][b] = value`` for ``dotted`` = ``a.b``, creating the inner groups (``ms.patch_size=7``)."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
        if not isinstance(tree, dict):
            raise BadValue(f"{dotted}: {part} is a value, not a group of arguments")
    tree[leaf] = value


def parse_overrides(items: Iterable[str], into: dict | None = None) -> dict:
    """``["ms.spec=paper", "dropout=0.3"]`` -> ``{"ms": {"spec": "paper"}, "dropout": 0.3}`` (added to ``into``)."""
    out: dict = {} if into is None else into
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BadValue(f"override {item!r} must look like KEY=VALUE (e.g. ms.patch_size=7)")
        set_path(out, key, parse_value(value))
    return out
