"""The package's shape: stage packages in layers (a module imports only from its own layer or below), and no
import cycles between modules, counting imports inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "checker"

# lowest first; a module may import from its own layer and the layers before it
LAYERS = [
    {"checker.version", "checker.errors", "checker.files", "checker.yamlio", "checker.config", "checker.fingerprint"},
    {"checker.ruleset"},
    {"checker.reading"},
    {"checker.evaluation"},
    {"checker.session"},
    {"checker.audit", "checker.office"},
    {"checker.render"},
    {"checker.authoring"},
    {"checker.cli", "checker.api", "checker.web"},
    {"checker"},  # the package itself: the public API's lazy re-exports
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    best = None
    for i, group in enumerate(LAYERS):
        for prefix in group:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (i, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def imports() -> dict[str, set[str]]:
    """module -> the checker modules it imports (anywhere in the file)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                if t in modules and t != name:
                    found.add(t)
        graph[name] = found
    return graph


def test_no_relative_imports():
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            assert not (isinstance(node, ast.ImportFrom) and node.level), f"{path}: use absolute checker.* imports"


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [f"{m} (layer {layer_of(m)}) imports {t} (layer {layer_of(t)})"
            for m, targets in sorted(graph.items()) for t in sorted(targets)
            if layer_of(t) > layer_of(m) and not t.startswith(m + ".")]


def cycles_in(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node == "checker":
                continue  # a package's lazy re-export of its own modules
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]) if nxt in trail else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_stage_packages_import_only_downwards():
    upward = upward_imports(imports())
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    cycles = cycles_in(imports())
    assert not cycles, "\n".join(cycles)


def test_the_checks_see_an_upward_import_and_a_cycle():
    graph = {"checker.ruleset.rules": {"checker.audit.batch"}, "checker.audit.batch": {"checker.ruleset.rules"}}
    assert upward_imports(graph) == ["checker.ruleset.rules (layer 1) imports checker.audit.batch (layer 5)"]
    assert cycles_in(graph) == ["checker.audit.batch -> checker.ruleset.rules -> checker.audit.batch"]
    assert cycles_in({"checker.render.text": {"checker.render.office"}, "checker.render.office": set()}) == []
