"""C, E, J: authorization, transactions and meter values, station side, over loopback against
both test CSMSs (ocppgen's runtime and the `ocpp` package)."""

from __future__ import annotations

from typing import Any

from tests.reference.station.conftest import StationFactory
from tests.reference.station.csms import AnyCsms

Payload = dict[str, Any]


def tx(p: Payload) -> Payload:
    info: Payload = p["transactionInfo"]
    return info


async def online(make_station: StationFactory, **kwargs: Any) -> Any:
    station = await make_station(**kwargs)
    await station.wait_online(5)
    await station.idle()
    return station


async def test_e02_cable_plugin_first(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station)  # TxStartPoint PowerPathClosed (default)
    rec = any_csms.recorder
    await rec.expect("StatusNotification")
    await station.plug_in(1)
    occupied = await rec.expect("StatusNotification", lambda p: p["connectorStatus"] == "Occupied")
    assert occupied["evseId"] == 1
    assert await station.present_token("04A1B2C3") == "Accepted"
    authorize = await rec.expect("Authorize")
    assert authorize["idToken"] == {"idToken": "04A1B2C3", "type": "ISO14443"}
    started = await rec.expect("TransactionEvent")
    assert started["eventType"] == "Started" and started["triggerReason"] == "Authorized"
    assert started["seqNo"] == 0 and "offline" not in started
    assert started["idToken"]["idToken"] == "04A1B2C3"
    assert tx(started)["chargingState"] == "Charging"
    assert started["meterValue"][0]["sampledValue"][0]["context"] == "Transaction.Begin"
    # the order on the wire: Occupied, Authorize, Started
    order = [
        a for a in rec.actions() if a in ("StatusNotification", "Authorize", "TransactionEvent")
    ]
    assert order[-3:] == ["StatusNotification", "Authorize", "TransactionEvent"]
    await station.unplug(1)
    ended = await rec.expect("TransactionEvent")
    assert ended["eventType"] == "Ended" and ended["seqNo"] == 1
    assert ended["triggerReason"] == "EVCommunicationLost"
    assert tx(ended)["stoppedReason"] == "EVDisconnected"
    assert tx(ended)["transactionId"] == tx(started)["transactionId"]
    assert ended["meterValue"][0]["sampledValue"][0]["context"] == "Transaction.End"
    await rec.expect("StatusNotification", lambda p: p["connectorStatus"] == "Available")
    assert station.evses[1].transaction is None


async def test_e01_tx_start_point_ev_connected(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, overrides={"TxCtrlr.TxStartPoint": "EVConnected"})
    await station.plug_in(1)
    started = await any_csms.recorder.expect("TransactionEvent")
    assert (started["eventType"], started["triggerReason"]) == ("Started", "CablePluggedIn")
    assert "idToken" not in started and tx(started)["chargingState"] == "EVConnected"
    await station.present_token("AA")
    updated = await any_csms.recorder.expect("TransactionEvent")
    assert (updated["eventType"], updated["triggerReason"], updated["seqNo"]) == (
        "Updated",
        "Authorized",
        1,
    )
    assert updated["idToken"]["idToken"] == "AA" and tx(updated)["chargingState"] == "Charging"


async def test_e03_idtoken_first(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station, overrides={"TxCtrlr.TxStartPoint": "Authorized"})
    await station.present_token("BB")
    started = await any_csms.recorder.expect("TransactionEvent")
    assert (started["triggerReason"], tx(started)["chargingState"]) == ("Authorized", "Idle")
    await station.plug_in(1)
    plugged = await any_csms.recorder.expect("TransactionEvent")
    assert (plugged["triggerReason"], tx(plugged)["chargingState"]) == (
        "CablePluggedIn",
        "Charging",
    )


