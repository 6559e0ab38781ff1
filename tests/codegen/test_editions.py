"""Spec editions as inputs (issue 16 item 3): one command adds an edition (files, hashes,
provenance, the editions.csv row); `--edition` picks it, editions.csv states the default; an
edition whose files do not match its SHA256SUMS is one diagnostic and nothing is written."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from ocppgen.cli import main
from ocppgen.codegen.editions import main as editions_main
from ocppgen.codegen.pipeline import DEFAULT_SPEC_DIR
from tests.codegen.helpers import copy_spec, edit_json, snapshot

MARK = "Edition test: a description changed by the test."


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A scratch spec/ with 2.0.1 and a second edition `ed-test` whose HeartbeatRequest
    description differs (a stand-in for an erratum)."""
    spec = copy_spec(tmp_path)
    shutil.copyfile(DEFAULT_SPEC_DIR / "editions.csv", spec / "editions.csv")
    source = tmp_path / "download"
    shutil.copytree(spec / "v201" / "schemas", source)
    edit_json(source / "HeartbeatRequest.json", lambda doc: doc.update(description=MARK))
    args = ["--version", "2.0.1", "--edition", "ed-test", "--from", str(source)]
    status = editions_main([*args, "--source", "a test copy", "--spec-dir", str(spec)])
    assert status == 0
    return spec


def generate(spec: Path, out: Path, *extra: str) -> int:
    args = ["generate", "--version", "2.0.1", "--spec-dir", str(spec), "--out", str(out)]
    return main([*args, "--package", "acme", "--action", "Heartbeat", *extra])


def test_adding_an_edition_writes_files_hashes_provenance_and_its_row(spec: Path) -> None:
    folder = spec / "v201" / "editions" / "ed-test"
    assert len(list((folder / "schemas").glob("*.json"))) == 128
    sums = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(sums) == 128 and sums[0].endswith("  schemas/AuthorizeRequest.json")
    assert "Source: a test copy" in (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    with (spec / "editions.csv").open(encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file) if r["version"] == "2.0.1"]
    assert [(r["edition"], r["default"]) for r in rows] == [("base", "yes"), ("ed-test", "no")]


def test_edition_picks_the_files_and_the_default_stays(spec: Path, tmp_path: Path) -> None:
    assert generate(spec, tmp_path / "base") == 0
    assert generate(spec, tmp_path / "ed", "--edition", "ed-test") == 0
    base = (tmp_path / "base/acme/messages.py").read_text(encoding="utf-8")
    edition = (tmp_path / "ed/acme/messages.py").read_text(encoding="utf-8")
    assert MARK not in base and MARK in edition


def test_the_default_is_the_one_editions_csv_names(spec: Path, tmp_path: Path) -> None:
    path = spec / "editions.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("2.0.1,base,yes", "2.0.1,base,no").replace("ed-test,no", "ed-test,yes")
    path.write_text(text, encoding="utf-8")
    assert generate(spec, tmp_path / "out") == 0
    assert MARK in (tmp_path / "out/acme/messages.py").read_text(encoding="utf-8")


def test_a_file_that_does_not_match_its_hash_is_refused(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = spec / "v201/editions/ed-test/schemas/HeartbeatResponse.json"
    edit_json(schema, lambda doc: doc.update(description="tampered"))
    out = tmp_path / "out"
    assert generate(spec, out, "--edition", "ed-test") == 2
    assert not out.exists() or snapshot(out) == {}
    *lines, last = capsys.readouterr().err.splitlines()
    assert lines == [
        "v201/editions/ed-test/schemas/HeartbeatResponse.json: error: sha256 differs from "
        "SHA256SUMS"
    ]
    assert last == "ocppgen: 1 error(s); nothing was written"


def test_an_unknown_edition_is_named(
    spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(spec, tmp_path / "out", "--edition", "ed5") == 2
    assert "--edition:ed5: error: no such edition of 2.0.1; known: base, ed-test" in (
        capsys.readouterr().err
    )


def test_an_edition_is_added_once(spec: Path, tmp_path: Path) -> None:
    args = ["--version", "2.0.1", "--edition", "ed-test", "--from", str(tmp_path / "download")]
    assert editions_main([*args, "--source", "again", "--spec-dir", str(spec)]) == 2
