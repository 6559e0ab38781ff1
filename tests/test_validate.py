"""`ocppgen validate` on single payloads (issue 16 item 5): every error with its JSON pointer,
and the code a real runtime `Connection` answers the same payload with."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from ocppgen.cli import main
from ocppgen.generated import v16, v21, v201
from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.core import Connection, ProtocolFault

BOOT = {"chargingStation": {"vendorName": "V", "model": "M"}, "reason": "PowerUp"}


def validate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, payload: Any, *args: str
) -> tuple[int, str, str]:
    file = tmp_path / "payload.json"
    file.write_text(payload if isinstance(payload, str) else json.dumps(payload), "utf-8")
    status = main(["validate", *args, str(file)])
    out, err = capsys.readouterr()
    return status, out.replace(str(file), "FILE"), err


def runtime_code(version: VersionSpec, action: str, payload: Any, role: Role) -> str | None:
    """The code a runtime Connection answers a CALL of `payload` with."""
    conn = Connection(version, role)
    [event] = conn.receive(json.dumps([2, "1", action, payload]))
    assert isinstance(event, ProtocolFault)
    return event.code


def test_a_valid_payload(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = ("--version", "2.0.1", "--action", "BootNotification")
    assert validate(capsys, tmp_path, BOOT, *args) == (
        0,
        "FILE: valid BootNotificationRequest (OCPP 2.0.1)\n",
        "",
    )


def test_every_error_with_its_pointer_and_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    payload = {"chargingStation": {"vendorName": "V", "model": 5}, "reason": "Nope", "extra": 1}
    status, out, _ = validate(
        capsys, tmp_path, payload, "--version", "2.0.1", "--action", "BootNotification"
    )
    lines = out.splitlines()
    assert status == 1
    assert lines[0] == (
        "FILE: invalid BootNotificationRequest (OCPP 2.0.1): 3 error(s); "
        "the runtime answers CALLERROR ProtocolError"
    )
    assert lines[1].startswith("  /chargingStation/model: Input should be a valid string")
    assert lines[1].endswith("[string_type] -> TypeConstraintViolation")
    assert lines[2].startswith("  /reason: ") and lines[2].endswith(
        "-> PropertyConstraintViolation"
    )
    assert lines[3] == "  /extra: Extra inputs are not permitted [extra_forbidden] -> ProtocolError"
    assert runtime_code(v201.VERSION, "BootNotification", payload, Role.CSMS) == "ProtocolError"


@pytest.mark.parametrize(
    "version, payload",
    [
        (v201.VERSION, {"chargingStation": {"vendorName": "V"}, "reason": "PowerUp"}),
        (v201.VERSION, {"chargingStation": {"vendorName": "V", "model": "M" * 21}, "reason": "X"}),
        (v201.VERSION, []),
        (
            v201.VERSION,
            {"chargingStation": {"vendorName": "V", "model": "M\ud800"}, "reason": "Unknown"},
        ),
        (v16.VERSION, {"chargePointVendor": "V"}),
        (v16.VERSION, {"chargePointVendor": "V", "chargePointModel": 1}),
        (v21.VERSION, {**BOOT, "reason": 3}),
    ],
)
def test_the_code_is_the_one_the_runtime_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, version: VersionSpec, payload: Any
) -> None:
    expected = runtime_code(version, "BootNotification", payload, Role.CSMS)
    args = ("--version", version.name, "--action", "BootNotification")
    text = json.dumps(payload)  # keeps a lone surrogate as its escape, as on the wire
    status, out, _ = validate(capsys, tmp_path, text, *args)
    assert status == 1
    assert out.splitlines()[0].endswith(f"the runtime answers CALLERROR {expected}")


def test_responses_one_way_messages_and_text_that_is_not_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    response = {"currentTime": "2024-01-01T00:00:00", "interval": 300, "status": "Accepted"}
    args = ("--action", "BootNotification", "--response")
    out = validate(capsys, tmp_path, response, "--version", "2.1", *args)[1]
    assert "the runtime answers CALLRESULTERROR PropertyConstraintViolation" in out
    out = validate(capsys, tmp_path, response, "--version", "2.0.1", *args)[1]
    assert "answers nothing (OCPP 2.0.1 has no CALLRESULTERROR); its caller gets " in out
    status, out, _ = validate(
        capsys, tmp_path, {}, "--version", "2.1", "--action", "NotifyPeriodicEventStream"
    )
    assert status == 1 and "a SEND is never answered); the fault is Occurrence" in out
    status, out, _ = validate(capsys, tmp_path, "{", "--version", "1.6", "--action", "Heartbeat")
    assert status == 1
    assert out.startswith(
        "FILE: invalid HeartbeatRequest (OCPP 1.6): 1 error(s); the runtime "
        "answers CALLERROR FormationViolation\n  (payload): not JSON:"
    )


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(BOOT)))
    assert main(["validate", "--version", "2.1", "--action", "BootNotification", "-"]) == 0
    assert capsys.readouterr().out == "-: valid BootNotificationRequest (OCPP 2.1)\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--version", "2.0.1", "--action", "BootNotifcation"],
            "OCPP 2.0.1 has no action 'BootNotifcation'; did you mean BootNotification?",
        ),
        (
            ["--version", "2.1", "--action", "NotifyPeriodicEventStream", "--response"],
            "NotifyPeriodicEventStream is a one-way SEND in OCPP 2.1: it has no response",
        ),
        (["--action", "Heartbeat"], "give FILE (or -), --version and --action; or --capture"),
        (
            ["--version", "2.0.1", "--action", "Heartbeat", "--capture", "x"],
            "--capture takes no FILE, --version, --action or --response",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    status, out, err = validate(capsys, tmp_path, {}, *args)
    assert (status, out) == (2, "")
    assert err.startswith(f"ocppgen validate: error: {message}") and err.count("\n") == 1


def test_unreadable_file_and_unknown_version(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing.json")
    assert main(["validate", "--version", "2.1", "--action", "Heartbeat", missing]) == 2
    assert capsys.readouterr().err == (
        f"ocppgen validate: error: cannot read {missing}: No such file or directory\n"
    )
    with pytest.raises(SystemExit) as exit_:
        main(["validate", "--version", "3.0", "--action", "Heartbeat", missing])
    assert exit_.value.code == 2
    assert "unknown OCPP version '3.0'" in capsys.readouterr().err
