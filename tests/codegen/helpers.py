"""Scratch copies of spec/ for generator tests: change an input, run the generator, look."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocppgen.codegen.pipeline import DEFAULT_OUT_DIR, DEFAULT_SPEC_DIR

REPO = DEFAULT_SPEC_DIR.parent
FACTS = DEFAULT_SPEC_DIR / "facts"  # the sourced fact tables our own tables were built from


def copy_spec(tmp_path: Path, keys: tuple[str, ...] = ("v201",)) -> Path:
    spec = tmp_path / "spec"
    for key in keys:
        shutil.copytree(DEFAULT_SPEC_DIR / key, spec / key)
    return spec


def copy_generated(tmp_path: Path) -> Path:
    out = tmp_path / "generated"
    shutil.copytree(DEFAULT_OUT_DIR, out, ignore=shutil.ignore_patterns("__pycache__"))
    return out


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    document = json.loads(path.read_text(encoding="utf-8-sig"))
    change(document)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
