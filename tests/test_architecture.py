"""The import rule of docs/architecture.md, checked: a package imports only packages below it, and
no package imports another package's views.

Layers are listed bottom to top. Foundation modules (single files directly under tipline/) may be
imported by anyone and import only other foundation modules. The composition root (the factory,
the command line, the scheduler, the demo data, the model registry) sits above all and
may import anything. Every import counts, including those inside functions, because a function-level
import that dodges a circle is still a dependency.
"""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent / "tipline"

FOUNDATION = {
    "errors", "crypto", "db", "timesource", "keys", "divisions", "categories", "validators", "ratelimit",
    "extensions", "mail", "config", "fingerprint", "web", "web_ids", "i18n", "jurisdiction", "gate",
    "production", "actors", "division_names", "reporting", "public_pages",
}
# bottom to top; packages in the same tuple may not import each other
LAYERS = [
    ("audit",),
    ("auth", "calendar"),
    ("intake",),
    ("cases",),
    ("inspections",),
    ("oversight",),
    ("rewards",),
    ("portal", "admin"),
]
ROOT_MODULES = {"__init__", "cli", "scheduler", "demo", "models", "migrate", "status_checks"}
# tipline/events.py: its event types are imported by every package (a lower package announces what
# happened); its wiring section names the subscribers of every package, inside functions, so that
# importing the module pulls in nothing. It is the one module allowed both ways.
COMPOSITION = {"events"}

RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def _unit(module: str) -> str:
    """tipline.cases.views -> cases; tipline.db -> db; tipline -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: pathlib.Path) -> tuple[str, bool]:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def _is_view_module(module: str) -> bool:
    path = ROOT.parent.joinpath(*module.split("."))
    file = path.with_suffix(".py") if path.with_suffix(".py").exists() else path / "__init__.py"
    return file.exists() and "Blueprint(" in file.read_text(encoding="utf-8")


def _imports(path: pathlib.Path):
    """(imported module, line, enclosing function name) for every tipline import in the file."""
    module, is_package = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = function or child.name
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target == "tipline" or target.startswith("tipline."):
                    for alias in child.names:
                        sub = f"{target}.{alias.name}"
                        is_module = ROOT.parent.joinpath(*sub.split(".")).with_suffix(".py").exists() or \
                            ROOT.parent.joinpath(*sub.split("."), "__init__.py").exists()
                        found.append((sub if is_module else target, child.lineno, name))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("tipline"):
                        found.append((alias.name, child.lineno, name))
            visit(child, name)

    visit(tree, None)
    return module, found


def violations() -> list[str]:
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module, imports = _imports(path)
        unit = _unit(module)
        if unit in ROOT_MODULES:
            continue
        for target, line, _function in imports:
            other = _unit(target)
            if other == unit or other == "tipline" and target == "tipline":
                continue
            where = f"{path.relative_to(ROOT.parent)}:{line} imports {target}"
            if unit in COMPOSITION or other in COMPOSITION:
                continue
            if other in ROOT_MODULES:
                problems.append(f"{where}: the composition root is imported by nothing")
                continue
            if other not in FOUNDATION and _is_view_module(target):
                problems.append(f"{where}: another package's views")
                continue
            if other in FOUNDATION:
                continue
            if unit in FOUNDATION:
                problems.append(f"{where}: a foundation module imports a package")
                continue
            if unit not in RANK or other not in RANK:
                problems.append(f"{where}: {unit if unit not in RANK else other} is not in LAYERS")
                continue
            if RANK[other] >= RANK[unit]:
                problems.append(f"{where}: {other} is not below {unit}")
    return problems


def test_packages_import_only_packages_below_them_and_no_views():
    assert violations() == []


def test_every_package_is_placed():
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"data"}  # data: files only
    modules = {p.stem for p in ROOT.glob("*.py")}
    assert packages - set(RANK) == set()
    assert modules - FOUNDATION - ROOT_MODULES - COMPOSITION == set()


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    """The rule can fail: audit (bottom) importing rewards (top) is reported."""
    victim = ROOT / "audit" / "_architecture_probe.py"
    victim.write_text("from ..rewards import quote\n", encoding="utf-8")
    try:
        assert any("_architecture_probe" in v and "rewards is not below audit" in v for v in violations())
    finally:
        victim.unlink()
