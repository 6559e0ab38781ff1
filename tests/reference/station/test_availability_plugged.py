"""G03/G04 with an EV's cable plugged in: Inoperative with no transaction makes the
connectors Unavailable at once, cable or not (G03.FR.04/06, G04.FR.05/07); with a transaction
it is Scheduled until the end (G03.FR.05, G04.FR.06); Operative restores Occupied while the
cable is still in, else Available (G03.FR.07, G04.FR.08). Each runs against both test CSMSs."""

from __future__ import annotations

from typing import Any

from ocppgen.reference.station import Station
from tests.reference.station.conftest import StationFactory
from tests.reference.station.csms import AnyCsms

Report = tuple[int, int, str]

EVSE_1 = {"evse": {"id": 1}}
STATION: dict[str, Any] = {}  # no evse: the whole station (G04)


async def online(make_station: StationFactory, **kwargs: Any) -> Station:
    station = await make_station(**kwargs)
    await station.wait_online(5)
    await station.idle()
    return station


class Reports:
    """The StatusNotifications the CSMS received since the last `new()`."""

    def __init__(self, csms: AnyCsms, station: Station) -> None:
        self.csms = csms
        self.station = station
        self.seen = len(csms.recorder.messages("StatusNotification"))

    async def new(self) -> list[Report]:
        await self.station.idle()
        messages = self.csms.recorder.messages("StatusNotification")
        fresh, self.seen = messages[self.seen :], len(messages)
        return [(p["evseId"], p["connectorId"], p["connectorStatus"]) for p in fresh]


async def change(csms: AnyCsms, status: str, target: dict[str, Any]) -> str:
    answer = await csms.call("CS001", "ChangeAvailability", {"operationalStatus": status, **target})
    return str(answer["status"])


async def availability_state(csms: AnyCsms, component: dict[str, Any]) -> str:
    """The component's AvailabilityState, read with GetVariables."""
    data = {"component": component, "variable": {"name": "AvailabilityState"}}
    answer = await csms.call("CS001", "GetVariables", {"getVariableData": [data]})
    return str(answer["getVariableResult"][0]["attributeValue"])


async def start_charging(csms: AnyCsms, station: Station) -> str:
    await station.plug_in(1)
    await station.present_token("T1")
    started = await csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    return str(started["transactionInfo"]["transactionId"])