async def test_e03_ev_connection_timeout(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(
        make_station,
        overrides={"TxCtrlr.TxStartPoint": "Authorized", "TxCtrlr.EVConnectionTimeOut": "4"},
    )
    await station.present_token("BB")
    await any_csms.recorder.expect("TransactionEvent")
    ended = await any_csms.recorder.expect("TransactionEvent")  # 4 s * 0.05 later
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "EVConnectTimeout")
    assert tx(ended)["stoppedReason"] == "Timeout"


async def test_e05_id_not_accepted(any_csms: AnyCsms, make_station: StationFactory) -> None:
    any_csms.tokens["BAD"] = "Invalid"
    station = await online(make_station)
    await station.plug_in(1)
    assert await station.present_token("BAD") == "Invalid"
    await any_csms.recorder.expect("Authorize")
    await station.idle()
    assert any_csms.recorder.messages("TransactionEvent") == []  # no transaction, no charging
    # Accepted by Authorize but refused in TransactionEventResponse: StopTxOnInvalidId ends it
    any_csms.tx_token_status["LATE"] = "Blocked"
    await station.present_token("LATE")
    await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    ended = await any_csms.recorder.expect("TransactionEvent")
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "Deauthorized")
    assert tx(ended)["stoppedReason"] == "DeAuthorized"


async def test_e07_locally_stopped_by_idtoken(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    await station.plug_in(1)
    await station.present_token("CC")
    await any_csms.recorder.expect("TransactionEvent")
    authorizes = len(any_csms.recorder.messages("Authorize"))
    await station.present_token("CC")
    ended = await any_csms.recorder.expect("TransactionEvent")
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "StopAuthorized")
    assert tx(ended)["stoppedReason"] == "Local" and ended["idToken"]["idToken"] == "CC"
    assert len(any_csms.recorder.messages("Authorize")) == authorizes  # E07.FR.01: no Authorize
    assert station.evses[1].plugged  # the EV is still there


async def test_e09_cable_disconnected_stops(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, overrides={"TxCtrlr.TxStopPoint": "EVConnected"})
    await station.plug_in(1)
    await station.present_token("DD")
    await any_csms.recorder.expect("TransactionEvent")
    await station.unplug(1)
    ended = await any_csms.recorder.expect("TransactionEvent")
    assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "EVCommunicationLost")
    assert tx(ended)["stoppedReason"] == "EVDisconnected" and tx(ended)["chargingState"] == "Idle"


async def test_e10_cable_disconnected_suspends(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, overrides={"TxCtrlr.StopTxOnEVSideDisconnect": "false"})
    await station.plug_in(1)
    await station.present_token("EE")
    await any_csms.recorder.expect("TransactionEvent")
    await station.unplug(1)
    updated = await any_csms.recorder.expect("TransactionEvent")
    assert (updated["eventType"], updated["triggerReason"]) == ("Updated", "EVCommunicationLost")
    assert tx(updated)["chargingState"] == "Idle"
    assert station.evses[1].transaction is not None
    await station.plug_in(1)
    back = await any_csms.recorder.expect("TransactionEvent")
    assert (back["triggerReason"], tx(back)["chargingState"]) == ("CablePluggedIn", "Charging")


