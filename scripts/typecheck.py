"""mypy --strict over the package laid out as installed, with errors pointing at the real files.

mypy names a module after the folders its file is in, so it cannot follow pyproject.toml's
mapping of the top-level folders under `ocppgen` (ocppgen.runtime is runtime/). This script
copies the package's Python files into build/typecheck/ocppgen/ per that mapping, runs mypy
(pyproject.toml: mypy_path and files point at the copy), and rewrites the copy's paths in mypy's
output back to the repository's: build/typecheck/ocppgen/runtime/frames.py -> runtime/frames.py.
Exits with mypy's status. Arguments are passed to mypy."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = Path("build") / "typecheck"
# What mypy reads: modules, stubs and the PEP 561 marker.
TYPED_SUFFIXES = {".py", ".pyi", ".typed"}


def package_dirs() -> dict[str, str]:
    """pyproject.toml's mapping: package name -> folder (relative to the root)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        config = tomllib.load(file)
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    return mapping


def staged_folder(package: str) -> Path:
    return STAGE.joinpath(*package.split("."))


def stage(mapping: dict[str, str], into: Path) -> None:
    """A fresh copy of each mapped folder's typed files, `into` standing for build/typecheck
    (mtimes kept: mypy's cache stays valid)."""
    shutil.rmtree(into, ignore_errors=True)
    for package, folder in mapping.items():
        source = ROOT / folder
        for path in source.rglob("*"):
            if path.suffix in TYPED_SUFFIXES and "__pycache__" not in path.parts:
                target = into.joinpath(*package.split("."), path.relative_to(source))
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def real_paths(mapping: dict[str, str]) -> list[tuple[str, str]]:
    """(staged prefix, repository prefix) pairs, the longest (most specific) first."""
    pairs = [
        (f"{staged_folder(package).as_posix()}/", f"{folder}/")
        for package, folder in mapping.items()
    ]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def rewrite(line: str, pairs: list[tuple[str, str]]) -> str:
    for staged, real in pairs:
        if staged in line:
            return line.replace(staged, real)
    return line


def main(argv: list[str]) -> int:
    mapping = package_dirs()
    stage(mapping, ROOT / STAGE)
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", *argv], cwd=ROOT, capture_output=True, text=True
    )
    pairs = real_paths(mapping)
    for line in mypy.stdout.splitlines():
        print(rewrite(line, pairs))
    sys.stderr.write(mypy.stderr)
    return mypy.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
