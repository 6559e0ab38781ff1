"""B02/B03 with TxCtrlr.TxBeforeAcceptedEnabled: local transactions before an Accepted boot.

B02.FR.02: until Accepted the station sends nothing but BootNotification; B02.FR.03 (Pending)
and B03.FR.01 (Rejected): with TxBeforeAcceptedEnabled a local transaction may start anyway,
its TransactionEvents queued until Accepted. Without it no transaction starts.
"""

from __future__ import annotations

from typing import Any

import pytest

from ocppgen.generated import v201
from tests.reference.station.conftest import StationFactory, until
from tests.reference.station.csms import RecordingCsms

Reg = v201.RegistrationStatusEnumType

# 10 s * TIME_SCALE 0.05 = 0.5 s until the boot is retried (B02.FR.08 / B03.FR.06)
RETRY = 10


def _tx(event: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = event["transactionInfo"]
    return info


@pytest.mark.parametrize("first_answer", ["Pending", "Rejected"])
async def test_b02_tx_before_accepted_enabled_queues_events_until_accepted(
    csms: RecordingCsms, make_station: StationFactory, first_answer: str
) -> None:
    csms.boot = [(first_answer, RETRY), ("Accepted", 300)]
    station = await make_station(overrides={"TxCtrlr.TxBeforeAcceptedEnabled": "true"})
    await until(lambda: station.registration is Reg(first_answer))
    # A local transaction (start button, C02: NoAuthorization needs no CSMS) before Accepted
    await station.plug_in(1)
    await station.press_start_button(1)
    tx = station.snapshot()["evses"]["1"]["transaction"]
    assert tx is not None  # B02.FR.03 / B03.FR.01: it started
    await station.unplug(1)  # ... and ended, all before the boot was accepted
    assert station.snapshot()["evses"]["1"]["transaction"] is None
    assert [e.action for e in station.outbox.entries()] == ["TransactionEvent"] * 2
    assert csms.recorder.actions() == ["BootNotification"]  # B02.FR.02 / B03.FR.02
    # After the Accepted boot: the status report, then the queued events in order
    await csms.recorder.expect("BootNotification")
    await csms.recorder.expect("BootNotification")
    events = [await csms.recorder.expect("TransactionEvent") for _ in range(2)]
    await station.idle()
    assert station.registration is Reg.Accepted
    assert [(e["eventType"], e["seqNo"]) for e in events] == [("Started", 0), ("Ended", 1)]
    assert {_tx(e)["transactionId"] for e in events} == {tx["id"]}
    assert events[0]["idToken"] == {"idToken": "", "type": "NoAuthorization"}
    assert _tx(events[1])["stoppedReason"] == "EVDisconnected"
    actions = csms.recorder.actions()
    assert actions[:3] == ["BootNotification", "BootNotification", "StatusNotification"]
    assert actions.index("StatusNotification") < actions.index("TransactionEvent")
    assert len(station.outbox) == 0


async def test_b02_tx_before_accepted_disabled_starts_no_transaction(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    csms.boot = [("Pending", RETRY), ("Accepted", 300)]
    station = await make_station(overrides={"TxCtrlr.TxStartPoint": "EVConnected"})
    assert station.dm.get_bool("TxCtrlr", "TxBeforeAcceptedEnabled") is False  # the default
    await until(lambda: station.registration is Reg.Pending)
    await station.plug_in(1)  # would start at once when Accepted (TxStartPoint EVConnected)
    await station.press_start_button(1)
    assert station.snapshot()["evses"]["1"]["transaction"] is None
    assert len(station.outbox) == 0
    await csms.recorder.expect("BootNotification")
    await csms.recorder.expect("BootNotification")
    status = await csms.recorder.expect("StatusNotification")
    await station.idle()
    assert status["connectorStatus"] == "Occupied"  # the EV is there, but nothing charges
    assert csms.recorder.messages("TransactionEvent") == []
    assert station.snapshot()["evses"]["1"]["transaction"] is None
    # Once Accepted, a local start works again
    await station.unplug(1)
    await station.plug_in(1)
    started = await csms.recorder.expect("TransactionEvent")
    assert (started["eventType"], started["triggerReason"]) == ("Started", "CablePluggedIn")
