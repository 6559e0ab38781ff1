"""scripts/typecheck.py (issue 14 item 6): mypy checks a copy of the package laid out as
installed, and its errors must point at the repository's files, not at the copy."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from ocppgen.codegen.pipeline import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("typecheck", ROOT / "scripts" / "typecheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_errors_in_the_copy_point_at_the_repository_files() -> None:
    script = _script()
    rewrite: Callable[[str, list[tuple[str, str]]], str] = script.rewrite
    pairs: list[tuple[str, str]] = script.real_paths(script.package_dirs())
    error = "build/typecheck/ocppgen/runtime/frames.py:3: error: boom  [assignment]"
    assert rewrite(error, pairs) == "runtime/frames.py:3: error: boom  [assignment]"
    cli = "build/typecheck/ocppgen/cli.py:9: note: here"
    assert rewrite(cli, pairs) == "ocppgen/cli.py:9: note: here"
    nested = "build/typecheck/ocppgen/generated/v16/messages.py:1: error: x"
    assert rewrite(nested, pairs) == "generated/v16/messages.py:1: error: x"
    assert rewrite("tests/test_x.py:1: error: x", pairs) == "tests/test_x.py:1: error: x"


def test_the_copy_holds_each_mapped_folder_at_its_package_path(tmp_path: Path) -> None:
    script = _script()
    script.stage(script.package_dirs(), tmp_path)
    staged = tmp_path / "ocppgen"
    frames = (ROOT / "runtime" / "frames.py").read_bytes()
    assert (staged / "runtime" / "frames.py").read_bytes() == frames
    assert (staged / "cli.py").is_file() and (staged / "py.typed").is_file()
    assert (staged / "generated" / "v201" / "messages.py").is_file()
    assert not list(staged.rglob("*.json"))  # only what mypy reads
