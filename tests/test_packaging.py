"""The wheel holds every file of the package folders (issue 13, item 2): an installed CSMS once
failed with "no such table: stations" because its SQL migrations were not packaged. The only
modules in it that import pytest are the property tests (issue 14, item 3: the `testing` extra
runs them; nothing the models, the runtime or the apps import needs pytest).

scripts/check-wheel.sh and tests/test_install_wheel.py go further (install the wheel in a clean
venv and run it); this test is the quick part: build the wheel, compare its file list with the
tree's."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from ocppgen.codegen.pipeline import ROOT

# The top-level folders pyproject.toml maps under `ocppgen`: each is a subpackage of the wheel.
PACKAGE_FOLDERS = ("codegen", "conformance", "generated", "reference", "runtime", "spec")
# The property tests: the wheel's only modules that import pytest (the `testing` extra).
PROPERTY_TESTS = (
    "ocppgen/generated/v16/proptests.py",
    "ocppgen/generated/v201/proptests.py",
    "ocppgen/generated/v21/proptests.py",
    "ocppgen/runtime/testing/properties.py",
)


def _tree_files() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *PACKAGE_FOLDERS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {f"ocppgen/{path}" for path in listed if (ROOT / path).is_file()}


def build_wheel(out: Path) -> Path:
    """The wheel of the working tree (tracked and not ignored files), built into `out`."""
    source = out / "src"
    source.mkdir()
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    # Built from a copy: a build may write build/ or *.egg-info beside its input.
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


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The wheel's files: name -> content."""
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_wheel_holds_every_file_of_the_package_folders(packaged: dict[str, bytes]) -> None:
    missing = sorted(_tree_files() - set(packaged))
    assert missing == []
    assert "ocppgen/reference/csms/migrations/0001_initial.sql" in packaged
    assert "ocppgen/reference/station/device_model.csv" in packaged
    assert "ocppgen/generated/v201/proptables.py" in packaged  # the conformance tester's tables
    assert "ocppgen/generated/v201/proptests.json" in packaged


def test_only_the_property_tests_import_pytest(packaged: dict[str, bytes]) -> None:
    importing = sorted(
        name
        for name, text in packaged.items()
        if name.endswith(".py") and (b"import pytest" in text or b"from pytest" in text)
    )
    assert importing == sorted(PROPERTY_TESTS)


def test_pyproject_maps_each_package_folder_under_ocppgen() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        mapping = tomllib.load(file)["tool"]["setuptools"]["package-dir"]
    expected = {f"ocppgen.{folder}": folder for folder in PACKAGE_FOLDERS}
    assert mapping == {"ocppgen": "ocppgen", **expected}


def test_the_tree_has_no_links() -> None:
    """Issue 14 item 6: the layout is a mapping in pyproject.toml, not links in ocppgen/."""
    staged = subprocess.run(
        ["git", "ls-files", "--stage"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert [line for line in staged if line.startswith("120000 ")] == []
    assert not any(path.is_symlink() for path in (ROOT / "ocppgen").iterdir())


def test_a_checkout_imports_the_top_level_folders() -> None:
    import ocppgen.runtime

    assert Path(ocppgen.runtime.__file__ or "").resolve() == ROOT / "runtime" / "__init__.py"
