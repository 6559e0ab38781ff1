"""The committed generated/ is a golden record: it must be exactly what the generator produces,
and `--check` must notice when an input changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocppgen.cli import main
from ocppgen.codegen.pipeline import DEFAULT_OUT_DIR, DEFAULT_SPEC_DIR, generate
from ocppgen.codegen.render import render_version
from ocppgen.codegen.versions import VERSIONS, find_version
from tests.codegen.helpers import copy_generated, copy_spec, edit_json, edit_text, snapshot


def test_committed_generated_code_matches_the_generator() -> None:
    result = generate(DEFAULT_SPEC_DIR, DEFAULT_OUT_DIR, VERSIONS, check=True)
    assert result.drift == (), "run `ocppgen generate`:\n" + "\n".join(result.drift)
    assert len(result.specs) == 3


def test_output_is_deterministic() -> None:
    v201 = (find_version("2.0.1"),)
    first = generate(DEFAULT_SPEC_DIR, DEFAULT_OUT_DIR, v201, check=True)
    second = generate(DEFAULT_SPEC_DIR, DEFAULT_OUT_DIR, v201, check=True)
    assert first.files == second.files
    assert render_version(first.specs[0]) == render_version(second.specs[0])


def test_check_names_the_files_a_schema_change_touches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy_spec(tmp_path)

    def longer(doc: Any) -> None:
        doc["definitions"]["ChargingStationType"]["properties"]["model"]["maxLength"] = 21

    edit_json(spec / "v201/schemas/BootNotificationRequest.json", longer)
    out = copy_generated(tmp_path)
    before = snapshot(out)
    argv = ["generate", "--check", "--version", "2.0.1", "--spec-dir", str(spec), "--out", str(out)]
    assert main(argv) == 1
    printed = capsys.readouterr().out
    assert "changed    v201/datatypes.py" in printed
    assert "messages.py" not in printed
    assert snapshot(out) == before  # --check writes nothing


def test_check_names_the_files_a_table_change_touches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy_spec(tmp_path)
    edit_text(spec / "v201/messages.csv", "Heartbeat,ChargingStation,", "Heartbeat,CSMS,")
    out = copy_generated(tmp_path)
    argv = ["generate", "--check", "--version", "2.0.1", "--spec-dir", str(spec), "--out", str(out)]
    assert main(argv) == 1
    printed = capsys.readouterr().out
    assert "changed    v201/actions.py" in printed


def test_check_reports_missing_and_unexpected_files(tmp_path: Path) -> None:
    out = copy_generated(tmp_path)
    (out / "v201/enums.py").unlink()
    (out / "v201/stray.py").write_text("x = 1\n", encoding="utf-8")
    result = generate(DEFAULT_SPEC_DIR, out, (find_version("2.0.1"),), check=True)
    assert "missing    v201/enums.py" in result.drift
    assert "unexpected v201/stray.py" in result.drift


def test_generate_writes_a_fresh_tree_that_then_checks_clean(tmp_path: Path) -> None:
    out = tmp_path / "out"
    v16 = (find_version("1.6"),)
    generate(DEFAULT_SPEC_DIR, out, v16, check=False)
    (out / "v16/stray.py").write_text("x = 1\n", encoding="utf-8")
    generate(DEFAULT_SPEC_DIR, out, v16, check=False)  # replaces the version folder whole
    assert not (out / "v16/stray.py").exists()
    assert generate(DEFAULT_SPEC_DIR, out, v16, check=True).drift == ()
    assert sorted(p.name for p in out.iterdir()) == ["__init__.py", "v16"]
