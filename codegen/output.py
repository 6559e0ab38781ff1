"""Stage 5: write the rendered files atomically, or compare them with the tree on disk."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


def _disk_files(out_dir: Path, scopes: Iterable[str]) -> dict[str, bytes]:
    """The files now on disk under each scope (a version folder, or a single root file)."""
    found: dict[str, bytes] = {}
    for scope in scopes:
        path = out_dir / scope
        if path.is_file():
            found[scope] = path.read_bytes()
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts:
                    found[file.relative_to(out_dir).as_posix()] = file.read_bytes()
    return found


def drift(out_dir: Path, files: Mapping[str, str], scopes: Iterable[str]) -> list[str]:
    """Lines naming every file that differs: 'changed X', 'missing X', 'unexpected X'."""
    on_disk = _disk_files(out_dir, scopes)
    report = []
    for path in sorted(files.keys() | on_disk.keys()):
        if path not in on_disk:
            report.append(f"missing    {path}")
        elif path not in files:
            report.append(f"unexpected {path}")
        elif on_disk[path] != files[path].encode("utf-8"):
            report.append(f"changed    {path}")
    return report


def write_atomically(out_dir: Path, files: Mapping[str, str], scopes: Iterable[str]) -> None:
    """Replace each scope (a version folder or a root file) with the new files as a whole.

    Everything is first written to a staging folder beside the output; only then are the
    scopes swapped in, each by a rename, so a failure leaves the old tree as it was.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        for path, text in files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
        for scope in scopes:
            new, old = staging / scope, out_dir / scope
            backup = staging / f"{scope}.old"
            if old.exists():
                old.rename(backup)
            if new.exists():
                new.rename(old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
