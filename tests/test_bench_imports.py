"""The benchmark scripts under bench/ import names from tipline; a rename there must not leave a
script that fails at its first line (bench/inspections.py and bench/reminders.py did, after the
restructuring of issue 22). Checked statically: every `from tipline… import name` resolves."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _tipline_imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tipline"):
            for alias in node.names:
                yield node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tipline"):
                    yield alias.name, None


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_tipline_name_a_benchmark_imports_exists(script):
    missing = []
    for module_name, name in _tipline_imports(script):
        module = importlib.import_module(module_name)
        if name is None or hasattr(module, name):
            continue
        try:
            importlib.import_module(f"{module_name}.{name}")
        except ImportError:
            missing.append(f"{module_name}.{name}")
    assert not missing, f"{script.name} imports names that no longer exist: {missing}"
