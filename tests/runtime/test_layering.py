"""Imports go one way: the runtime never imports generated code (or the apps, or
the generator), and only its test-support module imports the test tools; generated code imports
from ocppgen only the runtime and its own version package; the generator never imports the
runtime or generated code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtime"
GENERATED = ROOT / "generated"
CODEGEN = ROOT / "codegen"
# Test tools -> the runtime files that may import them: pytest only the test bodies
# (testing/tables.py runs inside the conformance tester, which must not need pytest); Hypothesis
# also the tables (the tester draws its requests with it, a run-time dependency).
TEST_TOOLS = {
    "pytest": {"testing/properties.py"},
    "hypothesis": {"testing/tables.py", "testing/properties.py", "testing/strategies.py"},
}


def _package(path: Path) -> list[str]:
    """The dotted package `path` sits in, e.g. ["ocppgen", "generated", "v201"]."""
    return ["ocppgen", *path.relative_to(ROOT).parent.parts]


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (a function-level import counts too); a
    relative import is resolved against the file's package (so it cannot slip past a rule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = _package(path)[: len(_package(path)) - node.level + 1]
            found.add(".".join([*base, *([node.module] if node.module else [])]))
        elif isinstance(node, ast.ImportFrom) and node.module:
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


def test_generated_imports_only_the_runtime_and_its_own_version() -> None:
    files = sorted(GENERATED.rglob("*.py"))
    assert GENERATED / "v201" / "messages.py" in files
    for path in files:
        parts = path.relative_to(GENERATED).parts
        own = f"ocppgen.generated.{parts[0]}" if len(parts) > 1 else "ocppgen.generated"
        for module in _imports(path):
            if _top(module) == "ocppgen":
                allowed = module.startswith("ocppgen.runtime") or module == own
                assert allowed or module.startswith(own + "."), (path, module)


def test_codegen_never_imports_the_runtime_or_generated_code() -> None:
    files = sorted(CODEGEN.rglob("*.py"))
    assert CODEGEN / "pipeline.py" in files
    for path in files:
        for module in _imports(path):
            assert not module.startswith(("ocppgen.runtime", "ocppgen.generated")), (path, module)


REFERENCE = ROOT / "reference"
CONFORMANCE = ROOT / "conformance"


def _private_names(path: Path) -> set[str]:
    """Names starting with "_" that `path` imports from the runtime or the bindings."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.module.startswith(("ocppgen.runtime", "ocppgen.generated")):
            found.update(f"{node.module}.{a.name}" for a in node.names if a.name[0] == "_")
    return found


def test_the_apps_and_the_tester_use_only_public_bindings_and_runtime() -> None:
    """The reference apps and the conformance tester are built as a vendor would build a product:
    on the runtime and the generated bindings, never the generator, nothing private."""
    files = sorted([*REFERENCE.rglob("*.py"), *CONFORMANCE.rglob("*.py")])
    assert REFERENCE / "csms" / "app.py" in files
    for path in files:
        assert not _private_names(path), (path, _private_names(path))
        for module in _imports(path):
            assert not module.startswith("ocppgen.codegen"), (path, module)


def test_the_station_and_the_csms_do_not_import_each_other() -> None:
    for own, other in (("station", "csms"), ("csms", "station")):
        for path in sorted((REFERENCE / own).rglob("*.py")):
            for module in _imports(path):
                assert not module.startswith(f"ocppgen.reference.{other}"), (path, module)
