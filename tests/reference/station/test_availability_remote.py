"""B12, G, F, J, N, P: reset with a transaction, availability, remote control, events, data
transfer; and the same station against an independent CSMS built with the `ocpp` package."""

from __future__ import annotations

from typing import Any

from ocppgen.generated import v201
from ocppgen.runtime.model import OcppModel
from tests.reference.station.conftest import StationFactory, until
from tests.reference.station.csms import OcppPackageCsms, RecordingCsms


async def online(make_station: StationFactory, **kwargs: Any) -> Any:
    station = await make_station(**kwargs)
    await station.wait_online(5)
    await station.idle()
    return station


async def ask(csms: RecordingCsms, action: str, payload: dict[str, Any]) -> OcppModel:
    conn = await csms.station("CS001")
    request = v201.ACTIONS[action].request.from_json_dict(payload)
    return await conn.call(request)


async def charging(csms: RecordingCsms, station: Any, token: str = "T1") -> dict[str, Any]:
    await station.plug_in(1)
    await station.present_token(token)
    started: dict[str, Any] = await csms.recorder.expect(
        "TransactionEvent", lambda p: p["eventType"] == "Started"
    )
    return started


async def test_b12_reset_with_ongoing_transaction(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    started = await charging(csms, station)
    on_idle = await ask(csms, "Reset", {"type": "OnIdle"})
    assert on_idle.status.value == "Scheduled"  # type: ignore[attr-defined]
    assert station.reboots == 0 and station.evses[1].transaction is not None
    immediate = await ask(csms, "Reset", {"type": "Immediate"})
    assert immediate.status.value == "Accepted"  # type: ignore[attr-defined]
    ended = await csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert ended["triggerReason"] == "ResetCommand"
    assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
    assert ended["transactionInfo"]["transactionId"] == started["transactionInfo"]["transactionId"]
    await csms.recorder.expect("BootNotification", lambda p: p["reason"] == "RemoteReset")
    await until(lambda: station.reboots == 1)


async def test_b12_reset_on_idle_waits_for_the_end(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    await charging(csms, station)
    on_idle = await ask(csms, "Reset", {"type": "OnIdle"})
    assert on_idle.status.value == "Scheduled"  # type: ignore[attr-defined]
    await station.unplug(1)
    ended = await csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert ended["triggerReason"] == "EVCommunicationLost"  # ended normally (B12.FR.03)
    await csms.recorder.expect("BootNotification", lambda p: p["reason"] == "RemoteReset")


async def test_g01_status_notification(csms: RecordingCsms, make_station: StationFactory) -> None:
    station = await online(make_station, evses=(2,))
    rec = csms.recorder
    await rec.expect("StatusNotification")
    await rec.expect("StatusNotification")
    await station.plug_in(1, connector_id=2)
    occupied = await rec.expect("StatusNotification", lambda p: p["connectorStatus"] == "Occupied")
    assert (occupied["evseId"], occupied["connectorId"]) == (1, 2)
    other = await rec.expect("StatusNotification", lambda p: p["connectorId"] == 1)
    assert other["connectorStatus"] == "Unavailable"  # the EVSE's other connector


async def test_g02_heartbeat_at_the_interval_given(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    csms.boot = [("Accepted", 2)]  # 2 s * 0.05 = 0.1 s
    station = await online(make_station)
    await csms.recorder.expect("Heartbeat")
    await csms.recorder.expect("Heartbeat")
    assert station.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 2


async def test_g03_change_availability_evse_and_connector(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(1, 2))
    await station.idle()
    answer = await ask(
        csms,
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 2, "connectorId": 1}},
    )
    assert answer.status.value == "Accepted"  # type: ignore[attr-defined]
    change = await csms.recorder.expect(
        "StatusNotification", lambda p: p["connectorStatus"] == "Unavailable"
    )
    assert (change["evseId"], change["connectorId"]) == (2, 1)
    # an EVSE with a running transaction: Scheduled, applied when the transaction ends
    await charging(csms, station)
    answer = await ask(
        csms, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    )
    assert answer.status.value == "Scheduled"  # type: ignore[attr-defined]
    await station.unplug(1)
    await csms.recorder.expect(
        "StatusNotification", lambda p: p["evseId"] == 1 and p["connectorStatus"] == "Unavailable"
    )
    answer = await ask(
        csms, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 9}}
    )
    assert answer.status.value == "Rejected"  # type: ignore[attr-defined]