async def test_e11_e12_e08_offline_transaction_queued(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    await station.plug_in(1)
    await station.present_token("FF")
    started = await any_csms.recorder.expect("TransactionEvent")
    await station.idle()  # the Started event is answered, not in flight
    await station.go_offline()  # E11: connection lost during the transaction
    assert await station.present_token("FF") == "Accepted"  # E08: stopped while offline
    await station.unplug(1)
    await station.plug_in(1)  # E12: a whole transaction while offline (cached token)
    assert await station.present_token("FF") == "Accepted"
    await station.unplug(1)
    assert len(station.outbox) == 3
    await station.go_online()
    events = [await any_csms.recorder.expect("TransactionEvent") for _ in range(3)]
    assert [e["eventType"] for e in events] == ["Ended", "Started", "Ended"]
    assert all(e["offline"] is True for e in events)
    assert tx(events[0])["transactionId"] == tx(started)["transactionId"]
    assert events[0]["seqNo"] == 1 and [e["seqNo"] for e in events[1:]] == [0, 1]


async def test_e13_transaction_message_not_accepted(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(
        make_station,
        overrides={
            "OCPPCommCtrlr.MessageAttempts[TransactionEvent]": "3",
            "OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]": "1",
        },
    )
    any_csms.tx_errors = 2  # two CALLERRORs, then accepted on the third attempt
    await station.plug_in(1)
    await station.present_token("GG")
    attempts = [await any_csms.recorder.expect("TransactionEvent") for _ in range(3)]
    assert {a["seqNo"] for a in attempts} == {0} and any_csms.tx_errors == 0
    await station.idle()
    assert station.outbox.dropped == []
    any_csms.tx_errors = 3  # never accepted: dropped after MessageAttempts, the next one goes on
    await station.unplug(1)
    for _ in range(3):
        await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    await station.idle()
    assert [e.payload["eventType"] for e in station.outbox.dropped] == ["Ended"]


async def test_c01_rfid_with_authorization_cache(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    await station.plug_in(1)
    assert await station.present_token("04AA", "ISO14443") == "Accepted"
    await any_csms.recorder.expect("Authorize")
    await station.present_token("04AA")  # stop
    await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    # the cache (LocalPreAuthorize) accepts the known token without a new Authorize
    await station.present_token("04AA")
    await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    assert len(any_csms.recorder.messages("Authorize")) == 1
    assert station.snapshot()["evses"]["1"]["transaction"]["id_token"]["idToken"] == "04AA"


async def test_c02_start_button(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(make_station)
    await station.plug_in(1)
    await station.press_start_button(1)
    started = await any_csms.recorder.expect("TransactionEvent")
    assert started["idToken"] == {"idToken": "", "type": "NoAuthorization"}
    assert any_csms.recorder.messages("Authorize") == []


async def test_c04_pin_code(any_csms: AnyCsms, make_station: StationFactory) -> None:
    any_csms.tokens["0000"] = "Invalid"
    station = await online(make_station)
    await station.plug_in(1)
    assert await station.present_token("0000", "KeyCode") == "Invalid"
    assert await station.present_token("1234", "KeyCode") == "Accepted"
    sent = [a["idToken"] for a in any_csms.recorder.messages("Authorize")]
    assert sent == [{"idToken": "0000", "type": "KeyCode"}, {"idToken": "1234", "type": "KeyCode"}]
    started = await any_csms.recorder.expect("TransactionEvent")
    assert started["idToken"]["type"] == "KeyCode"


async def test_j02_sampled_meter_values(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await online(
        make_station,
        overrides={
            "SampledDataCtrlr.TxUpdatedInterval": "2",  # 0.1 s at this time scale
            "SampledDataCtrlr.TxUpdatedMeasurands": (
                "Energy.Active.Import.Register,Power.Active.Import,Voltage"
            ),
        },
    )
    await station.plug_in(1)
    await station.present_token("HH")
    await any_csms.recorder.expect("TransactionEvent")
    periodic = [
        await any_csms.recorder.expect(
            "TransactionEvent", lambda p: p["triggerReason"] == "MeterValuePeriodic"
        )
        for _ in range(2)
    ]
    for event in periodic:
        sampled = event["meterValue"][0]["sampledValue"]
        assert [s["measurand"] for s in sampled] == [
            "Energy.Active.Import.Register",
            "Power.Active.Import",
            "Voltage",
        ]
        assert {s["context"] for s in sampled} == {"Sample.Periodic"}
        assert sampled[1]["value"] == 11000.0
    energy = [e["meterValue"][0]["sampledValue"][0]["value"] for e in periodic]
    assert energy[1] > energy[0] > 0
    await station.unplug(1)
    ended = await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    seqs = [e["seqNo"] for e in any_csms.recorder.messages("TransactionEvent")]
    assert seqs == list(range(len(seqs))) and ended["seqNo"] == seqs[-1]
