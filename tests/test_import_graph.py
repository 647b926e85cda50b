"""No module of tipline imports itself round a circle, counting imports inside functions (the usual
way a circle is hidden). The one known exception is the app factory and its CLI, which Flask's
pattern makes mutual: tipline/__init__ registers the commands, the `tipline` command builds the app."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {frozenset({"tipline", "tipline.cli", "tipline.migrate"})}
# tipline.events: every package imports its event types, and its wiring (inside functions, run once by
# the factory) names every package's subscribers; that lookup is the point of the module, so its own
# outgoing imports are not followed. Every other module's are.
COMPOSITION = {"tipline.events"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in (ROOT / "tipline").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            if name not in COMPOSITION:
                graph[name] |= {t for t in targets if t in mods and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(frozenset(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert [sorted(c) for c in _cycles(_graph(_modules())) if c not in ALLOWED] == []


def test_the_check_sees_a_circle_hidden_in_a_function():
    graph = {"a": {"b"}, "b": set(), "c": set()}
    assert _cycles(graph) == []
    graph["b"].add("a")
    assert _cycles(graph) == [frozenset({"a", "b"})]
