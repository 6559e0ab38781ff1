"""J01 clock-aligned meter values, B04 status report after an outage, N07 events raised offline."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from ocppgen.generated import v201
from tests.reference.station.conftest import TIME_SCALE, StationFactory, until
from tests.reference.station.csms import RecordingCsms

Payload = dict[str, Any]

ALIGNED = 4  # s; * TIME_SCALE = 0.2 s between clock-aligned instants
ENDED = 2  # s; 0.1 s between TxEndedInterval samples


def _moment(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _aligned(timestamp: str, interval: float) -> bool:
    """Whether `timestamp` is a multiple of `interval` (scaled) seconds since midnight UTC."""
    moment = _moment(timestamp)
    since_midnight = moment.hour * 3600 + moment.minute * 60 + moment.second
    ratio = (since_midnight + moment.microsecond / 1e6) / (interval * TIME_SCALE)
    return abs(ratio - round(ratio)) < 0.01


def _contexts(meter_values: list[Payload]) -> set[str]:
    return {s["context"] for m in meter_values for s in m["sampledValue"]}


def _measurands(meter_value: Payload) -> list[str]:
    return [s["measurand"] for s in meter_value["sampledValue"]]


async def test_j01_clock_aligned_meter_values_idle_and_in_transaction(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await make_station(
        evses=(1, 1),
        overrides={
            "AlignedDataCtrlr.Interval": str(ALIGNED),
            "AlignedDataCtrlr.Measurands": "Energy.Active.Import.Register,Voltage",
            "AlignedDataCtrlr.TxEndedInterval": str(ENDED),
            "AlignedDataCtrlr.TxEndedMeasurands": "Energy.Active.Import.Register",
        },
    )
    rec = csms.recorder
    # J01.FR.14: MeterValues for every EVSE without a transaction, at every aligned instant;
    # J01.FR.02 the evseId, J01.FR.05/17 one timestamp per MeterValue, J01.FR.08 the context
    idle = [await rec.expect("MeterValues") for _ in range(4)]
    assert {m["evseId"] for m in idle} == {1, 2}
    for message in idle:
        [value] = message["meterValue"]
        assert _aligned(value["timestamp"], ALIGNED)
        assert _measurands(value) == ["Energy.Active.Import.Register", "Voltage"]
        assert _contexts([value]) == {"Sample.Clock"}
    # J01.FR.22: during a transaction an Updated event (MeterValueClock) replaces MeterValues
    await station.plug_in(1)
    await station.present_token("AA")
    started = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    clock = await rec.expect("TransactionEvent", lambda p: p["triggerReason"] == "MeterValueClock")
    assert clock["eventType"] == "Updated"
    [value] = clock["meterValue"]
    assert _aligned(value["timestamp"], ALIGNED)
    assert _contexts([value]) == {"Sample.Clock"}
    assert _measurands(value) == ["Energy.Active.Import.Register", "Voltage"]
    after_start = rec.log[rec.log.index(("CS001", "TransactionEvent", started)) :]
    assert {p["evseId"] for _, a, p in after_start if a == "MeterValues"} <= {2}
    # TxEndedInterval: aligned samples of the TxEndedMeasurands go into the Ended event
    tx = station.evses[1].transaction
    assert tx is not None
    await until(lambda: len(tx.ended_samples) >= 3)
    await station.unplug(1)
    ended = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    *clocked, last = ended["meterValue"]
    assert len(clocked) >= 3
    assert _contexts(clocked) == {"Sample.Clock"}
    assert all(_aligned(m["timestamp"], ENDED) for m in clocked)
    assert all(_measurands(m) == ["Energy.Active.Import.Register"] for m in clocked)
    stamps = [_moment(m["timestamp"]) for m in clocked]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert _contexts([last]) == {"Transaction.End"}
    energy = [m["sampledValue"][0]["value"] for m in clocked]
    assert energy == sorted(energy) and energy[-1] > energy[0]  # charging between samples
    # Idle again: MeterValues for EVSE 1 come back
    back = await rec.expect("MeterValues", lambda p: p["evseId"] == 1)
    assert _contexts(back["meterValue"]) == {"Sample.Clock"}


async def test_j01_clock_aligned_send_during_idle_stops_in_transaction(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await make_station(
        evses=(1, 1),
        overrides={
            "AlignedDataCtrlr.Interval": "2",
            "AlignedDataCtrlr.SendDuringIdle": "true",
        },
    )
    rec = csms.recorder
    await rec.expect("MeterValues", lambda p: p["evseId"] == 1)
    await rec.expect("MeterValues", lambda p: p["evseId"] == 2)
    await station.plug_in(1)
    await station.present_token("AB")
    await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Started")
    await station.idle()
    count = len(rec.messages("MeterValues"))
    await asyncio.sleep(0.5)  # five aligned instants (0.1 s)
    # J01.FR.20: with SendDuringIdle, no aligned data at all while a transaction runs
    assert len(rec.messages("MeterValues")) == count
    assert [e["triggerReason"] for e in rec.messages("TransactionEvent")] == ["Authorized"]
    await station.unplug(1)
    await rec.expect("MeterValues", lambda p: p["evseId"] == 1)  # idle again: sent again


async def test_f06_trigger_meter_values_uses_aligned_measurands(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await make_station(
        overrides={"AlignedDataCtrlr.Measurands": "Voltage,Current.Import"}
    )
    await station.wait_online(5)
    conn = await csms.station("CS001")
    answer = await conn.call(
        v201.TriggerMessageRequest.from_json_dict({"requestedMessage": "MeterValues"})
    )
    assert isinstance(answer, v201.TriggerMessageResponse)
    assert answer.status is v201.TriggerMessageStatusEnumType.Accepted
    meter = await csms.recorder.expect("MeterValues")
    # F06.FR.06: the most recent values of the AlignedDataCtrlr.Measurands (Interval is 0 here)
    [value] = meter["meterValue"]
    assert _measurands(value) == ["Voltage", "Current.Import"]
    assert _contexts([value]) == {"Trigger"}


@pytest.mark.parametrize(
    ("threshold", "offline_for", "reported"),
    [
        # B04.FR.01: offline longer than OfflineThreshold (10 s * 0.05 = 0.5 s): every connector
        ("10", 0.7, {(1, 1, "Available"), (2, 1, "Faulted"), (3, 1, "Available")}),
        # B04.FR.02: not longer (200 s * 0.05 = 10 s): only the connector that changed
        ("200", 0.1, {(2, 1, "Faulted")}),
    ],
    ids=["long", "short"],
)
async def test_b04_long_outage_reports_all_connectors(
    csms: RecordingCsms,
    make_station: StationFactory,
    threshold: str,
    offline_for: float,
    reported: set[tuple[int, int, str]],
) -> None:
    station = await make_station(
        evses=(1, 1, 1), overrides={"OCPPCommCtrlr.OfflineThreshold": threshold}
    )
    rec = csms.recorder
    await rec.wait(lambda: len(rec.messages("StatusNotification")) == 3)
    await station.idle()
    await station.go_offline()
    await station.fault(2)  # a status change while offline
    await asyncio.sleep(offline_for)
    seen = len(rec.log)
    await station.go_online()
    await rec.expect("StatusNotification", lambda p: p["connectorStatus"] == "Faulted")
    await station.idle()
    after = [p for _, a, p in rec.log[seen:] if a == "StatusNotification"]
    assert {(p["evseId"], p["connectorId"], p["connectorStatus"]) for p in after} == reported
    assert len(after) == len(reported)
    assert "BootNotification" not in [a for _, a, _ in rec.log[seen:]]  # no reboot
    assert station.snapshot()["evses"]["2"]["connectors"]["1"] == "Faulted"


async def test_n07_event_while_offline_sent_after_reconnect(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await make_station(evses=(1, 1))
    rec = csms.recorder
    await rec.wait(lambda: len(rec.messages("StatusNotification")) == 2)
    await station.idle()
    await station.go_offline()
    await station.fault(1)  # N07 alert (severity 4, Error)
    await station.set_lock_failure(2)
    await station.plug_in(2)  # G05 lock failure (severity 1, HardwareFailure)
    await station.clear_fault(1)  # N07.FR.02: cleared
    queued = [e for e in station.outbox.entries() if e.action == "NotifyEvent"]
    assert len(queued) == 3 and all(e.persistent for e in queued)
    # Persistent: a restart while offline keeps them (the same SQLite file)
    await station.stop()
    station = await make_station(evses=(1, 1), start=False)
    seen = len(rec.log)
    await station.start()
    events = [await rec.expect("NotifyEvent") for _ in range(3)]
    await station.idle()
    # N07.FR.04: queued offline, sent once back online: after the boot and the status report
    after = [a for _, a, _ in rec.log[seen:]]
    assert after[0] == "BootNotification"
    assert after.index("NotifyEvent") > max(
        i for i, a in enumerate(after) if a == "StatusNotification"
    )
    data = [e["eventData"][0] for e in events]
    assert [(d["component"]["name"], d["actualValue"]) for d in data] == [
        ("EVSE", "Faulted"),
        ("ConnectorPlugRetentionLock", "true"),
        ("EVSE", "Available"),
    ]
    assert data[2]["cleared"] is True
    ids = [d["eventId"] for d in data]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert all(e["seqNo"] == 0 for e in events)  # N07.FR.07
    assert len(station.outbox) == 0


async def test_n07_event_while_offline_above_queuing_severity_is_dropped(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    station = await make_station(
        evses=(1, 1), overrides={"MonitoringCtrlr.OfflineQueuingSeverity": "3"}
    )
    rec = csms.recorder
    await rec.wait(lambda: len(rec.messages("StatusNotification")) == 2)
    await station.idle()
    await station.go_offline()
    await station.fault(1)  # severity 4 > 3: not queued (N07.FR.04)
    await station.set_lock_failure(2)
    await station.plug_in(2)  # severity 1 <= 3: queued
    await station.go_online()
    event = await rec.expect("NotifyEvent")
    await station.idle()
    assert event["eventData"][0]["component"]["name"] == "ConnectorPlugRetentionLock"
    assert len(rec.messages("NotifyEvent")) == 1
    # Online, every event is sent whatever its severity
    await station.clear_fault(1)
    cleared = await rec.expect("NotifyEvent")
    assert cleared["eventData"][0]["cleared"] is True


async def test_meter_timers_end_with_their_transaction_and_the_station(
    csms: RecordingCsms, make_station: StationFactory
) -> None:
    """Every J01/J02 timer runs while it has work: a transaction's timers stop when it ends,
    the clock when the station stops; no task outlives the station."""
    before = asyncio.all_tasks()
    station = await make_station(
        evses=(1, 1),
        overrides={
            "AlignedDataCtrlr.Interval": str(ENDED),
            "AlignedDataCtrlr.TxEndedInterval": str(ENDED),
            "SampledDataCtrlr.TxEndedInterval": str(ENDED),
            "SampledDataCtrlr.TxUpdatedInterval": str(ENDED),
        },
    )
    rec = csms.recorder
    await station.wait_online(5)
    for evse, token in ((1, "T1"), (2, "T2")):
        await station.plug_in(evse)
        await station.present_token(token, evse_id=evse)
    await rec.expect("TransactionEvent", lambda p: p["triggerReason"] == "MeterValuePeriodic")
    tx = station.evses[1].transaction
    assert tx is not None
    await until(lambda: len(tx.ended_samples) >= 2)
    await station.unplug(1)
    ended = await rec.expect("TransactionEvent", lambda p: p["eventType"] == "Ended")
    await asyncio.sleep(ENDED * TIME_SCALE * 2)  # two more instants: nothing more for EVSE 1
    assert tx.ended_samples == [
        m for m in ended["meterValue"] if m["sampledValue"][0]["context"] != "Transaction.End"
    ]
    later = [p for _, a, p in rec.log if a == "TransactionEvent" and p["evse"]["id"] == 1]
    assert later[-1] is ended
    await station.stop()
    assert [t for t in asyncio.all_tasks() - before if not t.done()] == []
