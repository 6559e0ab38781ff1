"""Bad inputs: each gives one clear diagnostic (file, where, what); all are reported together;
the exit status is non-zero and nothing in the output folder changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocppgen.cli import main
from ocppgen.codegen.diagnostics import Diagnostic, GenerationError
from ocppgen.codegen.pipeline import build
from ocppgen.codegen.versions import find_version
from tests.codegen.helpers import copy_generated, copy_spec, edit_json, edit_text, snapshot

V201 = (find_version("2.0.1"),)


def diagnostics(spec: Path) -> list[Diagnostic]:
    with pytest.raises(GenerationError) as failure:
        build(spec, V201)
    return failure.value.diagnostics


def only(diags: list[Diagnostic]) -> Diagnostic:
    assert len(diags) == 1, "\n".join(map(str, diags))
    return diags[0]


def test_malformed_schema_names_file_and_position(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)
    path = spec / "v201/schemas/HeartbeatRequest.json"
    path.write_text('{"type": "object",\n  "properties": {,}\n}', encoding="utf-8")
    d = only(diagnostics(spec))
    assert d.file == "v201/schemas/HeartbeatRequest.json"
    assert d.where == "line 2 column 18"
    assert "not valid JSON" in d.message


def test_dangling_ref_names_pointer(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)

    def break_ref(doc: Any) -> None:
        doc["properties"]["reason"]["$ref"] = "#/definitions/NoSuchEnumType"

    edit_json(spec / "v201/schemas/BootNotificationRequest.json", break_ref)
    d = only(diagnostics(spec))
    assert (d.file, d.where) == (
        "v201/schemas/BootNotificationRequest.json",
        "/properties/reason/$ref",
    )
    assert "dangling reference" in d.message and "NoSuchEnumType" in d.message


def test_conflicting_definition_names_both_places(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)

    def shorten(doc: Any) -> None:
        doc["definitions"]["IdTokenType"]["properties"]["idToken"]["maxLength"] = 20

    edit_json(spec / "v201/schemas/TransactionEventRequest.json", shorten)
    d = only(diagnostics(spec))
    assert d.file == "v201/schemas/TransactionEventRequest.json"
    assert d.where == "/definitions/IdTokenType"
    assert "'IdTokenType' differs from the one at v201/schemas/AuthorizeRequest.json" in d.message
    assert "names.csv" in d.message


def test_descriptions_alone_do_not_conflict(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)

    def redescribe(doc: Any) -> None:
        doc["definitions"]["IdTokenType"]["description"] = "another text"

    edit_json(spec / "v201/schemas/TransactionEventRequest.json", redescribe)
    assert build(spec, V201)[0].version.key == "v201"


def test_unknown_action_row(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)
    table = spec / "v201/messages.csv"
    table.write_text(table.read_text() + "Teleport,CSMS,CALL,Z Magic,\n", encoding="utf-8")
    d = only(diagnostics(spec))
    assert (d.file, d.where) == ("v201/messages.csv", "row 66")
    assert "unknown action 'Teleport'" in d.message


def test_duplicate_and_missing_rows(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)
    table = spec / "v201/messages.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    heartbeat = next(line for line in lines if line.startswith("Heartbeat,"))
    lines = [line for line in lines if not line.startswith("Authorize,")] + [heartbeat]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = lines.index(heartbeat) + 1  # rows count from 1, the header included
    messages = sorted(d.message for d in diagnostics(spec))
    assert messages == [
        f"duplicate row for action 'Heartbeat' (first in row {first})",
        "missing row for action 'Authorize' (schema v201/schemas/AuthorizeRequest.json)",
    ]


def test_missing_response_schema(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)
    (spec / "v201/schemas/HeartbeatResponse.json").unlink()
    d = only(diagnostics(spec))
    assert d.file == "v201/messages.csv"
    assert d.message == "CALL action 'Heartbeat' has no response schema"


def test_bad_initiator_and_use_case(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)
    edit_text(spec / "v201/messages.csv", "Heartbeat,ChargingStation,", "Heartbeat,Station,")
    edit_text(spec / "v201/usecases.csv", "B01,", "B01X,")
    messages = sorted(d.message for d in diagnostics(spec))
    assert "initiator must be ChargingStation, CSMS or Both, not 'Station'" in messages
    assert "unknown use case 'B01' (not in usecases.csv)" in messages


def test_unsupported_keyword_is_an_error(tmp_path: Path) -> None:
    spec = copy_spec(tmp_path)

    def add_one_of(doc: Any) -> None:
        doc["properties"]["reason"]["oneOf"] = [{"type": "string"}]

    edit_json(spec / "v201/schemas/BootNotificationRequest.json", add_one_of)
    d = only(diagnostics(spec))
    assert d.where == "/properties/reason/oneOf"
    assert d.message == "unsupported schema keyword 'oneOf'"


def test_all_problems_reported_together_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy_spec(tmp_path)
    out = copy_generated(tmp_path)
    before = snapshot(out)
    (spec / "v201/schemas/HeartbeatRequest.json").write_text("{", encoding="utf-8")
    (spec / "v201/schemas/ResetResponse.json").unlink()
    edit_text(
        spec / "v201/messages.csv", "StatusNotification,ChargingStation,", "StatusNotification,X,"
    )
    status = main(["generate", "--version", "2.0.1", "--spec-dir", str(spec), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert "v201/schemas/HeartbeatRequest.json:line 1 column 2: error: not valid JSON" in err
    assert "error: initiator must be ChargingStation, CSMS or Both, not 'X'" in err
    assert "CALL action 'Reset' has no response schema" in err
    assert "ocppgen: 3 error(s); nothing was written" in err
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["generate", "--version", "9.9"],
            "unknown OCPP version '9.9'; known versions: 1.6, 2.0.1, 2.1",
        ),
        (["generate", "--spec-dir", "/no/such/dir"], "'/no/such/dir' is not a folder"),
        (["generate", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["explode"], "invalid choice: 'explode'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_cli_arguments_say_what_is_wrong(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert expected in capsys.readouterr().err
