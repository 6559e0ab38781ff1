"""The wheel holds every file of the package folders (issue 13, item 2): an installed CSMS once
failed with "no such table: stations" because its SQL migrations were not packaged.

scripts/check-wheel.sh goes further (installs the wheel in a clean venv and runs the commands);
this test is the quick part: build the wheel, compare its file list with the tree's."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from ocppgen.codegen.pipeline import ROOT

# The folders ocppgen/ links to: each is a subpackage of the wheel.
PACKAGE_FOLDERS = ("codegen", "conformance", "generated", "reference", "runtime", "spec")


def _tree_files() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *PACKAGE_FOLDERS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {f"ocppgen/{path}" for path in listed if (ROOT / path).is_file()}


def _build_wheel(out: Path) -> Path:
    source = out / "src"
    source.mkdir()
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    # Built from a copy: setuptools writes build/ and *.egg-info beside its input.
    archive = subprocess.run(
        ["tar", "--null", "-T", "-", "-c"], cwd=ROOT, input=files, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), source],
        capture_output=True,
        check=True,
    )
    (wheel,) = out.glob("ocppgen-*.whl")
    return wheel


def test_the_wheel_holds_every_file_of_the_package_folders(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        packaged = set(archive.namelist())
    missing = sorted(_tree_files() - packaged)
    assert missing == []
    assert "ocppgen/reference/csms/migrations/0001_initial.sql" in packaged
    assert "ocppgen/reference/station/device_model.csv" in packaged
