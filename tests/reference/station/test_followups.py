"""Follow-ups on the reference station: connector status without a cable (E03, G01), state
file folders, idTokens with no EVSE free (C01/E07), J02 TxEndedInterval samples and
OCPPCommCtrlr.QueueAllMessages. Real sockets on 127.0.0.1, real SQLite files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.station import Station
from ocppgen.reference.station.control import ControlServer
from tests.reference.station.conftest import BASE_OVERRIDES, TIME_SCALE, StationFactory, until
from tests.reference.station.csms import RecordingCsms
from tests.reference.station.process import launch

Payload = dict[str, Any]


@dataclass
class GroupCsms(RecordingCsms):
    """The recording CSMS, answering Authorize with a groupIdToken for the idTokens in
    `groups` (idToken -> group idToken)."""

    groups: dict[str, str] = field(default_factory=dict)

    def answer(self, action: str, request: Payload) -> Payload:
        payload = super().answer(action, request)
        token = request.get("idToken", {}).get("idToken")
        if action == "Authorize" and token in self.groups:
            group = {"idToken": self.groups[token], "type": "Central"}
            payload["idTokenInfo"]["groupIdToken"] = group
        return payload


@pytest.fixture
async def csms() -> AsyncIterator[GroupCsms]:
    server = GroupCsms()
    await server.start()
    yield server
    await server.close()


async def _online(make_station: StationFactory, **kwargs: Any) -> Station:
    station = await make_station(**kwargs)
    await station.wait_online(5)
    await station.idle()
    return station


async def _barrier(csms: RecordingCsms) -> None:
    """Have the station send a Heartbeat (TriggerMessage) and wait for it: whatever it was
    going to send before has arrived by then, so a status missing now was never sent."""
    rec = csms.recorder
    before = len(rec.messages("Heartbeat"))
    answer = await csms.call("CS001", "TriggerMessage", {"requestedMessage": "Heartbeat"})
    assert answer["status"] == "Accepted"
    await rec.wait(lambda: len(rec.messages("Heartbeat")) > before)


def _statuses(csms: RecordingCsms) -> list[tuple[int, int, str]]:
    return [
        (p["evseId"], p["connectorId"], p["connectorStatus"])
        for p in csms.recorder.messages("StatusNotification")
    ]


def _moment(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _whole_ms(moment: datetime) -> datetime:
    """As the runtime writes date-times (3 fractional digits, truncated): a message made in the
    same millisecond as `moment` is not earlier than it."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# -- 1. connector status ---------------------------------------------------------------------


async def test_e03_connector_available_until_the_cable_is_plugged_in(
    csms: GroupCsms, make_station: StationFactory
) -> None:
    station = await _online(make_station, overrides={"TxCtrlr.TxStartPoint": "Authorized"})
    rec = csms.recorder
    assert await station.present_token("E03A") == "Accepted"
    started = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    assert started["triggerReason"] == "Authorized"
    await station.idle()
    # E02.FR.05 / G01.FR.03: Occupied means an EV is connected; no cable yet
    assert station.connector_status(1, 1).value == "Available"
    assert _statuses(csms) == [(1, 1, "Available")]
    await station.plug_in(1)
    await rec.expect("TransactionEvent", lambda p: p["triggerReason"] == "CablePluggedIn")
    await rec.expect("StatusNotification", lambda p: p["connectorStatus"] == "Occupied")
    await station.unplug(1)  # TxStopPoint EVConnected: the transaction ends
    await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    await station.idle()
    assert _statuses(csms) == [(1, 1, "Available"), (1, 1, "Occupied"), (1, 1, "Available")]


async def test_g01_remote_start_multi_connector_siblings_not_reported(
    csms: GroupCsms, make_station: StationFactory
) -> None:
    station = await _online(
        make_station, evses=(2,), overrides={"TxCtrlr.TxStartPoint": "Authorized"}
    )
    rec = csms.recorder
    answer = await csms.call(
        "CS001",
        "RequestStartTransaction",
        {"idToken": {"idToken": "R1", "type": "Central"}, "remoteStartId": 1, "evseId": 1},
    )
    assert answer["status"] == "Accepted"
    started = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    assert started["triggerReason"] == "RemoteStart"
    await station.idle()
    assert [station.connector_status(1, c).value for c in (1, 2)] == ["Available"] * 2
    await station.plug_in(1, connector_id=2)
    await rec.expect("StatusNotification", lambda p: p["connectorStatus"] == "Occupied")
    await station.idle()
    await _barrier(csms)
    # G01.FR.08: no report for the other connector of the EVSE
    assert _statuses(csms) == [(1, 1, "Available"), (1, 2, "Available"), (1, 2, "Occupied")]
    await station.unplug(1)  # the transaction ends; G01.FR.04: Available again
    await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    await station.idle()
    assert _statuses(csms)[3:] == [(1, 2, "Available")]


