"""B: provisioning use cases, station side, over loopback against both test CSMSs (ocppgen's
runtime and the `ocpp` package), asserting the wire payloads and the station's state."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from ocppgen.generated import v201
from ocppgen.runtime.errors import RemoteCallError
from tests.reference.station.conftest import StationFactory, until
from tests.reference.station.csms import AnyCsms


async def test_b01_cold_boot_accepted(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await make_station(evses=(1, 2))
    boot = await any_csms.recorder.expect("BootNotification")
    assert boot["reason"] == "PowerUp"
    assert boot["chargingStation"]["vendorName"] == "ocppgen"
    statuses = [await any_csms.recorder.expect("StatusNotification") for _ in range(3)]
    assert {(s["evseId"], s["connectorId"], s["connectorStatus"]) for s in statuses} == {
        (1, 1, "Available"),
        (2, 1, "Available"),
        (2, 2, "Available"),
    }
    assert any_csms.recorder.actions()[0] == "BootNotification"
    assert station.registration is v201.RegistrationStatusEnumType.Accepted
    # B01.FR.04: the interval from the boot answer becomes the heartbeat interval
    assert station.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 300


async def test_b02_pending_then_accepted(any_csms: AnyCsms, make_station: StationFactory) -> None:
    any_csms.boot = [("Pending", 4), ("Accepted", 300)]  # 4 s * 0.05 = 0.2 s
    station = await make_station()
    await any_csms.recorder.expect("BootNotification")
    # While Pending the CSMS may configure the station (B02.FR.01)...
    answer = await any_csms.call(
        "CS001",
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}}
            ]
        },
    )
    assert answer["getVariableResult"][0]["attributeValue"] == "PowerPathClosed"
    # ... RequestStartTransaction is Rejected (B02.FR.05) ...
    start = await any_csms.call(
        "CS001",
        "RequestStartTransaction",
        {"idToken": {"idToken": "A", "type": "Central"}, "remoteStartId": 1},
    )
    assert start["status"] == "Rejected"
    first = time.monotonic()
    await any_csms.recorder.expect("BootNotification")
    # ... the boot is retried after the interval, and nothing else was sent meanwhile
    assert time.monotonic() - first < 5
    assert any_csms.recorder.actions()[:2] == ["BootNotification", "BootNotification"]
    await any_csms.recorder.expect("StatusNotification")
    assert station.registration is v201.RegistrationStatusEnumType.Accepted


async def test_b03_rejected_retries_after_interval(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    any_csms.boot = [("Rejected", 4), ("Rejected", 4), ("Accepted", 300)]
    station = await make_station()
    await any_csms.recorder.expect("BootNotification")
    await until(lambda: station.registration is v201.RegistrationStatusEnumType.Rejected)
    # B03.FR.08: while Rejected the station answers CSMS calls with SecurityError
    with pytest.raises(RemoteCallError) as refused:
        await any_csms.call("CS001", "Reset", {"type": "Immediate"})
    assert refused.value.code == "SecurityError"
    started = time.monotonic()
    await any_csms.recorder.expect("BootNotification")
    assert time.monotonic() - started >= 0.15  # waited the interval (4 s * 0.05)
    await any_csms.recorder.expect("BootNotification")
    await any_csms.recorder.expect("StatusNotification")
    assert any_csms.recorder.actions()[:3] == ["BootNotification"] * 3
    assert station.registration is v201.RegistrationStatusEnumType.Accepted


async def test_b04_offline_idle_reports_changed_status(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await make_station(evses=(1, 1))
    await station.wait_online(5)
    await station.idle()
    await any_csms.recorder.wait(lambda: len(any_csms.recorder.messages("StatusNotification")) == 2)
    await station.go_offline()
    await station.fault(2)  # changes while offline are not sent...
    await station.go_online()
    faulted = await any_csms.recorder.expect(
        "StatusNotification", lambda p: p["connectorStatus"] == "Faulted"
    )
    assert faulted["evseId"] == 2
    await station.idle()
    # ... only the connector that changed is reported after a short outage (B04.FR.02)
    assert len(any_csms.recorder.messages("StatusNotification")) == 3
    assert len(any_csms.recorder.messages("BootNotification")) == 1  # no reboot, no new boot


async def test_b05_set_variables(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await make_station()
    await station.wait_online(5)

    def item(component: str, variable: str, value: str, **extra: str) -> dict[str, object]:
        return {
            "component": {"name": component},
            "variable": {"name": variable, **extra},
            "attributeValue": value,
        }

    response = await any_csms.call(
        "CS001",
        "SetVariables",
        {
            "setVariableData": [
                item("OCPPCommCtrlr", "HeartbeatInterval", "120"),
                item("OCPPCommCtrlr", "HeartbeatInterval", "abc"),
                item("OCPPCommCtrlr", "HeartbeatInterval", "0"),  # below the minimum
                item("DeviceDataCtrlr", "ItemsPerMessage", "5", instance="GetReport"),
                item("TxCtrlr", "TxStartPoint", "EVConnected,Authorized"),
                item("TxCtrlr", "TxStartPoint", "Teleported"),
                item("AuthCtrlr", "LocalPreAuthorize", "yes"),
                item("AuthCtrlr", "NoSuchVariable", "1"),
                item("NoSuchCtrlr", "Enabled", "true"),
                {
                    **item("AuthCtrlr", "Enabled", "true"),
                    "attributeType": "Target",
                },
            ]
        },
    )
    statuses = [r["attributeStatus"] for r in response["setVariableResult"]]
    assert statuses == [
        "Accepted",
        "Rejected",
        "Rejected",
        "Rejected",  # read-only
        "Accepted",
        "Rejected",
        "Rejected",
        "UnknownVariable",
        "UnknownComponent",
        "NotSupportedAttributeType",
    ]
    assert station.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 120
    # persisted: a new DeviceModel on the same file sees the value
    from ocppgen.reference.station.device_model import DeviceModel

    again = DeviceModel((1,), db=station.db)
    assert again.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 120
    assert again.get_members("TxCtrlr", "TxStartPoint") == ["EVConnected", "Authorized"]


async def test_b06_get_variables(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await make_station(evses=(2,))
    await station.wait_online(5)
    response = await any_csms.call(
        "CS001",
        "GetVariables",
        {
            "getVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                },
                {
                    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 2}},
                    "variable": {"name": "AvailabilityState"},
                },
                {
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                },
                {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "Identity"}},
                {
                    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 3}},
                    "variable": {"name": "AvailabilityState"},
                },
                {"component": {"name": "TxCtrlr"}, "variable": {"name": "Nope"}},
                {
                    "component": {"name": "TxCtrlr"},
                    "variable": {"name": "TxStartPoint"},
                    "attributeType": "MaxSet",
                },
            ]
        },
    )
    results = [
        (r["attributeStatus"], r.get("attributeValue")) for r in response["getVariableResult"]
    ]
    assert results == [
        ("Accepted", "300"),
        ("Accepted", "Available"),
        ("Rejected", None),  # write-only
        ("Accepted", "CS001"),
        ("UnknownComponent", None),
        ("UnknownVariable", None),
        ("NotSupportedAttributeType", None),
    ]


async def _base_report(any_csms: AnyCsms, base: str, request_id: int) -> list[dict[str, Any]]:
    answer = await any_csms.call(
        "CS001", "GetBaseReport", {"requestId": request_id, "reportBase": base}
    )
    assert answer["status"] == "Accepted"
    reports = [
        await any_csms.recorder.expect("NotifyReport", lambda p: p["requestId"] == request_id)
    ]
    while reports[-1].get("tbc"):
        reports.append(
            await any_csms.recorder.expect("NotifyReport", lambda p: p["requestId"] == request_id)
        )
    assert [r["seqNo"] for r in reports] == list(range(len(reports)))
    return reports


async def test_b07_get_base_report(any_csms: AnyCsms, make_station: StationFactory) -> None:
    station = await make_station(overrides={"DeviceDataCtrlr.ItemsPerMessage[GetReport]": "7"})
    await station.wait_online(5)
    full = await _base_report(any_csms, "FullInventory", 1)
    items = [item for r in full for item in r["reportData"]]
    assert all(len(r["reportData"]) <= 7 for r in full)
    assert len(full) == -(-len(items) // 7) and len(full) > 1
    assert [bool(r.get("tbc")) for r in full] == [True] * (len(full) - 1) + [False]
    assert len(items) == len(station.dm.definitions())
    heartbeat = next(i for i in items if i["variable"]["name"] == "HeartbeatInterval")
    assert heartbeat["variableAttribute"][0] == {
        "type": "Actual",
        "value": "300",
        "mutability": "ReadWrite",
        "persistent": True,
        "constant": False,
    }
    assert heartbeat["variableCharacteristics"]["unit"] == "s"
    password = next(i for i in items if i["variable"]["name"] == "BasicAuthPassword")
    assert "value" not in password["variableAttribute"][0]
    config = [
        i
        for r in await _base_report(any_csms, "ConfigurationInventory", 2)
        for i in r["reportData"]
    ]
    assert {i["variableAttribute"][0]["mutability"] for i in config} <= {"ReadWrite", "WriteOnly"}
    assert 0 < len(config) < len(items)
    summary = [
        i for r in await _base_report(any_csms, "SummaryInventory", 3) for i in r["reportData"]
    ]
    assert {i["variable"]["name"] for i in summary} <= {"AvailabilityState", "Available", "Problem"}
    assert any(i["component"]["name"] == "Connector" for i in summary)


async def test_b11_reset_without_transaction(
    any_csms: AnyCsms, make_station: StationFactory
) -> None:
    station = await make_station()
    await station.wait_online(5)
    answer = await any_csms.call("CS001", "Reset", {"type": "OnIdle"})
    assert answer["status"] == "Accepted"
    boot = await any_csms.recorder.expect(
        "BootNotification", lambda p: p["reason"] == "RemoteReset"
    )
    assert boot["chargingStation"]["model"] == "Reference"
    await asyncio.wait_for(station.wait_online(), 5)
    assert station.reboots == 1
