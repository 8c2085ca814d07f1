"""One registry, one factory (as timm and torchvision do).

``@register_model`` records a builder under its function name; ``create_model(name,
**overrides)`` builds it with the caller's keyword arguments winning over the builder's
defaults. Overrides are checked against the model's signature (and, for ``ms``, against
:class:`~msnet.models.ms_module.MotionSqueeze`), so a typo raises instead of being ignored.
Dotted command-line overrides (``ms.patch_size=7``) are parsed by :func:`parse_overrides`.
"""

from __future__ import annotations

import fnmatch
import inspect
from typing import Callable, Iterable

import yaml
from torch import nn

_MODELS: dict[str, Callable[..., nn.Module]] = {}
_FACTS: dict[str, dict] = {}

# Short names accepted in module overrides (``ms.patch=7``), mapped to constructor arguments.
ALIASES = {"patch": "patch_size", "reduction": "reduction_channels", "iters": "iterations"}


def register_model(fn: Callable[..., nn.Module] | None = None, *, backbone: str | None = None):
    """Decorator: register ``fn`` under its name; a duplicate name raises. ``backbone``: the torchvision 2D network
    whose weights initialise it (``pretrained``: ImageNet's, or the appearance-pretraining stage's), None if none."""

    def register(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if fn.__name__ in _MODELS:
            raise ValueError(f"model {fn.__name__!r} is registered twice")
        _MODELS[fn.__name__] = fn
        _FACTS[fn.__name__] = {"backbone": backbone}
        return fn

    return register if fn is None else register(fn)


def model_facts(name: str) -> dict:
    """What registration declares about model ``name`` (``backbone``)."""
    _import_builders()
    if name not in _FACTS:
        raise KeyError(f"unknown model {name!r}; registered: {', '.join(list_models())}")
    return dict(_FACTS[name])


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching a shell-style pattern, sorted."""
    _import_builders()
    return sorted(name for name in _MODELS if fnmatch.fnmatch(name, pattern))


def create_model(name: str, **overrides) -> nn.Module:
    """Build registered model ``name``; ``overrides`` are its keyword arguments (``None`` = default)."""
    _import_builders()
    if name not in _MODELS:
        raise KeyError(f"unknown model {name!r}; registered: {', '.join(list_models())}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return _MODELS[name](**overrides)


def check_kwargs(target: Callable, kwargs: Iterable[str], what: str, extra: Iterable[str] = ()) -> None:
    """Raise if any of ``kwargs`` is not a keyword-only argument of ``target`` (or in ``extra``)."""
    params = inspect.signature(target).parameters.values()
    accepted = {p.name for p in params if p.kind is p.KEYWORD_ONLY} | set(extra)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise TypeError(f"unknown {what} option(s) {unknown}; accepted: {sorted(accepted)}")


def module_options(cls: type, options: dict | None, what: str) -> dict:
    """Resolve aliases in ``options`` and check them against ``cls``'s keyword-only arguments.

    ``position`` (where the module goes) is always accepted; it is the builder's to use.
    """
    options = {ALIASES.get(k, k): v for k, v in (options or {}).items()}
    check_kwargs(cls.__init__, options, what, extra=("position",))
    return options


def checked_inserts(inserts, positions) -> dict:
    """``inserts`` as a dict, raising if a key is not one of the backbone's ``positions``."""
    inserts = dict(inserts or {})
    unknown = sorted(set(inserts) - set(positions))
    if unknown:
        raise ValueError(f"unknown position(s) {unknown}; choose from {tuple(positions)}")
    return inserts


def parse_value(text: str):
    """YAML scalar/list parsing: ``7`` -> 7, ``[res2,res3]`` -> list, ``null`` -> None."""
    return yaml.safe_load(text)


def parse_overrides(items: Iterable[str]) -> dict:
    """``["ms.spec=paper", "dropout=0.3"]`` -> ``{"ms": {"spec": "paper"}, "dropout": 0.3}``."""
    out: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"override {item!r} must look like KEY=VALUE (e.g. ms.patch=7)")
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"override {item!r} conflicts with an earlier one")
        node[leaf] = parse_value(value)
    return out


def _import_builders() -> None:
    """Import the modules whose builders register themselves."""
    import msnet.models.builders  # noqa: F401
