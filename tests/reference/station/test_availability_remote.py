"""B12, G, F, N, P: reset with a transaction, availability, remote control, events, data
transfer; each against both test CSMSs (ocppgen's runtime and the `ocpp` package)."""

from __future__ import annotations

from typing import Any

from tests.reference.station.conftest import StationFactory, until
from tests.reference.station.csms import AnyCsms


async def online(make_station: StationFactory, **kwargs: Any) -> Any:
    station = await make_station(**kwargs)
    await station.wait_online(5)
    await station.idle()
    return station


async def ask(any_csms: AnyCsms, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    return await any_csms.call("CS001", action, payload)


async def charging(any_csms: AnyCsms, station: Any, token: str = "T1") -> dict[str, Any]:
    await station.plug_in(1)
    await station.present_token(token)
    started: dict[str, Any] = await any_csms.recorder.expect(
        "TransactionEvent", lambda p: p["eventType"] == "Started"
    )
    return started


async def test_b12_reset_with_ongoing_transaction(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    started = await charging(any_csms, station)
    on_idle = await ask(any_csms, "Reset", {"type": "OnIdle"})
    assert on_idle["status"] == "Scheduled"
    assert station.reboots == 0 and station.evses[1].transaction is not None
    immediate = await ask(any_csms, "Reset", {"type": "Immediate"})
    assert immediate["status"] == "Accepted"
    ended = await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert ended["triggerReason"] == "ResetCommand"
    assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
    assert ended["transactionInfo"]["transactionId"] == started["transactionInfo"]["transactionId"]
    await any_csms.recorder.expect("BootNotification", lambda p: p["reason"] == "RemoteReset")
    await until(lambda: station.reboots == 1)


async def test_b12_reset_on_idle_waits_for_the_end(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    await charging(any_csms, station)
    on_idle = await ask(any_csms, "Reset", {"type": "OnIdle"})
    assert on_idle["status"] == "Scheduled"
    await station.unplug(1)
    ended = await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert ended["triggerReason"] == "EVCommunicationLost"  # ended normally (B12.FR.03)
    await any_csms.recorder.expect("BootNotification", lambda p: p["reason"] == "RemoteReset")


async def test_g01_status_notification(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station, evses=(2,))
    rec = any_csms.recorder
    await rec.expect("StatusNotification")
    await rec.expect("StatusNotification")
    await station.plug_in(1, connector_id=2)
    occupied = await rec.expect("StatusNotification", lambda p: p["connectorStatus"] == "Occupied")
    assert (occupied["evseId"], occupied["connectorId"]) == (1, 2)  # G01.FR.03
    await station.unplug(1)
    available = await rec.expect("StatusNotification", lambda p: p["connectorId"] == 2)
    assert available["connectorStatus"] == "Available"  # G01.FR.04
    await station.idle()
    # G01.FR.08: no report for the sibling connector, which kept its status throughout
    reports = [(s["connectorId"], s["connectorStatus"]) for s in rec.messages("StatusNotification")]
    assert reports[2:] == [(2, "Occupied"), (2, "Available")]
    assert station.connector_status(1, 1).value == "Available"


async def test_g02_heartbeat_at_the_interval_given(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    any_csms.boot = [("Accepted", 2)]  # 2 s * 0.05 = 0.1 s
    station = await online(make_station)
    await any_csms.recorder.expect("Heartbeat")
    await any_csms.recorder.expect("Heartbeat")
    assert station.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 2


async def test_g03_change_availability_evse_and_connector(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(1, 2))
    await station.idle()
    answer = await ask(
        any_csms,
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": 2, "connectorId": 1}},
    )
    assert answer["status"] == "Accepted"
    change = await any_csms.recorder.expect(
        "StatusNotification", lambda p: p["connectorStatus"] == "Unavailable"
    )
    assert (change["evseId"], change["connectorId"]) == (2, 1)
    # an EVSE with a running transaction: Scheduled, applied when the transaction ends
    await charging(any_csms, station)
    answer = await ask(
        any_csms, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    )
    assert answer["status"] == "Scheduled"
    await station.unplug(1)
    await any_csms.recorder.expect(
        "StatusNotification", lambda p: p["evseId"] == 1 and p["connectorStatus"] == "Unavailable"
    )
    answer = await ask(
        any_csms, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 9}}
    )
    assert answer["status"] == "Rejected"


async def test_g04_change_availability_station(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(1, 1))
    await charging(any_csms, station)
    answer = await ask(any_csms, "ChangeAvailability", {"operationalStatus": "Inoperative"})
    assert answer["status"] == "Scheduled"
    assert station.operative
    await station.unplug(1)
    for evse in (1, 2):

        def unavailable(p: dict[str, Any], e: int = evse) -> bool:
            return bool(p["evseId"] == e and p["connectorStatus"] == "Unavailable")

        await any_csms.recorder.expect("StatusNotification", unavailable)
    assert not station.operative
    answer = await ask(any_csms, "ChangeAvailability", {"operationalStatus": "Operative"})
    assert answer["status"] == "Accepted"
    await any_csms.recorder.expect(
        "StatusNotification", lambda p: p["connectorStatus"] == "Available"
    )
    assert station.outbox.load_state("station_operative") is True  # persisted


async def test_g05_lock_failure(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    await station.set_lock_failure(1)
    await station.plug_in(1)
    event = await any_csms.recorder.expect("NotifyEvent")
    data = event["eventData"][0]
    assert data["component"]["name"] == "ConnectorPlugRetentionLock"
    assert (data["variable"]["name"], data["actualValue"], data["trigger"]) == (
        "Problem",
        "true",
        "Delta",
    )
    await station.present_token("T1")
    await station.idle()
    assert any_csms.recorder.messages("TransactionEvent") == []  # no charging without a lock


async def test_n07_alert_event(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    await station.fault(1)
    await any_csms.recorder.expect(
        "StatusNotification", lambda p: p["connectorStatus"] == "Faulted"
    )
    event = await any_csms.recorder.expect("NotifyEvent")
    data = event["eventData"][0]
    assert (data["trigger"], data["eventNotificationType"], data["actualValue"]) == (
        "Alerting",
        "HardWiredMonitor",
        "Faulted",
    )
    await station.clear_fault(1)
    cleared = await any_csms.recorder.expect("NotifyEvent")
    assert cleared["eventData"][0]["cleared"] is True


async def test_f01_f02_f03_remote_start_and_stop(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    answer = await ask(
        any_csms,
        "RequestStartTransaction",
        {"idToken": {"idToken": "REMOTE", "type": "Central"}, "remoteStartId": 42, "evseId": 1},
    )
    assert answer["status"] == "Accepted"
    await any_csms.recorder.expect("Authorize")  # AuthorizeRemoteStart is true by default
    await station.plug_in(1)
    started = await any_csms.recorder.expect("TransactionEvent")
    # TxStartPoint PowerPathClosed: starts when the EV is plugged in
    assert started["eventType"] == "Started" and started["idToken"]["idToken"] == "REMOTE"
    transaction_id = started["transactionInfo"]["transactionId"]
    stop = await ask(any_csms, "RequestStopTransaction", {"transactionId": transaction_id})
    assert stop["status"] == "Accepted"
    ended = await any_csms.recorder.expect("TransactionEvent")
    assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "RemoteStop",
        "Remote",
    )
    unknown = await ask(any_csms, "RequestStopTransaction", {"transactionId": "nope"})
    assert unknown["status"] == "Rejected"


async def test_f01_remote_start_cable_first_reports_remote_start_id(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, overrides={"TxCtrlr.TxStartPoint": "EVConnected"})
    await station.plug_in(1)
    started = await any_csms.recorder.expect("TransactionEvent")
    answer = await ask(
        any_csms,
        "RequestStartTransaction",
        {"idToken": {"idToken": "R2", "type": "Central"}, "remoteStartId": 7},
    )
    assert answer["transactionId"] == started["transactionInfo"]["transactionId"]
    updated = await any_csms.recorder.expect("TransactionEvent")
    assert updated["triggerReason"] == "RemoteStart"
    assert updated["transactionInfo"]["remoteStartId"] == 7


async def test_f06_trigger_message(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    await any_csms.recorder.expect("StatusNotification")
    answer = await ask(any_csms, "TriggerMessage", {"requestedMessage": "StatusNotification"})
    assert answer["status"] == "Accepted"
    await any_csms.recorder.expect("StatusNotification")
    answer = await ask(any_csms, "TriggerMessage", {"requestedMessage": "Heartbeat"})
    await any_csms.recorder.expect("Heartbeat")
    boot = await ask(any_csms, "TriggerMessage", {"requestedMessage": "BootNotification"})
    assert boot["status"] == "Rejected"  # already Accepted
    none = await ask(any_csms, "TriggerMessage", {"requestedMessage": "TransactionEvent"})
    assert none["status"] == "Rejected"
    await charging(any_csms, station)
    answer = await ask(
        any_csms, "TriggerMessage", {"requestedMessage": "TransactionEvent", "evse": {"id": 1}}
    )
    assert answer["status"] == "Accepted"
    triggered = await any_csms.recorder.expect("TransactionEvent")
    assert triggered["triggerReason"] == "Trigger" and triggered["seqNo"] == 1
    answer = await ask(any_csms, "TriggerMessage", {"requestedMessage": "MeterValues"})
    meter = await any_csms.recorder.expect("MeterValues")
    assert meter["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"


async def test_f05_unlock_connector(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    answer = await ask(any_csms, "UnlockConnector", {"evseId": 1, "connectorId": 1})
    assert answer["status"] == "Unlocked"
    answer = await ask(any_csms, "UnlockConnector", {"evseId": 3, "connectorId": 1})
    assert answer["status"] == "UnknownConnector"
    await charging(any_csms, station)
    answer = await ask(any_csms, "UnlockConnector", {"evseId": 1, "connectorId": 1})
    assert answer["status"] == "OngoingAuthorizedTransaction"


async def test_p01_data_transfer_unknown_vendor(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    await online(make_station)
    answer = await ask(any_csms, "DataTransfer", {"vendorId": "com.example", "messageId": "x"})
    assert answer["status"] == "UnknownVendorId"


async def test_c01_fr03_remote_started_token_with_additional_info_stops_locally(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    """The idToken held by the transaction carries additionalInfo (from the remote start); the
    same card presented locally (type and idToken only) still matches it (C01.FR.03)."""
    station = await online(make_station)
    token = {
        "idToken": "04CAFE",
        "type": "ISO14443",
        "additionalInfo": [{"additionalIdToken": "X-1", "type": "Tag"}],
    }
    answer = await ask(
        any_csms, "RequestStartTransaction", {"idToken": token, "remoteStartId": 5, "evseId": 1}
    )
    assert answer["status"] == "Accepted"
    await any_csms.recorder.expect("Authorize")
    await station.plug_in(1)
    started = await any_csms.recorder.expect("TransactionEvent")
    assert started["eventType"] == "Started"
    authorizes = len(any_csms.recorder.messages("Authorize"))
    assert await station.present_token("04CAFE") == "Accepted"
    ended = await any_csms.recorder.expect("TransactionEvent")
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "StopAuthorized")
    assert len(any_csms.recorder.messages("Authorize")) == authorizes  # matched locally
