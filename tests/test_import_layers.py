"""The import rule of docs/architecture.md, read from the source: no circles, nothing runs back up.

The floors, top to bottom: cli > flows > runs > outputs (alerts, report) > stages (spiders,
archives, nlp, warehouse, demo) > core (records.py, story.py, text.py, jsonl.py). A module
imports its own floor or the floors below it, never one above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "presswatch"
CORE = {"records", "story", "text", "jsonl", "folders", "lease", "addresses", "http_client",
        "language_id"}
STAGES = {"spiders", "nlp", "warehouse", "demo", "archives"}
# What a run hands to people: they read and write through the warehouse, never through a flow.
OUTPUTS = {"alerts", "report"}
# `python -m presswatch` is the command line's own door.
FLOORS = [{"cli", "__main__"}, {"flows"}, {"runs"}, OUTPUTS, STAGES, CORE]


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every presswatch module this file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("presswatch")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("presswatch"):
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in files and m != name}
            for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path of module names, or None (depth-first, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_cycle_finder_finds_a_planted_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_itself_back_round_a_circle():
    assert find_cycle(import_graph()) is None


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_imports_only_itself_and_the_core(stage):
    graph = import_graph()
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if _package(module) == stage
        for target in targets
        if _package(target) not in {stage} | CORE
    )
    assert upward == []


def test_the_core_imports_no_stage_and_no_flow():
    graph = import_graph()
    upward = sorted(f"{m} -> {t}" for m, ts in graph.items() if _package(m) in CORE
                    for t in ts if _package(t) not in CORE)
    assert upward == []


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_an_output_imports_only_itself_the_warehouse_and_the_core(output):
    graph = import_graph()
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if _package(module) == output
        for target in targets
        if _package(target) not in {output, "warehouse"} | CORE
    )
    assert upward == []


def _floor(package: str) -> int:
    return next(i for i, floor in enumerate(FLOORS) if package in floor)


def test_every_package_has_a_floor():
    packages = {_package(module) for module in import_graph()} - {""}
    assert sorted(p for p in packages if not any(p in floor for floor in FLOORS)) == []


def test_nothing_imports_a_floor_above_its_own():
    graph = import_graph()
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if _package(module)
        for target in targets
        if _package(target) and _floor(_package(target)) < _floor(_package(module))
    )
    assert upward == []


# Each framework stays in its package: everything else is plain functions over values.
FRAMEWORKS = {"prefect": "flows", "prefect_dask": "flows", "dask": "flows", "scrapy": "spiders",
              "spacy": "nlp", "duckdb": "warehouse"}


def _runtime_imports(tree: ast.AST) -> set[str]:
    """Top-level names of everything a module imports when it runs (at the top or inside a
    function); `if TYPE_CHECKING:` blocks import nothing at run time and are left out."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def framework_imports_out_of_place(root: Path = ROOT) -> list[str]:
    wrong = []
    for path in sorted(root.rglob("*.py")):
        package = _package(_module_name(path, root))
        for name in sorted(_runtime_imports(ast.parse(path.read_text(encoding="utf-8")))):
            if name in FRAMEWORKS and FRAMEWORKS[name] != package:
                wrong.append(f"{path.relative_to(root.parent)} imports {name}")
    return wrong


def test_the_framework_finder_finds_a_planted_import(tmp_path):
    planted = tmp_path / "presswatch" / "runs"
    planted.mkdir(parents=True)
    (planted / "bad.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import duckdb\n"
        "def f():\n    from prefect import flow\n", encoding="utf-8")
    assert framework_imports_out_of_place(tmp_path / "presswatch") == [
        "presswatch/runs/bad.py imports prefect"]


def test_each_framework_is_imported_only_in_its_own_package():
    assert framework_imports_out_of_place() == []
