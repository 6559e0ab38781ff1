"""`ocppgen diff` end to end: the reviewed 2.0.1 -> 2.1 output, the three formats, actions
added/removed/renamed between schema folders, exit statuses and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocppgen.cli import main
from tests.codegen.diff_oracle import message

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
REGENERATE = "bash scripts/golden.sh (then review `git diff tests/golden/`)"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["diff", *args])
    out, err = capsys.readouterr()
    return status, out, err


def write(folder: Path, schemas: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, schema in schemas.items():
        (folder / f"{stem}.json").write_text(json.dumps(schema), encoding="utf-8")
    return folder


@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("json", "json")])
def test_the_2_0_1_to_2_1_diff_is_the_reviewed_one(
    capsys: pytest.CaptureFixture[str], fmt: str, suffix: str
) -> None:
    status, out, _ = run(capsys, "2.0.1", "2.1", "--format", fmt)
    golden = GOLDEN / f"diff-2.0.1-2.1.{suffix}"
    assert status == 0
    assert out == golden.read_text(encoding="utf-8"), f"output changed: {REGENERATE}"


def test_headline_of_2_0_1_to_2_1(capsys: pytest.CaptureFixture[str]) -> None:
    """The numbers quoted in README.md ("ocppgen diff")."""
    summary = json.loads(run(capsys, "2.0.1", "2.1", "--format", "json")[1])["summary"]
    assert summary["actions"] == {"old": 64, "new": 91, "added": 27, "removed": 0, "renamed": 0}
    assert (summary["changes"], summary["breaking_for_senders"]) == (279, 73)
    assert (summary["breaking_for_receivers"], summary["compatible"]) == (207, 0)


def test_markdown_carries_every_change(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "2.0.1", "2.1", "--format", "markdown")[1]
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert out.startswith("# OCPP 2.0.1 -> 2.1\n")
    assert len(rows) == 279
    assert "| `IdTokenType/idToken` | constraint-loosened | maxLength 36 -> 255 | 8 |" in rows


def test_a_definition_change_is_reported_once_with_the_messages_it_reaches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    changes = json.loads(run(capsys, "2.0.1", "2.1", "--format", "json")[1])["changes"]
    found = [c for c in changes if c["location"] == "IdTokenType/idToken"]
    assert len(found) == 1
    assert "AuthorizeRequest" in found[0]["messages"] and len(found[0]["messages"]) == 8
    assert (found[0]["sender"], found[0]["receiver"]) == ("compatible", "breaking")


def test_fail_on(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "2.0.1", "2.1", "--fail-on", "breaking")[0] == 1
    assert run(capsys, "2.0.1", "2.1", "--fail-on", "sender")[0] == 1
    assert run(capsys, "2.0.1", "2.0.1", "--fail-on", "any")[0] == 0
    old = write(tmp_path / "old", {"FooRequest": message({"a": {"type": "string"}}, [], True)})
    new = write(tmp_path / "new", {"FooRequest": message({"a": {"type": "string"}}, [], False)})
    # Opening an object is breaking for receivers only.
    assert run(capsys, str(old), str(new), "--fail-on", "sender")[0] == 0
    status, _, err = run(capsys, str(old), str(new), "--fail-on", "receiver")
    assert status == 1 and "1 change(s) fail --fail-on receiver" in err


def test_actions_added_removed_renamed_and_one_way(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = message({"a": {"type": "integer"}}, ["a"], True)
    other = message({"b": {"type": "boolean"}}, [], True)
    empty = message({}, [], True)
    old = write(
        tmp_path / "old",
        {
            "GoneRequest": other,
            "GoneResponse": empty,
            "OldNameRequest": body,
            "OldNameResponse": empty,
            "CallRequest": empty,
            "CallResponse": empty,
        },
    )
    new = write(
        tmp_path / "new",
        {
            "NewNameRequest": body,
            "NewNameResponse": empty,
            "CallRequest": empty,
            "ComeRequest": message({"c": {"type": "string"}}, [], True),
        },
    )
    status, out, _ = run(capsys, str(old), str(new), "--format", "json")
    report = json.loads(out)
    found = {(c["location"], c["kind"], c["sender"], c["receiver"]) for c in report["changes"]}
    assert found == {
        ("Gone", "action-removed", "breaking", "compatible"),
        ("Come", "action-added", "compatible", "breaking"),
        ("NewName", "action-renamed", "breaking", "breaking"),
        ("Call", "response-removed", "breaking", "breaking"),
    }
    assert report["summary"]["actions"]["renamed"] == 1 and status == 0


def test_a_schema_folder_beside_schemas_and_a_version_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "ed" / "schemas", {"FooRequest": message({}, [], True)})
    status, out, _ = run(capsys, "v201", str(tmp_path / "ed"))
    assert status == 0
    assert out.startswith(f"ocppgen diff 2.0.1 -> {tmp_path / 'ed'}\n")
    assert "actions: 64 -> 1 (1 added, 64 removed, 0 renamed)" in out


def test_bad_input_is_one_diagnostic_each_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "2.0.1", "9.9")
    assert (status, out) == (2, "")
    assert (
        err
        == "ocppgen diff: error: '9.9' is neither an OCPP version (1.6, 2.0.1, 2.1) nor a folder\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    status, out, err = run(capsys, "2.0.1", str(empty))
    assert (status, out) == (2, "")
    assert "no schema files (*.json) in this folder" in err
    broken = write(tmp_path / "broken", {"FooRequest": message({"a": {"type": "text"}}, [], True)})
    (broken / "BarRequest.json").write_text("{", encoding="utf-8")
    status, out, err = run(capsys, str(broken), "2.1")
    assert (status, out) == (2, "")
    assert "broken/FooRequest.json:/properties/a/type: error: type must be one of" in err
    assert "broken/BarRequest.json:line 1 column 2: error: not valid JSON" in err
    assert err.endswith("ocppgen diff: 2 error(s) in the input\n")
