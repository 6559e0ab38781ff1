"""Issue 13 item 10: every value an OCPP 2.0.1 schema allows is stored and read back exactly by
the CSMS on both backends, or refused with PropertyConstraintViolation where the spec sets a
limit (an integer outside OCPP's 32 bits); never InternalError."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ocppgen.generated.v201.strategies  # noqa: F401  (registers st.from_type)
from ocppgen.generated import v201
from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.handlers import CsmsBehaviour, out_of_range_integers
from ocppgen.reference.csms.store import Store, scaled
from ocppgen.reference.csms.store.values import sortable_time
from ocppgen.runtime.actions import Role
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.errors import ErrorCode, OcppError, RemoteCallError
from ocppgen.runtime.model import OcppModel
from tests.reference.csms.conftest import csms_config
from tests.reference.csms.helpers import stamp, tx_event
from tests.reference.csms.ministation import MiniStation


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "values.sqlite3")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store.open(database_url)
    yield opened
    opened.close()


# -- the property: drawn requests through the CSMS behaviour, then the store's read API --------


def _canonical(item: Any) -> str:
    """A sort key that does not depend on the key order of the dicts inside (`repr`'s does:
    two events differing in a late key were paired with each other's rows)."""
    return json.dumps(item, sort_keys=True, default=str)


def _meter_rows(meter_values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The meter_values rows the store keeps for these wire meter values."""
    rows = []
    for meter_value in meter_values:
        for sample in meter_value["sampledValue"]:
            unit = sample.get("unitOfMeasure", {})
            value = scaled(sample["value"], unit.get("multiplier", 0))
            if value is not None:
                rows.append(
                    {
                        "timestamp": sortable_time(meter_value["timestamp"]),
                        "measurand": sample.get("measurand", "Energy.Active.Import.Register"),
                        "phase": sample.get("phase"),
                        "location": sample.get("location"),
                        "context": sample.get("context"),
                        "value": value,
                        "unit": unit.get("unit", "Wh") if "unitOfMeasure" in sample else None,
                    }
                )
    return sorted(rows, key=_canonical)


def _check_boot(store: Store, sid: str, wire: dict[str, Any], response: Any) -> None:
    station = store.station(sid)
    assert station is not None
    charging = wire["chargingStation"]
    assert station["vendor_name"] == charging["vendorName"]
    assert station["model"] == charging["model"]
    assert station["serial_number"] == charging.get("serialNumber")
    assert station["firmware_version"] == charging.get("firmwareVersion")
    assert (station["boot_reason"], station["registration_status"]) == (wire["reason"], "Accepted")
    assert store.boots(sid)[-1]["reason"] == wire["reason"]
    assert response.status == "Accepted"


def _check_status(store: Store, sid: str, wire: dict[str, Any], response: Any) -> None:
    assert store.connectors(sid) == [
        {
            "evse_id": wire["evseId"],
            "connector_id": wire["connectorId"],
            "status": wire["connectorStatus"],
            "updated_at": wire["timestamp"],
        }
    ]


def _check_transaction(store: Store, sid: str, wire: dict[str, Any], response: Any) -> None:
    transaction = store.transaction(sid, wire["transactionInfo"]["transactionId"])
    assert transaction is not None
    [entry] = transaction["event_log"]
    assert entry["payload"] == wire
    assert (entry["seq_no"], entry["event_type"], entry["timestamp"]) == (
        wire["seqNo"],
        wire["eventType"],
        sortable_time(wire["timestamp"]),
    )
    token = wire.get("idToken", {})
    assert (transaction["id_token"], transaction["token_type"]) == (
        token.get("idToken"),
        token.get("type"),
    )
    assert transaction["evse_id"] == wire.get("evse", {}).get("id")
    stored = [
        {k: v for k, v in row.items() if k not in ("seq_no", "evse_id")}
        for row in transaction["meter_values"]
    ]
    assert sorted(stored, key=_canonical) == _meter_rows(wire.get("meterValue", []))


def _check_notify_event(store: Store, sid: str, wire: dict[str, Any], response: Any) -> None:
    expected = [
        (wire["seqNo"], wire["generatedAt"], event["eventId"], event["actualValue"], event)
        for event in wire["eventData"]
    ]
    stored = [
        (row["seq_no"], row["generated_at"], row["event_id"], row["actual_value"], row["payload"])
        for row in store.events(sid)
    ]
    assert sorted(stored, key=_canonical) == sorted(expected, key=_canonical)


def _check_authorize(store: Store, sid: str, wire: dict[str, Any], response: Any) -> None:
    token = wire["idToken"]
    assert store.token(token["idToken"], token["type"]) == {
        "id_token": token["idToken"],
        "type": token["type"],
        "status": "Accepted",
        "group_id": None,
        "expires_at": None,
    }
    assert response.id_token_info.status == "Accepted"  # found by its idToken, NUL or not


Check = Callable[[Store, str, dict[str, Any], Any], None]
CASES: dict[str, tuple[type[OcppModel], Check]] = {
    "BootNotification": (v201.BootNotificationRequest, _check_boot),
    "StatusNotification": (v201.StatusNotificationRequest, _check_status),
    "TransactionEvent": (v201.TransactionEventRequest, _check_transaction),
    "NotifyEvent": (v201.NotifyEventRequest, _check_notify_event),
    "Authorize": (v201.AuthorizeRequest, _check_authorize),
}


INT32 = range(-(2**31), 2**31)


def _big_integers(wire: Any) -> list[int]:
    """Integers outside 32 bits in a wire payload, customData (untyped extras) left out."""
    if isinstance(wire, dict):
        return [n for k, v in wire.items() if k != "customData" for n in _big_integers(v)]
    if isinstance(wire, list):
        return [n for item in wire for n in _big_integers(item)]
    return [wire] if type(wire) is int and wire not in INT32 else []


def _nothing_stored(store: Store, sid: str) -> bool:
    """Only the station and the boot the test recorded for it."""
    stored = store.connectors(sid) or store.transactions(sid) or store.events(sid)
    return not stored and all(boot["reason"] is None for boot in store.boots(sid))


@pytest.mark.parametrize("action", list(CASES))
def test_schema_valid_requests_are_stored_exactly_or_refused_by_the_spec(
    store: Store, action: str
) -> None:
    request_class, check = CASES[action]
    behaviour = CsmsBehaviour(store)
    loop = asyncio.new_event_loop()
    numbers = itertools.count()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.from_type(request_class))
    def handled(request: OcppModel) -> None:
        sid = f"{action}-{next(numbers)}"
        store.add_station(sid)
        if action != "BootNotification":
            store.record_boot(sid, {}, "Accepted")  # accepted before, so every CALL is handled
        wire = request.to_json_dict()
        if action == "Authorize":
            store.put_token(wire["idToken"]["idToken"], wire["idToken"]["type"], "Accepted")
        context = CallContext(sid, v201.VERSION, Role.CSMS, "m1", action)
        too_large = _big_integers(wire)
        try:
            response = loop.run_until_complete(behaviour.handle(action, request, context))
        except OcppError as error:
            assert too_large, f"refused a request the CSMS can store: {error!r}"
            assert error.code == ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
            assert "OCPP 2.0.1 Part 2" in error.description
            assert _nothing_stored(store, sid)
            return
        assert not too_large, f"accepted integers outside OCPP's 32 bits: {too_large}"
        check(store, sid, wire, response)

    try:
        handled()
    finally:
        loop.run_until_complete(behaviour.close())
        loop.close()


def test_an_energy_in_kwh_past_the_largest_double_is_no_energy(store: Store) -> None:
    event = tx_event("TXK", 0, "Started")
    event["meterValue"] = [
        {
            "timestamp": stamp(),
            "sampledValue": [{"value": 1e306, "unitOfMeasure": {"unit": "kWh"}}],
        }
    ]
    store.add_station("KWH")
    store.add_transaction_event("KWH", event)
    transaction = store.transaction("KWH", "TXK")
    assert transaction is not None
    assert transaction["energy_wh"] is None  # 1e309 Wh is not a double: not inf (not JSON)
    assert transaction["meter_values"][0]["value"] == Decimal("1E+306")  # the sample as sent


# -- targeted cases, over a real connection ---------------------------------------------------


async def _connected(csms: Csms, identity: str) -> MiniStation:
    csms.store.add_station(identity, password="values-password-01")
    mini = MiniStation(csms.ocpp_url, identity, "values-password-01")
    await mini.start()
    return mini


async def test_a_station_whose_vendor_name_holds_nul_boots(database_url: str) -> None:
    async with Csms(csms_config(database_url)) as csms:
        mini = await _connected(csms, "NUL1")
        try:
            boot = {
                "chargingStation": {"vendorName": "Vendor\x00X", "model": "M\x00\x01"},
                "reason": "PowerUp",
            }
            request = v201.BootNotificationRequest.from_json_dict(boot)
            assert (await mini.calls.boot_notification(request)).status == "Accepted"
            station = csms.store.station("NUL1")
            assert station is not None
            assert (station["vendor_name"], station["model"]) == ("Vendor\x00X", "M\x00\x01")
            token = "tok\x00en"
            csms.store.put_token(token, "ISO14443", "Accepted")
            assert await mini.authorize(token) == "Accepted"
            await mini.calls.transaction_event(
                v201.TransactionEventRequest.from_json_dict(
                    tx_event(
                        "tx\x00id", 0, "Started", idToken={"idToken": token, "type": "ISO14443"}
                    )
                )
            )
            transaction = csms.store.transaction("NUL1", "tx\x00id")
            assert transaction is not None
            assert (transaction["id_token"], transaction["id_token_status"]) == (token, "Accepted")
        finally:
            await mini.close()


@pytest.mark.parametrize("seq_no", [2**31, 2**63, -(2**31) - 1])
async def test_integers_outside_32_bits_get_property_constraint_violation(
    database_url: str, seq_no: int
) -> None:
    async with Csms(csms_config(database_url)) as csms:
        mini = await _connected(csms, "BIG1")
        try:
            assert (await mini.boot()).status == "Accepted"
            event = v201.TransactionEventRequest.from_json_dict(tx_event("TXB", seq_no))
            with pytest.raises(RemoteCallError) as refused:
                await mini.calls.transaction_event(event)
            assert refused.value.code == ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
            assert refused.value.description.startswith(f"seqNo: {seq_no} is outside")
            assert "OCPP 2.0.1 Part 2" in refused.value.description
            status = v201.StatusNotificationRequest.from_json_dict(
                {
                    "timestamp": stamp(),
                    "connectorStatus": "Available",
                    "evseId": 1,
                    "connectorId": seq_no,
                }
            )
            with pytest.raises(RemoteCallError) as nested:
                await mini.calls.status_notification(status)
            assert nested.value.code == ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
            assert csms.store.transaction("BIG1", "TXB") is None
            assert csms.store.connectors("BIG1") == []
            # the limits themselves are stored, and the connection still serves
            for edge in (2**31 - 1, -(2**31)):
                await mini.calls.transaction_event(
                    v201.TransactionEventRequest.from_json_dict(tx_event("TXB", edge))
                )
            stored = csms.store.transaction("BIG1", "TXB")
            assert stored is not None
            assert [e["seq_no"] for e in stored["event_log"]] == [-(2**31), 2**31 - 1]
        finally:
            await mini.close()


def test_out_of_range_integers_names_nested_fields_and_skips_untyped_json() -> None:
    request = v201.NotifyEventRequest.from_json_dict(
        {
            "generatedAt": stamp(),
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": 1,
                    "timestamp": stamp(),
                    "trigger": "Alerting",
                    "actualValue": "x",
                    "eventNotificationType": "HardWiredNotification",
                    "component": {"name": "C", "evse": {"id": 1, "connectorId": 2**40}},
                    "variable": {"name": "V"},
                    "customData": {"vendorId": "v", "big": 2**70},
                }
            ],
        }
    )
    assert list(out_of_range_integers(request)) == [
        ("eventData[0].component.evse.connectorId", 2**40)
    ]
    data = v201.DataTransferRequest.from_json_dict({"vendorId": "v", "data": [2**70]})
    assert list(out_of_range_integers(data)) == []
