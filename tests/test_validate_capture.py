"""The runtime's frame log and `ocppgen validate --capture` (issue 16 item 5): real traffic
between a CsmsServer and a StationClient logs clean; each rule of the checker has a capture
that breaks it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from ocppgen.cli import main
from ocppgen.generated import v201
from ocppgen.runtime.capture import FrameLog, parse_record
from ocppgen.runtime.client import StationClient
from ocppgen.runtime.server import CsmsServer
from tests.runtime.peers import CsmsHandler, StationHandler, boot_request


def check(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list[str]]:
    status = main(["validate", "--capture", str(path)])
    out = capsys.readouterr().out.replace(str(path), "LOG")
    return status, out.splitlines()


async def test_real_traffic_logs_clean_on_both_ends(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csms_log = FrameLog.open(tmp_path / "csms.jsonl")
    station_log = FrameLog.open(tmp_path / "station.jsonl")
    server = CsmsServer([(v201.VERSION, CsmsHandler())], frame_log=csms_log)
    await server.start()
    try:
        versions = [(v201.VERSION, StationHandler())]
        async with StationClient(server.url(), "CS001", versions, frame_log=station_log) as client:
            conn = await client.connect()
            await conn.call(boot_request())
            await conn.call(v201.HeartbeatRequest())
            station = await server.wait_for_station("CS001")
            await station.call(v201.ResetRequest.from_json_dict({"type": "Immediate"}))
        # A peer that breaks the rules, around any runtime: a raw WebSocket.
        async with connect(server.url() + "CS002", subprotocols=[Subprotocol("ocpp2.0.1")]) as ws:
            await ws.send('[2,"x1","Heartbeat",{"extra":1}]')
            await ws.recv()
            await ws.send('[3,"nobody",{}]')
            await ws.send('[2,"x2","Heartbeat",{}]')
            await ws.recv()
    finally:
        await server.close()
        csms_log.close()
        station_log.close()
    records = [parse_record(line) for line in (tmp_path / "csms.jsonl").read_text().splitlines()]
    assert {(r.connection, r.version, r.role) for r in records} == {
        ("CS001", "2.0.1", "CSMS"),
        ("CS002", "2.0.1", "CSMS"),
    }
    assert "".join(r.direction[0] for r in records) == "ioioo" + "i" + "ioiio"
    assert records[0].time.endswith("Z") and json.loads(records[0].text)[2] == "BootNotification"
    status, lines = check(capsys, tmp_path / "csms.jsonl")
    assert status == 1
    assert lines[:3] == [
        "LOG:7: CS002 in: payload: invalid HeartbeatRequest: the runtime answers CALLERROR "
        "ProtocolError",
        "    /extra: Extra inputs are not permitted [extra_forbidden] -> ProtocolError",
        "LOG:9: CS002 in: correlation: CALLRESULT 'nobody' answers no outstanding CALL of the peer",
    ]
    assert lines[3:] == [
        "LOG: 11 frames on 2 connection(s) (5 CALL, 1 CALLERROR, 5 CALLRESULT)",
        "2 problem(s): correlation 1, payload 1",
    ]
    status, lines = check(capsys, tmp_path / "station.jsonl")
    assert lines == ["LOG: 6 frames on 1 connection(s) (3 CALL, 3 CALLRESULT)", "0 problem(s)"]
    assert status == 0


def _log(path: Path, frames: list[tuple[str, Any]], version: str = "2.0.1") -> Path:
    """A CSMS-side log of `frames`: (direction, frame as JSON data or raw text)."""
    lines = []
    for number, (direction, frame) in enumerate(frames):
        text = frame if isinstance(frame, str) else json.dumps(frame)
        record = {
            "time": f"2026-01-01T00:00:{number:02d}.000Z",
            "connection": "CS1",
            "version": version,
            "role": "CSMS",
            "direction": direction,
            "text": text,
        }
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


BOOT = {"chargingStation": {"vendorName": "V", "model": "M"}, "reason": "PowerUp"}
BOOTED = {"currentTime": "2026-01-01T00:00:00Z", "interval": 300, "status": "Accepted"}


@pytest.mark.parametrize(
    "frames, problem",
    [
        ([("in", "[2, 1")], "LOG:1: CS1 in: framing: not JSON: "),
        ([("in", [2, "1", "Fly", {}])], "no action 'Fly'; the receiver answers NotImplemented"),
        (
            [("out", [2, "1", "BootNotification", BOOT])],
            "BootNotification is not a CALL the CSMS sends; the receiver answers NotSupported",
        ),
        (
            [("in", [2, "1", "Heartbeat", {}]), ("in", [2, "1", "Heartbeat", {}])],
            "LOG:2: CS1 in: correlation: CALL '1' reuses the id of the CALL of line 1, still "
            "unanswered; the receiver answers RpcFrameworkError",
        ),
        (
            [("in", [2, "1", "Heartbeat", {}]), ("in", [2, "2", "BootNotification", BOOT])],
            "LOG:2: CS1 in: outstanding: BootNotification CALL '2' sent while Heartbeat CALL "
            "'1' (line 1) awaits its answer: one outstanding CALL per direction",
        ),
        (
            [
                ("in", [2, "1", "BootNotification", BOOT]),
                ("out", [3, "1", {**BOOTED, "interval": "x"}]),
            ],
            "LOG:2: CS1 out: payload: invalid BootNotificationResponse: the runtime answers "
            "nothing",
        ),
        ([("out", [4, "9", "GenericError", "", {}])], "CALLERROR '9' answers no outstanding"),
        (
            [("in", [2, "1", "Heartbeat", {}]), ("out", [4, "1", "FormationViolation", "", {}])],
            "CALLERROR code 'FormationViolation' is not an OCPP 2.0.1 error code",
        ),
        ([("in", [6, "1", "NotifyPeriodicEventStream", {}])], "SEND does not exist in OCPP 2.0.1"),
    ],
)
def test_each_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, frames: list[tuple[str, Any]], problem: str
) -> None:
    status, lines = check(capsys, _log(tmp_path / "log.jsonl", frames))
    assert status == 1
    assert any(problem in line for line in lines), lines


def test_2_1_send_and_callresulterror(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stream = {
        "id": 1,
        "pending": 0,
        "basetime": "2026-01-01T00:00:00Z",
        "data": [{"t": 0, "v": "1"}],
    }
    frames: list[tuple[str, Any]] = [
        ("in", [6, "s1", "NotifyPeriodicEventStream", stream]),
        ("out", [2, "c1", "GetVariables", {"getVariableData": []}]),
        ("in", [3, "c1", {"getVariableResult": []}]),
        ("out", [5, "c1", "OccurrenceConstraintViolation", "empty", {}]),
        ("out", [5, "zz", "GenericError", "", {}]),
    ]
    status, lines = check(capsys, _log(tmp_path / "log.jsonl", frames, "2.1"))
    assert lines[:-2] == [
        "LOG:2: CS1 out: payload: invalid GetVariablesRequest: the runtime answers CALLERROR "
        "OccurrenceConstraintViolation",
        "    /getVariableData: List should have at least 1 item after validation, not 0 "
        "[too_short] -> OccurrenceConstraintViolation",
        "LOG:3: CS1 in: payload: invalid GetVariablesResponse: the runtime answers CALLRESULTERROR "
        "OccurrenceConstraintViolation",
        "    /getVariableResult: List should have at least 1 item after validation, not 0 "
        "[too_short] -> OccurrenceConstraintViolation",
        "LOG:5: CS1 out: correlation: CALLRESULTERROR 'zz' follows no CALLRESULT to a CALL of ours",
    ]
    assert status == 1


def test_unanswered_calls_are_noted_and_bad_records_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _log(tmp_path / "log.jsonl", [("in", [2, "1", "Heartbeat", {}])])
    status, lines = check(capsys, path)
    assert status == 0
    assert lines[0] == "LOG:1: CS1 in: note: Heartbeat CALL '1' has no answer in the capture"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            '{"time": "t"}\n[1]\n'
            + json.dumps({**json.loads(path.read_text().splitlines()[0]), "version": "9"})
            + "\n"
        )
    status, lines = check(capsys, path)
    assert status == 2
    missing = "connection, version, role, direction, text"
    assert f"LOG:2: not a frame-log record: missing or not a string: {missing}" in lines
    assert "LOG:3: not a frame-log record: a record is a JSON object" in lines
    assert (
        "LOG:4: not a frame-log record: unknown OCPP version '9'; known versions: 1.6, 2.0.1, 2.1"
        in lines
    )
    assert lines[-1] == "3 line(s) are not frame-log records"
    assert main(["validate", "--capture", str(tmp_path / "none")]) == 2
