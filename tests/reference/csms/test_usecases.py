"""CSMS side of the OCPP 2.0.1 basic use cases, end to end over loopback sockets: a station
(`MiniStation`, on the public runtime) talks to the running reference CSMS; each test checks
what came back over the wire and what the CSMS stored. Named by use-case ID."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocppgen.generated import v201
from ocppgen.reference.csms.app import Csms
from ocppgen.reference.demo import OperatorClient
from ocppgen.runtime.errors import RemoteCallError
from tests.reference.csms.conftest import StationFactory
from tests.reference.csms.helpers import eventually, stamp, tx_event

HEARTBEAT = [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]


async def test_b01_cold_boot_accepted(csms: Csms, station: StationFactory) -> None:
    mini = await station("CS1", boot=False, heartbeat_interval=123)
    response = await mini.boot()
    assert response.status == "Accepted"
    assert 111 <= response.interval <= 123  # up to 10% shorter: heartbeats spread
    assert abs((response.current_time - datetime.now(UTC)).total_seconds()) < 5
    stored = csms.store.station("CS1")
    assert stored is not None
    assert stored["registration_status"] == "Accepted"
    assert (stored["vendor_name"], stored["model"]) == ("ocppgen", "Mini")
    assert (stored["serial_number"], stored["boot_reason"]) == ("SN-CS1", "PowerUp")


async def test_b01_fr10_calls_before_accepted_boot_get_security_error(
    station: StationFactory,
) -> None:
    mini = await station("CS1", boot=False)
    with pytest.raises(RemoteCallError) as caught:
        await mini.heartbeat()
    assert caught.value.code == "SecurityError"
    assert (await mini.boot()).status == "Accepted"
    await mini.heartbeat()  # accepted now


async def test_b02_cold_boot_pending_configured_then_accepted(
    csms: Csms, station: StationFactory
) -> None:
    pending = [
        {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "HeartbeatInterval"},
            "attributeValue": "77",
        }
    ]
    mini = await station("CS1", boot=False, boot_policy="Pending", pending_variables=pending)
    first = await mini.boot()
    assert (first.status, first.interval) == ("Pending", 1)  # the boot retry interval
    # The CSMS configures the station while Pending (B02.FR.01) ...
    await eventually(lambda: "SetVariables" in mini.received)
    assert mini.variables[("OCPPCommCtrlr", "HeartbeatInterval")] == "77"
    await eventually(lambda: (csms.store.station("CS1") or {}).get("provisioned"))
    # ... refuses other CALLs until accepted (B02.FR.09) ...
    with pytest.raises(RemoteCallError) as caught:
        await mini.authorize("T1")
    assert caught.value.code == "SecurityError"
    # ... and accepts the next boot.
    second = await mini.boot()
    assert second.status == "Accepted"
    assert csms.store.station("CS1")["registration_status"] == "Accepted"  # type: ignore[index]


async def test_b03_cold_boot_rejected(csms: Csms, station: StationFactory) -> None:
    mini = await station("CS1", boot=False, boot_policy="Rejected")
    response = await mini.boot()
    assert (response.status, response.interval) == ("Rejected", 1)
    with pytest.raises(RemoteCallError) as caught:
        await mini.status(1, "Available")
    assert caught.value.code == "SecurityError"
    assert csms.store.connectors("CS1") == []
    assert csms.store.station("CS1")["registration_status"] == "Rejected"  # type: ignore[index]


async def test_b05_b06_set_and_get_variables_through_the_api(
    station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    status, body = await api.call(
        "CS1", "SetVariables", {"setVariableData": [{**HEARTBEAT[0], "attributeValue": "60"}]}
    )
    assert status == 200
    assert body["payload"]["setVariableResult"][0]["attributeStatus"] == "Accepted"
    assert mini.variables[("OCPPCommCtrlr", "HeartbeatInterval")] == "60"
    status, body = await api.call("CS1", "GetVariables", {"getVariableData": HEARTBEAT})
    assert status == 200
    assert body == {
        "action": "GetVariables",
        "payload": {
            "getVariableResult": [
                {"attributeStatus": "Accepted", "attributeValue": "60", **HEARTBEAT[0]}
            ]
        },
    }


async def test_b07_get_base_report_parts_collected(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    status, body = await api.call(
        "CS1", "GetBaseReport", {"requestId": 42, "reportBase": "FullInventory"}
    )
    assert (status, body["payload"]) == (200, {"status": "Accepted"})
    report = await eventually(lambda: (csms.store.report("CS1", 42) or {}).get("complete"))
    assert report is True
    status, stored = await api.request("GET", "/api/stations/CS1/reports/42")
    assert status == 200
    assert stored["parts"] == 2 and stored["missing_seq_nos"] == []
    names = {(d["component"]["name"], d["variable"]["name"]) for d in stored["report_data"]}
    assert names == set(mini.variables)


def test_b07_report_incomplete_until_every_part_arrived(csms: Csms) -> None:
    csms.store.add_station("CS1")
    part = {"requestId": 1, "generatedAt": stamp(), "reportData": []}
    csms.store.add_report_part("CS1", {**part, "seqNo": 2})  # last part first
    assert csms.store.report("CS1", 1) == {
        "request_id": 1,
        "parts": 1,
        "complete": False,
        "missing_seq_nos": [0, 1],
        "report_data": [],
    }
    csms.store.add_report_part("CS1", {**part, "seqNo": 0, "tbc": True})
    csms.store.add_report_part("CS1", {**part, "seqNo": 1, "tbc": True})
    assert csms.store.report("CS1", 1)["complete"] is True  # type: ignore[index]


async def test_b11_reset_through_the_api_station_reboots(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    status, body = await api.call("CS1", "Reset", {"type": "Immediate"})
    assert (status, body["payload"]) == (200, {"status": "Accepted"})
    await eventually(lambda: len(mini.boots) == 2)
    assert mini.boots[-1].status == "Accepted"
    assert csms.store.station("CS1")["boot_reason"] == "RemoteReset"  # type: ignore[index]


async def test_c01_authorize_from_the_token_store(csms: Csms, station: StationFactory) -> None:
    mini = await station("CS1")
    store = csms.store
    store.put_token("OK", "ISO14443", "Accepted", group_id="FLEET-1", expires_at=stamp(3600))
    store.put_token("BLOCKED", "ISO14443", "Blocked")
    store.put_token("OLD", "ISO14443", "Accepted", expires_at=stamp(-60))
    store.put_token("BAD", "ISO14443", "Invalid")
    assert await mini.authorize("BLOCKED") == "Blocked"
    assert await mini.authorize("OLD") == "Expired"
    assert await mini.authorize("BAD") == "Invalid"
    assert await mini.authorize("NOBODY") == "Unknown"
    assert await mini.authorize("OK", "KeyCode") == "Unknown"  # same id, other type
    response = await mini.calls.authorize(
        v201.AuthorizeRequest.from_json_dict({"idToken": {"idToken": "OK", "type": "ISO14443"}})
    )
    info = response.id_token_info.to_json_dict()
    assert info["status"] == "Accepted"
    assert info["groupIdToken"] == {"idToken": "FLEET-1", "type": "Central"}
    assert "cacheExpiryDateTime" in info


async def test_e02_e06_j02_transaction_with_meter_values(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    csms.store.put_token("T1", "ISO14443", "Accepted")
    transaction_id, info = await mini.start_transaction(1, "T1")
    assert info == "Accepted"  # idTokenInfo in the TransactionEventResponse
    status, body = await api.request("GET", "/api/stations/CS1")
    assert [t["transaction_id"] for t in body["active_transactions"]] == [transaction_id]
    assert body["evses"][0]["connectors"][0]["status"] == "Occupied"
    await mini.meter(1, 1500.0)
    await mini.meter(1, 3000.0)
    await mini.stop_transaction(1, 4200.0)
    status, stored = await api.request("GET", f"/api/transactions/CS1/{transaction_id}")
    assert status == 200
    assert stored["state"] == "Ended" and stored["complete"] is True
    assert stored["stopped_reason"] == "Local"
    assert (stored["id_token"], stored["evse_id"], stored["energy_wh"]) == ("T1", 1, 4200.0)
    assert [e["seq_no"] for e in stored["event_log"]] == [0, 1, 2, 3]
    assert [e["event_type"] for e in stored["event_log"]] == [
        "Started",
        "Updated",
        "Updated",
        "Ended",
    ]
    energy = [m["value"] for m in stored["meter_values"] if m["measurand"].startswith("Energy")]
    assert energy == [0.0, 1500.0, 3000.0, 4200.0]
    status, ongoing = await api.request("GET", "/api/transactions?active=true")
    assert ongoing == []


async def test_e05_transaction_with_unknown_token_answered_unknown(
    csms: Csms, station: StationFactory
) -> None:
    mini = await station("CS1")
    _, info = await mini.start_transaction(1, "STRANGER")
    assert info == "Unknown"


async def test_e12_offline_events_arriving_late_and_out_of_order(
    csms: Csms, station: StationFactory
) -> None:
    mini = await station("CS1")

    async def send(payload: dict[str, object]) -> v201.TransactionEventResponse:
        return await mini.calls.transaction_event(
            v201.TransactionEventRequest.from_json_dict(payload)
        )

    store = csms.store
    await send(
        tx_event(
            "TX-OFF",
            0,
            "Started",
            energy=0,
            at=-300,
            offline=True,
            idToken={"idToken": "T1", "type": "ISO14443"},
        )
    )
    await send(tx_event("TX-OFF", 3, "Ended", energy=900, at=-60, offline=True))
    gap = store.transaction("CS1", "TX-OFF")
    assert gap is not None
    assert (gap["state"], gap["missing_seq_nos"], gap["complete"]) == ("Ended", [1, 2], False)
    await send(tx_event("TX-OFF", 2, energy=600, at=-120, offline=True))
    await send(tx_event("TX-OFF", 1, energy=300, at=-240, offline=True))
    full = store.transaction("CS1", "TX-OFF")
    assert full is not None
    assert (full["missing_seq_nos"], full["complete"], full["offline_events"]) == ([], True, 4)
    assert full["energy_wh"] == 900.0
    assert full["stopped_reason"] == "EVDisconnected"
    assert [m["value"] for m in full["meter_values"]] == [0.0, 300.0, 600.0, 900.0]
    # a repeated event (answer lost, re-sent) is stored once
    await send(tx_event("TX-OFF", 2, energy=600, at=-120, offline=True))
    assert len(store.transaction("CS1", "TX-OFF")["event_log"]) == 4  # type: ignore[index]


async def test_g01_status_notification_latest_per_connector(
    csms: Csms, station: StationFactory
) -> None:
    mini = await station("CS1")
    await mini.status(1, "Available")
    await mini.status(2, "Faulted")
    late = v201.StatusNotificationRequest.from_json_dict(
        {"timestamp": stamp(-600), "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}
    )
    await mini.calls.status_notification(late)  # older than what is stored: kept out
    statuses = [(c["evse_id"], c["status"]) for c in csms.store.connectors("CS1")]
    assert statuses == [(1, "Available"), (2, "Faulted")]


async def test_g02_heartbeat_answers_current_time(csms: Csms, station: StationFactory) -> None:
    mini = await station("CS1")
    response = await mini.heartbeat()
    assert abs((response.current_time - datetime.now(UTC)).total_seconds()) < 5
    assert csms.store.station("CS1")["last_heartbeat_at"] is not None  # type: ignore[index]


async def test_g03_change_availability_through_the_api(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    await mini.status(1, "Available")
    status, body = await api.call(
        "CS1", "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    )
    assert (status, body["payload"]) == (200, {"status": "Accepted"})
    await eventually(lambda: csms.store.connectors("CS1")[0]["status"] == "Unavailable")


async def test_j01_meter_values_outside_a_transaction(csms: Csms, station: StationFactory) -> None:
    mini = await station("CS1")
    await mini.calls.meter_values(
        v201.MeterValuesRequest.from_json_dict(
            {
                "evseId": 0,
                "meterValue": [
                    {
                        "timestamp": stamp(),
                        "sampledValue": [
                            {
                                "value": 12.5,
                                "measurand": "Energy.Active.Import.Register",
                                "unitOfMeasure": {"unit": "kWh", "multiplier": 0},
                            }
                        ],
                    }
                ],
            }
        )
    )
    [sample] = csms.store.meter_values("CS1")
    assert (sample["evse_id"], sample["value"], sample["unit"]) == (0, 12.5, "kWh")


async def test_n07_notify_event_stored(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    await mini.calls.notify_event(
        v201.NotifyEventRequest.from_json_dict(
            {
                "generatedAt": stamp(),
                "seqNo": 0,
                "eventData": [
                    {
                        "eventId": 7,
                        "timestamp": stamp(),
                        "trigger": "Alerting",
                        "actualValue": "true",
                        "eventNotificationType": "HardWiredNotification",
                        "component": {"name": "ConnectorPlugRetentionLock"},
                        "variable": {"name": "Problem"},
                    }
                ],
            }
        )
    )
    status, events = await api.request("GET", "/api/stations/CS1/events")
    assert status == 200
    assert [(e["event_id"], e["component"], e["variable"], e["actual_value"]) for e in events] == [
        (7, "ConnectorPlugRetentionLock", "Problem", "true")
    ]


async def test_p02_data_transfer_unknown_vendor(station: StationFactory) -> None:
    mini = await station("CS1")
    response = await mini.calls.data_transfer(
        v201.DataTransferRequest.from_json_dict({"vendorId": "com.example.nobody", "data": 1})
    )
    assert response.to_json_dict() == {"status": "UnknownVendorId"}