# -- 2. state file in a folder that does not exist yet --------------------------------------


async def test_station_creates_the_state_file_folder(tmp_path: Path, csms: GroupCsms) -> None:
    db_path = tmp_path / "not" / "yet" / "cs.db"
    station = Station(
        csms.url(), "CS001", db_path=db_path, overrides=BASE_OVERRIDES, time_scale=TIME_SCALE
    )
    async with station:
        await station.wait_online(5)
    assert db_path.is_file()
    cli_db = tmp_path / "cli" / "state" / "cs2.db"
    process = await launch(
        "--url",
        csms.url(),
        "--id",
        "CS002",
        "--db",
        str(cli_db),
        "--time-scale",
        str(TIME_SCALE),
        module=("ocppgen.reference.station.cli",),
    )
    try:
        await process.wait_online()
        assert await process.stop() == 0
    finally:
        await process.kill()
    assert cli_db.is_file()


# -- 3. an idToken with no EVSE free ------------------------------------------------------------


async def test_c01_token_with_no_evse_free_is_authorized_only(
    csms: GroupCsms, make_station: StationFactory
) -> None:
    station = await _online(make_station)
    rec = csms.recorder
    await station.plug_in(1)
    assert await station.present_token("OWNER") == "Accepted"
    started = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    # Another driver's card: Authorize (C01.FR.02), nothing starts, nothing raised
    assert await station.present_token("OTHER") == "Accepted"
    authorize = await rec.expect("Authorize", lambda p: p["idToken"]["idToken"] == "OTHER")
    assert authorize["idToken"]["type"] == "ISO14443"
    tx = station.evses[1].transaction
    assert tx is not None and tx.id == started["transactionInfo"]["transactionId"]
    # The same through the control API: an answer, not an error
    server = ControlServer(station)
    port = await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request, expected in (
            ({"cmd": "present_token", "id_token": "OTHER"}, {"ok": True, "result": "Accepted"}),
            ({"cmd": "present_token"}, {"ok": False, "error": "missing argument 'id_token'"}),
            ({"cmd": "unplug", "evse": 7}, {"ok": False, "error": "no EVSE 7"}),
            (
                {"cmd": "present_token", "id_token": "X", "type": "Nope"},
                {"ok": False, "error": "ValueError: 'Nope' is not a valid IdTokenEnumType"},
            ),
        ):
            writer.write(json.dumps(request).encode() + b"\n")
            assert json.loads(await reader.readline()) == expected
        writer.close()
    finally:
        await server.close()
    assert station.evses[1].transaction is tx
    # The owner's card still stops it (E07.FR.01 a, no Authorize)
    authorizes = len(rec.messages("Authorize"))
    assert await station.present_token("OWNER") == "Accepted"
    ended = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert ended["triggerReason"] == "StopAuthorized"
    assert ended["transactionInfo"]["stoppedReason"] == "Local"
    assert len(rec.messages("Authorize")) == authorizes


async def test_e07_token_of_the_same_group_stops_the_transaction(
    csms: GroupCsms, make_station: StationFactory
) -> None:
    csms.groups = {"OWNER": "FLEET", "MATE": "FLEET", "STRANGER": "OTHERS"}
    station = await _online(make_station)
    rec = csms.recorder

    async def start() -> None:
        await station.plug_in(1)
        assert await station.present_token("OWNER") == "Accepted"
        await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")

    async def stopped_by(token: str) -> None:
        ended = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
        assert ended["triggerReason"] == "StopAuthorized"
        assert ended["idToken"]["idToken"] == token  # E07.FR.02: the token that stopped it
        await station.unplug(1)

    await start()
    # another group: authorized, but it neither stops nor takes the busy EVSE
    assert await station.present_token("STRANGER") == "Accepted"
    assert station.evses[1].transaction is not None
    # MATE is not cached yet: Authorize names its group, the same as OWNER's: stop
    assert await station.present_token("MATE") == "Accepted"
    await rec.expect("Authorize", lambda p: p["idToken"]["idToken"] == "MATE")
    await stopped_by("MATE")
    await start()
    # MATE is cached now (valid, same group): stop without an Authorize (E07.FR.01 b)
    authorizes = len(rec.messages("Authorize"))
    assert await station.present_token("MATE") == "Accepted"
    await stopped_by("MATE")
    assert len(rec.messages("Authorize")) == authorizes