async def test_g03_inoperative_evse_with_cable_and_no_transaction(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    reports = Reports(any_csms, station)
    await station.plug_in(1)  # no idToken: no transaction (TxStartPoint PowerPathClosed)
    assert await reports.new() == [(1, 1, "Occupied")]
    assert station.evses[1].transaction is None
    assert await change(any_csms, "Inoperative", EVSE_1) == "Accepted"
    assert await reports.new() == [(1, 1, "Unavailable")]  # at once, cable or not
    assert await availability_state(any_csms, {"name": "EVSE", "evse": {"id": 1}}) == "Unavailable"
    assert await change(any_csms, "Operative", EVSE_1) == "Accepted"
    assert await reports.new() == [(1, 1, "Occupied")]  # the cable is still in (G03.FR.07)
    assert await change(any_csms, "Inoperative", EVSE_1) == "Accepted"
    assert await reports.new() == [(1, 1, "Unavailable")]
    await station.unplug(1)
    assert await reports.new() == []  # still Unavailable: nothing to report
    assert await change(any_csms, "Operative", EVSE_1) == "Accepted"
    assert await reports.new() == [(1, 1, "Available")]


async def test_g03_inoperative_evse_with_transaction_is_scheduled(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    reports = Reports(any_csms, station)
    tx_id = await start_charging(any_csms, station)
    assert await change(any_csms, "Inoperative", EVSE_1) == "Scheduled"
    assert await reports.new() == [(1, 1, "Occupied")]  # the plug-in; the change waits
    stop = await any_csms.call("CS001", "RequestStopTransaction", {"transactionId": tx_id})
    assert stop["status"] == "Accepted"
    await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert station.evses[1].plugged  # the transaction ended, the cable is still in
    assert await reports.new() == [(1, 1, "Unavailable")]
    assert await change(any_csms, "Operative", EVSE_1) == "Accepted"
    assert await reports.new() == [(1, 1, "Occupied")]


async def test_g03_operative_cancels_a_scheduled_inoperative(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    reports = Reports(any_csms, station)
    await start_charging(any_csms, station)
    assert await change(any_csms, "Inoperative", EVSE_1) == "Scheduled"
    assert await change(any_csms, "Operative", EVSE_1) == "Accepted"  # the latest one wins
    await station.unplug(1)  # ends the transaction (TxStopPoint EVConnected)
    await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert await reports.new() == [(1, 1, "Occupied"), (1, 1, "Available")]
    assert station.evses[1].operative


async def test_g03_inoperative_evse_without_cable(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(2,))
    reports = Reports(any_csms, station)
    assert await change(any_csms, "Inoperative", EVSE_1) == "Accepted"
    assert sorted(await reports.new()) == [(1, 1, "Unavailable"), (1, 2, "Unavailable")]
    await station.plug_in(1, connector_id=2)
    assert await reports.new() == []  # an Unavailable connector stays so
    assert await change(any_csms, "Operative", EVSE_1) == "Accepted"
    assert sorted(await reports.new()) == [(1, 1, "Available"), (1, 2, "Occupied")]


async def test_g04_inoperative_station_with_cable_and_no_transaction(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(1, 1))
    reports = Reports(any_csms, station)
    await station.plug_in(1)
    assert await reports.new() == [(1, 1, "Occupied")]
    assert await change(any_csms, "Inoperative", STATION) == "Accepted"
    assert sorted(await reports.new()) == [(1, 1, "Unavailable"), (2, 1, "Unavailable")]
    assert await availability_state(any_csms, {"name": "ChargingStation"}) == "Unavailable"
    await station.unplug(1)
    assert await reports.new() == []
    await station.plug_in(1)
    assert await reports.new() == []
    assert await change(any_csms, "Operative", STATION) == "Accepted"
    assert sorted(await reports.new()) == [(1, 1, "Occupied"), (2, 1, "Available")]


async def test_g04_inoperative_station_with_transaction_is_scheduled(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(1, 1))
    reports = Reports(any_csms, station)
    tx_id = await start_charging(any_csms, station)
    assert await change(any_csms, "Inoperative", STATION) == "Scheduled"
    assert await reports.new() == [(1, 1, "Occupied")]
    assert station.operative
    await any_csms.call("CS001", "RequestStopTransaction", {"transactionId": tx_id})
    await any_csms.recorder.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    assert sorted(await reports.new()) == [(1, 1, "Unavailable"), (2, 1, "Unavailable")]
    assert not station.operative
    assert await change(any_csms, "Operative", STATION) == "Accepted"
    assert sorted(await reports.new()) == [(1, 1, "Occupied"), (2, 1, "Available")]


async def test_g04_inoperative_station_without_cable(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station, evses=(1, 1))
    reports = Reports(any_csms, station)
    assert await change(any_csms, "Inoperative", STATION) == "Accepted"
    assert sorted(await reports.new()) == [(1, 1, "Unavailable"), (2, 1, "Unavailable")]
    assert await change(any_csms, "Operative", STATION) == "Accepted"
    assert sorted(await reports.new()) == [(1, 1, "Available"), (2, 1, "Available")]


async def test_g03_no_new_transaction_on_an_unavailable_evse(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(make_station)
    assert await change(any_csms, "Inoperative", EVSE_1) == "Accepted"
    await station.plug_in(1)
    assert await station.present_token("T1", evse_id=1) == "Accepted"
    remote = await any_csms.call(
        "CS001",
        "RequestStartTransaction",
        {"idToken": {"idToken": "R1", "type": "Central"}, "remoteStartId": 1, "evseId": 1},
    )
    assert remote["status"] == "Rejected"
    await station.idle()
    assert any_csms.recorder.messages("TransactionEvent") == []
    assert station.evses[1].transaction is None
    assert station.connector_status(1, 1).value == "Unavailable"


async def test_g03_inoperative_connector_takes_no_session(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await online(
        make_station, evses=(2,), overrides={"TxCtrlr.TxStartPoint": "EVConnected"}
    )
    reports = Reports(any_csms, station)
    target = {"evse": {"id": 1, "connectorId": 2}}
    assert await change(any_csms, "Inoperative", target) == "Accepted"
    assert await reports.new() == [(1, 2, "Unavailable")]
    await station.plug_in(1, connector_id=2)
    assert await reports.new() == []
    assert station.evses[1].transaction is None  # EVConnected, but the connector is out
    await station.unplug(1)
    await station.plug_in(1, connector_id=1)  # the EVSE's other connector is Operative
    started = await any_csms.recorder.expect("TransactionEvent")
    assert (started["eventType"], started["evse"]) == ("Started", {"id": 1, "connectorId": 1})
    assert await reports.new() == [(1, 1, "Occupied")]
