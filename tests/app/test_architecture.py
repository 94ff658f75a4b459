"""The house: one folder per capability, dependencies one way, no import cycle.

Anyone can run the same checks: `.venv/bin/lint-imports` (the layers in pyproject.toml) and
`.venv/bin/python -m pytest tests/app/test_architecture.py`.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
CAPABILITIES = ("dialogue", "reperage", "rdv", "posts", "report", "territoire")


def test_the_layers_of_pyproject_are_kept():
    """channels → dialogue → capabilities → stores → ground, checked by import-linter."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def _cycles(graph) -> list[list[str]]:
    """Every strongly connected set of modules bigger than one (Tarjan), i.e. the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.find_modules_directly_imported_by(node):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_between_modules():
    graph = grimp.build_graph("bot", "scheduler")
    assert _cycles(graph) == []


def test_no_import_cycle_between_packages():
    """Seen from above, the packages of bot/ form no cycle either (squashed to one node each)."""
    graph = grimp.build_graph("bot", "scheduler")
    for package in ("bot.app", "bot.channels", "bot.console", "bot.rasa", "bot.dialogue", "bot.posts",
                    "bot.report", "bot.rdv", "bot.reperage", "bot.understanding", "bot.territoire",
                    "bot.stores", "scheduler"):
        graph.squash_module(package)
    assert _cycles(graph) == []


def test_bot_has_few_loose_modules_and_one_package_per_capability():
    loose = sorted(p.name for p in (ROOT / "bot").glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= 6, loose
    for name in CAPABILITIES:
        assert (ROOT / "bot" / name / "__init__.py").is_file(), name


def test_no_import_inside_a_function_outside_the_wiring():
    """Imports at the top, so a cycle cannot hide in a function. Only bot/app/ (the entry points,
    which nothing imports) defers what each command needs, for start-up time."""
    deferred = []
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "scheduler").rglob("*.py")):
        if path.is_relative_to(ROOT / "bot" / "app"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        names = [inner.module or ""] if isinstance(inner, ast.ImportFrom) else [
                            a.name for a in inner.names]
                        if any(n.split(".")[0] in ("bot", "scheduler") for n in names):
                            deferred.append(f"{path.relative_to(ROOT)}:{inner.lineno} {names}")
    assert deferred == []


def test_nothing_imports_the_wiring():
    graph = grimp.build_graph("bot", "scheduler")
    importers = {m for m in graph.find_modules_that_directly_import("bot.app")}
    for module in graph.find_children("bot.app"):
        importers |= graph.find_modules_that_directly_import(module)
    assert {m for m in importers if not m.startswith("bot.app")} == set()


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for importer, imported in (("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")):
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["a", "b", "c"]]
