"""The package's layers: each imports only the layers below it, and no module imports itself back.

The order, bottom up: ``core`` (device, allocator, atomic JSON, provenance, errors); ``models`` and ``data``;
``flow`` (reads and writes data); ``manifest`` (the config's rows as constructor arguments); ``train``; ``measure`` and ``analysis``; ``report`` (reads result files, asks
models for their declared facts); the entry points (``cli``, ``gpu_check``) over everything.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "msnet"
ALLOWED = {
    "core": set(),
    "models": {"core"},
    "data": {"core"},
    "flow": {"core", "data"},
    "train": {"core", "data", "models"},
    "measure": {"core", "data", "flow", "models"},
    "analysis": {"core", "data", "models"},
    "report": {"core", "models"},
    "manifest": {"core", "models"},
    "cluster_check": set(),
    "gpu_check": {"core", "data", "flow", "measure", "models", "train"},
    "cli": {"core", "data", "flow", "models", "train", "measure", "analysis", "report", "manifest"},
    "__main__": {"cli"},
    "__init__": {"models"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the msnet modules it imports anywhere in its body (imports inside functions count too)."""
    modules = {module_name(p): p for p in package.rglob("*.py")}
    found = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            found[name] |= {t for t in targets if t in modules and t != name}
    return {name: found[name] for name in modules}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                  if layer(a) != layer(b) and layer(b) not in ALLOWED[layer(a)])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_layer_is_known():
    assert {layer(m) for m in imports()} <= set(ALLOWED)


def test_no_layer_imports_one_above_it():
    assert upward_imports(imports()) == []


def test_no_import_cycles():
    assert cycles(imports()) == []


def test_the_checks_can_fail():
    graph = {"msnet.data.readers": {"msnet.flow.extract"}, "msnet.flow.extract": {"msnet.data.readers"}}
    assert upward_imports(graph) == ["msnet.data.readers -> msnet.flow.extract"]
    assert cycles(graph) == [["msnet.data.readers", "msnet.flow.extract"]]