async def test_e07_own_token_stops_its_own_transaction_before_a_group_mates(
    csms: GroupCsms, make_station: StationFactory
) -> None:
    """OWNER charges on EVSE 1, MATE (same group) on EVSE 2. MATE presented with no EVSE named
    stops MATE's own transaction (C01.FR.03), not OWNER's, which a group token could also stop
    (E07.FR.01 b): the exact idToken goes first."""
    csms.groups = {"OWNER": "FLEET", "MATE": "FLEET"}
    station = await _online(make_station, evses=(1, 1))
    rec = csms.recorder
    for evse, token in ((1, "OWNER"), (2, "MATE")):
        await station.plug_in(evse)
        assert await station.present_token(token, evse_id=evse) == "Accepted"
        started = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
        assert started["evse"]["id"] == evse
    assert await station.present_token("MATE") == "Accepted"
    ended = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert (ended["evse"]["id"], ended["idToken"]["idToken"]) == (2, "MATE")
    assert station.evses[1].transaction is not None and station.evses[2].transaction is None


# -- 4. J02 SampledDataCtrlr.TxEndedInterval -----------------------------------------------------

ENDED_INTERVAL = 2  # s; * TIME_SCALE = 0.1 s between samples


async def test_j02_tx_ended_interval_periodic_samples_in_ended_event(
    csms: GroupCsms, make_station: StationFactory
) -> None:
    station = await _online(
        make_station,
        overrides={
            "SampledDataCtrlr.TxEndedInterval": str(ENDED_INTERVAL),
            "SampledDataCtrlr.TxEndedMeasurands": "Energy.Active.Import.Register,Voltage",
        },
    )
    rec = csms.recorder
    await station.plug_in(1)
    await station.present_token("J02")
    await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    tx = station.evses[1].transaction
    assert tx is not None
    await until(lambda: len(tx.ended_samples) >= 3)
    assert not [p for p in rec.messages("TransactionEvent") if p["eventType"] == "Updated"]
    await station.unplug(1)
    ended = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    *periodic, last = ended["meterValue"]
    assert len(periodic) >= 3
    assert {s["context"] for m in periodic for s in m["sampledValue"]} == {"Sample.Periodic"}
    assert all(
        [s["measurand"] for s in m["sampledValue"]] == ["Energy.Active.Import.Register", "Voltage"]
        for m in periodic
    )
    # every TxEndedInterval since the start of the transaction: 1, 2, 3, ... intervals in
    start = datetime.fromisoformat(tx.started_at)
    steps = [
        (_moment(m["timestamp"]) - start).total_seconds() / (ENDED_INTERVAL * TIME_SCALE)
        for m in periodic
    ]
    assert all(abs(step - round(step)) < 0.01 for step in steps), steps
    assert [round(step) for step in steps] == list(range(1, len(steps) + 1))
    energy = [m["sampledValue"][0]["value"] for m in periodic]
    assert energy == sorted(energy) and energy[-1] > energy[0]
    assert {s["context"] for s in last["sampledValue"]} == {"Transaction.End"}


# -- 5. OCPPCommCtrlr.QueueAllMessages -----------------------------------------------------------


@pytest.mark.parametrize("queue_all", [True, False])
async def test_queue_all_messages_keeps_status_changes_made_offline(
    csms: GroupCsms, make_station: StationFactory, queue_all: bool
) -> None:
    station = await _online(
        make_station,
        overrides={"OCPPCommCtrlr.QueueAllMessages": "true" if queue_all else "false"},
    )
    assert _statuses(csms) == [(1, 1, "Available")]
    await station.go_offline()
    offline_from = _whole_ms(datetime.now().astimezone())
    await station.plug_in(1)  # Occupied, then Available again, both while offline
    await station.unplug(1)
    assert len(station.outbox) == (2 if queue_all else 0)
    await station.go_online()
    await station.wait_online(5)
    await station.idle()
    await _barrier(csms)
    if not queue_all:  # B04.FR.02: back within OfflineThreshold, nothing changed to report
        assert _statuses(csms) == [(1, 1, "Available")]
        return
    queued = csms.recorder.messages("StatusNotification")[1:]
    assert [(p["connectorStatus"]) for p in queued] == ["Occupied", "Available"]
    assert all(_moment(p["timestamp"]) >= offline_from for p in queued)
    assert station.outbox.entries() == []


async def test_queue_all_messages_keeps_clock_aligned_meter_values_made_offline(
    csms: GroupCsms, make_station: StationFactory
) -> None:
    station = await _online(
        make_station,
        overrides={"OCPPCommCtrlr.QueueAllMessages": "true", "AlignedDataCtrlr.Interval": "2"},
    )
    await csms.recorder.expect("MeterValues")  # J01.FR.14, 0.1 s apart
    await station.go_offline()
    offline_from = datetime.now().astimezone()
    await until(lambda: len(station.outbox) >= 2)
    online_from = datetime.now().astimezone()
    await station.go_online()
    await station.wait_online(5)
    await csms.recorder.wait(
        lambda: any(
            offline_from <= _moment(p["meterValue"][0]["timestamp"]) <= online_from
            for p in csms.recorder.messages("MeterValues")
        )
    )
