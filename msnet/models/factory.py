"""Build a registered model by name: importing this module imports the builders, which register themselves."""

from __future__ import annotations

import fnmatch
import importlib

from torch import nn

from msnet.core.errors import UnknownName
from msnet.models.registry import BUILDERS

importlib.import_module("msnet.models.builders")  # the builders register themselves on import


def list_models(pattern: str = "*") -> list[str]:
    """Registered model names matching a shell-style pattern, sorted."""
    return sorted(name for name in BUILDERS if fnmatch.fnmatch(name, pattern))


def create_model(name: str, **overrides) -> nn.Module:
    """Build registered model ``name``; ``overrides`` are its keyword arguments (``None`` = default)."""
    if name not in BUILDERS:
        raise UnknownName(f"unknown model {name!r}; registered: {', '.join(list_models())}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return BUILDERS[name](**overrides)