async def test_g04_change_availability_station(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(1, 1))
    await charging(csms, station)
    answer = await ask(csms, "ChangeAvailability", {"operationalStatus": "Inoperative"})
    assert answer.status.value == "Scheduled"  # type: ignore[attr-defined]
    assert station.operative
    await station.unplug(1)
    for evse in (1, 2):

        def unavailable(p: dict[str, Any], e: int = evse) -> bool:
            return bool(p["evseId"] == e and p["connectorStatus"] == "Unavailable")

        await csms.recorder.expect("StatusNotification", unavailable)
    assert not station.operative
    answer = await ask(csms, "ChangeAvailability", {"operationalStatus": "Operative"})
    assert answer.status.value == "Accepted"  # type: ignore[attr-defined]
    await csms.recorder.expect("StatusNotification", lambda p: p["connectorStatus"] == "Available")
    assert station.outbox.load_state("station_operative") is True  # persisted


async def test_g05_lock_failure(csms: RecordingCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    await station.set_lock_failure(1)
    await station.plug_in(1)
    event = await csms.recorder.expect("NotifyEvent")
    data = event["eventData"][0]
    assert data["component"]["name"] == "ConnectorPlugRetentionLock"
    assert (data["variable"]["name"], data["actualValue"], data["trigger"]) == (
        "Problem",
        "true",
        "Delta",
    )
    await station.present_token("T1")
    await station.idle()
    assert csms.recorder.messages("TransactionEvent") == []  # no charging without a lock


async def test_n07_alert_event(csms: RecordingCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    await station.fault(1)
    await csms.recorder.expect("StatusNotification", lambda p: p["connectorStatus"] == "Faulted")
    event = await csms.recorder.expect("NotifyEvent")
    data = event["eventData"][0]
    assert (data["trigger"], data["eventNotificationType"], data["actualValue"]) == (
        "Alerting",
        "HardWiredMonitor",
        "Faulted",
    )
    await station.clear_fault(1)
    cleared = await csms.recorder.expect("NotifyEvent")
    assert cleared["eventData"][0]["cleared"] is True


async def test_f01_f02_f03_remote_start_and_stop(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    answer = await ask(
        csms,
        "RequestStartTransaction",
        {"idToken": {"idToken": "REMOTE", "type": "Central"}, "remoteStartId": 42, "evseId": 1},
    )
    assert answer.status.value == "Accepted"  # type: ignore[attr-defined]
    await csms.recorder.expect("Authorize")  # AuthorizeRemoteStart is true by default
    await station.plug_in(1)
    started = await csms.recorder.expect("TransactionEvent")
    # TxStartPoint PowerPathClosed: starts when the EV is plugged in
    assert started["eventType"] == "Started" and started["idToken"]["idToken"] == "REMOTE"
    transaction_id = started["transactionInfo"]["transactionId"]
    stop = await ask(csms, "RequestStopTransaction", {"transactionId": transaction_id})
    assert stop.status.value == "Accepted"  # type: ignore[attr-defined]
    ended = await csms.recorder.expect("TransactionEvent")
    assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "RemoteStop",
        "Remote",
    )
    unknown = await ask(csms, "RequestStopTransaction", {"transactionId": "nope"})
    assert unknown.status.value == "Rejected"  # type: ignore[attr-defined]


async def test_f01_remote_start_cable_first_reports_remote_start_id(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, overrides={"TxCtrlr.TxStartPoint": "EVConnected"})
    await station.plug_in(1)
    started = await csms.recorder.expect("TransactionEvent")
    answer = await ask(
        csms,
        "RequestStartTransaction",
        {"idToken": {"idToken": "R2", "type": "Central"}, "remoteStartId": 7},
    )
    assert answer.transaction_id == started["transactionInfo"]["transactionId"]  # type: ignore[attr-defined]
    updated = await csms.recorder.expect("TransactionEvent")
    assert updated["triggerReason"] == "RemoteStart"
    assert updated["transactionInfo"]["remoteStartId"] == 7


async def test_f06_trigger_message(csms: RecordingCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    await csms.recorder.expect("StatusNotification")
    answer = await ask(csms, "TriggerMessage", {"requestedMessage": "StatusNotification"})
    assert answer.status.value == "Accepted"  # type: ignore[attr-defined]
    await csms.recorder.expect("StatusNotification")
    answer = await ask(csms, "TriggerMessage", {"requestedMessage": "Heartbeat"})
    await csms.recorder.expect("Heartbeat")
    boot = await ask(csms, "TriggerMessage", {"requestedMessage": "BootNotification"})
    assert boot.status.value == "Rejected"  # type: ignore[attr-defined]  # already Accepted
    none = await ask(csms, "TriggerMessage", {"requestedMessage": "TransactionEvent"})
    assert none.status.value == "Rejected"  # type: ignore[attr-defined]
    await charging(csms, station)
    answer = await ask(
        csms, "TriggerMessage", {"requestedMessage": "TransactionEvent", "evse": {"id": 1}}
    )
    assert answer.status.value == "Accepted"  # type: ignore[attr-defined]
    triggered = await csms.recorder.expect("TransactionEvent")
    assert triggered["triggerReason"] == "Trigger" and triggered["seqNo"] == 1
    answer = await ask(csms, "TriggerMessage", {"requestedMessage": "MeterValues"})
    meter = await csms.recorder.expect("MeterValues")
    assert meter["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"


async def test_f05_unlock_connector(csms: RecordingCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    answer = await ask(csms, "UnlockConnector", {"evseId": 1, "connectorId": 1})
    assert answer.status.value == "Unlocked"  # type: ignore[attr-defined]
    answer = await ask(csms, "UnlockConnector", {"evseId": 3, "connectorId": 1})
    assert answer.status.value == "UnknownConnector"  # type: ignore[attr-defined]
    await charging(csms, station)
    answer = await ask(csms, "UnlockConnector", {"evseId": 1, "connectorId": 1})
    assert answer.status.value == "OngoingAuthorizedTransaction"  # type: ignore[attr-defined]


async def test_p01_data_transfer_unknown_vendor(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    await online(make_station)
    answer = await ask(csms, "DataTransfer", {"vendorId": "com.example", "messageId": "x"})
    assert answer.status.value == "UnknownVendorId"  # type: ignore[attr-defined]


async def test_b01_e02_against_the_ocpp_package_csms(make_station: StationFactory) -> None:
    independent = OcppPackageCsms()
    url = await independent.start()
    try:
        station = await make_station("CS777", url=url)
        rec = independent.recorder
        boot = await rec.expect("BootNotification")
        assert boot["charging_station"]["vendor_name"] == "ocppgen"
        await rec.expect("StatusNotification")
        await station.plug_in(1)
        await rec.expect("StatusNotification", lambda p: p["connector_status"] == "Occupied")
        await station.present_token("PKG")
        await rec.expect("Authorize")
        started = await rec.expect("TransactionEvent")
        assert (started["event_type"], started["seq_no"]) == ("Started", 0)
        await station.unplug(1)
        ended = await rec.expect("TransactionEvent")
        assert (ended["event_type"], ended["seq_no"]) == ("Ended", 1)
        assert ended["transaction_info"]["stopped_reason"] == "EVDisconnected"
        await station.stop()
    finally:
        await independent.close()
