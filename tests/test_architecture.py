"""Data flows one way — LINE → bot/ → handlers/ → db/ → knowledge/ — and no module imports itself
back through others. Read from the source (ast), so lazy imports inside functions count too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "db", "knowledge")
#: What each package may import of ours.
ALLOWED = {
    "knowledge": set(),
    "db": {"knowledge"},
    "handlers": {"db", "knowledge"},
    "bot": {"handlers", "db", "knowledge"},
}
#: LINE's SDK types belong to bot/ alone.
LINE_SDK = "linebot"


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules (and third-party roots) a module imports, anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            out.add(base)
            # ``from bot.webhook import inbox`` imports the module bot.webhook.inbox.
            out.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def test_every_package_imports_only_downstream() -> None:
    problems = []
    for name, imported in graph().items():
        package = name.split(".")[0]
        for target in imported:
            top = target.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                problems.append(f"{name} imports {target}")
    assert problems == []


def test_only_bot_knows_line_sdk_types() -> None:
    offenders = [name for name, imported in graph().items()
                 if not name.startswith("bot") and any(t.split(".")[0] == LINE_SDK for t in imported)]
    assert offenders == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    return result


def test_no_module_takes_part_in_an_import_cycle() -> None:
    edges = {name: {t for t in imported if t in graph_names} for name, imported in GRAPH.items()}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", ["bot", "handlers", "db", "knowledge"])
def test_every_package_says_what_it_is_for(name: str) -> None:
    init = ROOT / name / "__init__.py"
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{name}/__init__.py needs a docstring"


GRAPH = graph()
graph_names = set(GRAPH)
