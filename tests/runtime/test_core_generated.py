"""The core on the generated versions (ocppgen.generated.v16/v201/v21), not only the fake one."""

from __future__ import annotations

import json

import pytest

from ocppgen.generated import v16, v21, v201
from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.core import (
    CallReceived,
    Connection,
    ProtocolFault,
    ResultReceived,
    SendReceived,
)

VERSIONS = {"1.6": v16.VERSION, "2.0.1": v201.VERSION, "2.1": v21.VERSION}

TRANSACTION_EVENT = {
    "eventType": "Updated",
    "timestamp": "2025-01-01T12:00:00Z",
    "triggerReason": "MeterValuePeriodic",
    "seqNo": 1,
    "transactionInfo": {"transactionId": "b7f0c3a2"},
    "evse": {"id": 1, "connectorId": 1},
    "meterValue": [
        {
            "timestamp": "2025-01-01T12:00:00Z",
            "sampledValue": [{"value": 1234.5, "measurand": "Energy.Active.Import.Register"}],
        }
    ],
}


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_generated_version_names_are_known_to_the_error_tables(version: str) -> None:
    spec: VersionSpec = VERSIONS[version]
    assert spec.name == version
    Connection(spec, Role.CSMS)
    Connection(spec, Role.CHARGING_STATION)


@pytest.mark.parametrize(
    ("version", "payload", "code"),
    [
        ("1.6", "{}", "OccurenceConstraintViolation"),
        ("2.0.1", "{}", "OccurrenceConstraintViolation"),
        ("2.1", "{}", "OccurrenceConstraintViolation"),
        ("1.6", '{"chargePointVendor":"V","chargePointModel":"M","x":1}', "FormationViolation"),
        (
            "2.0.1",
            '{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"},"x":1}',
            "ProtocolError",
        ),
        ("1.6", '{"chargePointVendor":5,"chargePointModel":"M"}', "TypeConstraintViolation"),
        (
            "2.1",
            '{"reason":"Bored","chargingStation":{"model":"M","vendorName":"V"}}',
            "PropertyConstraintViolation",
        ),
    ],
)
def test_invalid_boot_notification_gets_the_version_code(
    version: str, payload: str, code: str
) -> None:
    conn = Connection(VERSIONS[version], Role.CSMS)
    (event,) = conn.receive(f'[2,"c1","BootNotification",{payload}]')
    assert isinstance(event, ProtocolFault) and event.code == code
    (frame,) = conn.outgoing()
    assert json.loads(frame)[:3] == [4, "c1", code]


def test_transaction_event_round_trip_on_2_0_1() -> None:
    csms = Connection(v201.VERSION, Role.CSMS)
    station = Connection(v201.VERSION, Role.CHARGING_STATION)
    request_class = v201.VERSION.actions["TransactionEvent"].request
    response_class = v201.VERSION.actions["TransactionEvent"].response
    assert response_class is not None
    message_id = station.call(request_class.from_json_dict(TRANSACTION_EVENT))
    (sent,) = station.outgoing()
    assert json.loads(sent) == [2, message_id, "TransactionEvent", TRANSACTION_EVENT]
    (event,) = csms.receive(sent)
    assert isinstance(event, CallReceived) and event.action == "TransactionEvent"
    assert csms.respond(event.message_id, response_class.from_json_dict({})) is None
    (answer,) = csms.outgoing()
    (result,) = station.receive(answer)
    assert isinstance(result, ResultReceived) and result.message_id == message_id


def test_every_action_the_csms_receives_is_dispatchable_and_others_are_refused() -> None:
    for spec in v201.VERSION.actions.values():
        conn = Connection(v201.VERSION, Role.CSMS)
        (event,) = conn.receive(f'[2,"c1","{spec.action}",{{}}]')
        if spec.received_by(Role.CSMS):
            # {} is valid or fails on a required property, never on the action itself.
            assert isinstance(event, CallReceived) or event.fault == "missing_property"  # type: ignore[union-attr]
        else:
            assert isinstance(event, ProtocolFault) and event.code == "NotSupported"


def test_send_on_2_1() -> None:
    spec = v21.VERSION.actions["NotifyPeriodicEventStream"]
    assert spec.received_by(Role.CSMS)
    conn = Connection(v21.VERSION, Role.CSMS)
    (event,) = conn.receive(
        '[6,"s1","NotifyPeriodicEventStream",{"id":1,"pending":0,"basetime":'
        '"2025-01-01T12:00:00Z","data":[{"t":1.0,"v":"2"}]}]'
    )
    assert isinstance(event, SendReceived) and event.request.to_json_dict()["pending"] == 0
    (bad,) = conn.receive('[6,"s2","NotifyPeriodicEventStream",{"id":1}]')
    assert isinstance(bad, ProtocolFault) and bad.fault == "missing_property"
    assert conn.outgoing() == []  # a SEND is never answered, not even when invalid
