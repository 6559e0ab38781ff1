"""Imports go one way: the runtime never imports generated code (or the apps, or the generator),
and only its test-support module imports the test tools (DESIGN.md §2)."""

from __future__ import annotations

import ast
from pathlib import Path

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
# Test tools -> the runtime files that may import them: pytest only the test bodies
# (testing/tables.py runs inside the conformance tester, which must not need pytest); Hypothesis
# also the tables (the tester draws its requests with it, a run-time dependency).
TEST_TOOLS = {
    "pytest": {"testing/properties.py"},
    "hypothesis": {"testing/tables.py", "testing/properties.py"},
}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (a function-level import counts too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def test_runtime_imports_only_the_runtime_from_ocppgen() -> None:
    files = sorted(RUNTIME.rglob("*.py"))
    assert RUNTIME / "testing" / "tables.py" in files
    for path in files:
        for module in _imports(path):
            if _top(module) == "ocppgen":
                assert module.startswith("ocppgen.runtime"), (path, module)


def test_test_tools_stay_in_the_test_support() -> None:
    for path in sorted(RUNTIME.rglob("*.py")):
        name = path.relative_to(RUNTIME).as_posix()
        tops = {_top(module) for module in _imports(path)}
        for tool, allowed in TEST_TOOLS.items():
            assert tool not in tops or name in allowed, f"{name} imports {tool}"
