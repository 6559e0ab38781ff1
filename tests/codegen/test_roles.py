"""Role views and property-test tables derived from the IR."""

from __future__ import annotations

from ocppgen.codegen.pipeline import DEFAULT_SPEC_DIR, build
from ocppgen.codegen.render_proptests import hosts, mutations
from ocppgen.codegen.render_roles import roles
from ocppgen.codegen.versions import find_version


def _spec(key: str):  # type: ignore[no-untyped-def]
    return build(DEFAULT_SPEC_DIR, (find_version(key),))[0]


def test_each_action_is_received_by_the_peer_of_its_initiator() -> None:
    spec = _spec("v201")
    csms, station = roles(spec)
    assert (csms.value, station.value) == ("CSMS", "ChargingStation")
    received = {a.name for a in csms.receives}
    assert "BootNotification" in received and "Reset" not in received
    assert {a.name for a in station.receives} >= {"Reset", "DataTransfer"}
    assert "DataTransfer" in received  # both ways
    for action in spec.actions:
        senders = set(action.initiators)
        assert (action.name in {a.name for a in csms.sends}) == ("CSMS" in senders)
        assert (action.name in received) == ("ChargingStation" in senders)


def test_one_way_send_has_no_response_and_is_ignored_by_default() -> None:
    csms, station = roles(_spec("v21"))
    [send] = [a for a in csms.receives if a.one_way]
    assert send.name == "NotifyPeriodicEventStream" and send.response is None
    assert station.sends_one_way and not csms.sends_one_way


def test_every_model_has_a_host_preferring_call_requests() -> None:
    spec = _spec("v201")
    found = hosts(spec)
    assert set(found) == {m.name for m in (*spec.datatypes, *spec.messages)}
    assert found["BootNotificationRequest"].path == ()
    charging_station = found["ChargingStationType"]
    assert charging_station.message == "BootNotificationRequest"
    assert charging_station.direction == "request"
    assert [step[0] for step in charging_station.path] == ["chargingStation"]


def test_mutation_rows_cover_each_constraint() -> None:
    rows = {row.id: row for row in mutations(_spec("v201"))}
    assert rows["BootNotificationRequest.reason:required"].fault == "MISSING_PROPERTY"
    assert rows["BootNotificationRequest.reason:enum"].keyword == "enum"
    assert rows["ChargingStationType.model:maxLength"].limit == 20
    assert rows["BootNotificationRequest:additionalProperties"].fault == "UNKNOWN_PROPERTY"
    assert rows["CustomDataType:extraProperty"].fault is None  # open: accepted
    assert rows["HeartbeatResponse.currentTime:format"].keyword == "format"
    v16 = {row.id: row for row in mutations(_spec("v16"))}
    assert v16["MeterValuesRequest.connectorId:integralFloat"].fault == "WRONG_TYPE"  # draft-04
    assert rows["MeterValuesRequest.evseId:integralFloat"].fault is None  # draft-06: 5.0 is ok
