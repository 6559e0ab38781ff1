"""The core's commands: call, send, respond, respond_error, timeout, close; misuse raises."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import CallReceived, Connection, InvalidResponse, ResultReceived
from ocppgen.runtime.errors import ErrorCode, OcppError

from .fakeversion import (
    BOOT,
    BOOT_JSON,
    V16,
    V21,
    V201,
    BootNotificationResponse,
    DataTransferRequest,
    DataTransferResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    MeterValuesRequest,
    NotifyPeriodicEventStream,
    RegistrationStatus,
    ResetRequest,
    ResetResponse,
    ResetStatus,
    ResetType,
    StreamDataElement,
    counter_ids,
)

CS = Role.CHARGING_STATION
CSMS = Role.CSMS
NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
STREAM = NotifyPeriodicEventStream(id=1, pending=0, data=[StreamDataElement(t=1.5, v="2")])


def _csms() -> Connection:
    return Connection(V201, CSMS)


def _received(conn: Connection, text: str) -> CallReceived:
    (event,) = conn.receive(text)
    assert isinstance(event, CallReceived)
    return event


# --- call -----------------------------------------------------------------------------------


def test_call_goes_out_at_once_and_later_calls_wait_their_turn() -> None:
    conn = Connection(V201, CS, id_factory=counter_ids())
    assert conn.call(BOOT) == "m1"
    assert conn.call(HeartbeatRequest()) == "m2"
    assert conn.call(DataTransferRequest(vendor_id="v")) == "m3"
    assert conn.outgoing() == [f'[2,"m1","BootNotification",{BOOT_JSON}]']
    assert (conn.outstanding, conn.queued) == ("m1", ("m2", "m3"))
    conn.receive('[4,"m1","InternalError","",{}]')
    assert conn.outgoing() == ['[2,"m2","Heartbeat",{}]']
    assert (conn.outstanding, conn.queued) == ("m2", ("m3",))


def test_default_ids_are_uuids() -> None:
    conn = Connection(V201, CS)
    first, second = conn.call(BOOT), conn.call(HeartbeatRequest())
    assert first != second and len(first) == 36 and first.count("-") == 4


def test_call_with_explicit_action() -> None:
    conn = Connection(V201, CS, id_factory=counter_ids())
    conn.call(HeartbeatRequest(), action="Heartbeat")
    assert conn.outgoing() == ['[2,"m1","Heartbeat",{}]']
    with pytest.raises(ValueError, match="takes"):
        conn.call(HeartbeatRequest(), action="BootNotification")
    with pytest.raises(ValueError, match="no action"):
        conn.call(HeartbeatRequest(), action="Nope")


def test_call_for_an_action_this_role_does_not_send() -> None:
    with pytest.raises(ValueError, match="sends no"):
        Connection(V201, CSMS).call(BOOT)
    with pytest.raises(ValueError, match="does not send"):
        Connection(V201, CS).call(ResetRequest(type=ResetType.IMMEDIATE), action="Reset")


def test_call_with_an_invalid_request_raises_and_sends_nothing() -> None:
    conn = Connection(V201, CS, validate_outgoing=True)
    bad = DataTransferRequest.model_construct(vendor_id="v" * 300)  # maxLength 255, unchecked
    with pytest.raises(ValidationError):
        conn.call(bad)
    assert conn.outgoing() == [] and conn.outstanding is None


def test_call_without_outgoing_validation_sends_as_is() -> None:
    # The default trusts instances: model_construct is the caller's explicit opt-out.
    for conn in (
        Connection(V201, CS, validate_outgoing=False, id_factory=counter_ids()),
        Connection(V201, CS, id_factory=counter_ids()),
    ):
        conn.call(DataTransferRequest.model_construct(vendor_id="v" * 300))
        assert conn.outgoing() == ['[2,"m1","DataTransfer",{"vendorId":"' + "v" * 300 + '"}]']


def test_a_request_with_a_wrong_type_put_in_place_raises_by_default() -> None:
    request = MeterValuesRequest.from_json(
        '{"evseId":1,"meterValue":[{"timestamp":"2024-05-01T12:00:00Z",'
        '"sampledValue":[{"value":1.5}]}]}'
    )
    request.meter_value[0].sampled_value.append("junk")  # type: ignore[arg-type]
    conn = Connection(V201, CS)
    with pytest.raises(ValueError):  # serialization with warnings="error"
        conn.call(request)
    assert conn.outgoing() == [] and conn.outstanding is None
    request.meter_value[0].sampled_value.clear()  # minItems 1: only full validation sees it
    with pytest.raises(ValidationError):
        Connection(V201, CS, validate_outgoing=True).call(request)


def test_invalid_request_instance_raises() -> None:
    request = DataTransferRequest(vendor_id="v")
    with pytest.raises(ValueError):  # assignment is validated ...
        request.vendor_id = 5  # type: ignore[assignment]
    invalid = DataTransferRequest.model_construct(vendor_id=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Connection(V201, CS).call(invalid)


@pytest.mark.parametrize("bad_id", ["x" * 37, 5, None])
def test_unusable_ids_from_the_factory_raise(bad_id: object) -> None:
    conn = Connection(V201, CS, id_factory=lambda: bad_id)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="at most 36"):
        conn.call(BOOT)


def test_duplicate_ids_from_the_factory_raise() -> None:
    conn = Connection(V201, CS, id_factory=lambda: "same")
    conn.call(BOOT)
    with pytest.raises(ValueError, match="already in use"):
        conn.call(HeartbeatRequest())
    conn.receive('[4,"same","GenericError","",{}]')
    assert conn.call(HeartbeatRequest()) == "same"  # free again once answered


def test_unknown_version_name_is_refused() -> None:
    from ocppgen.runtime.actions import VersionSpec

    with pytest.raises(ValueError, match="unknown OCPP version"):
        Connection(VersionSpec("2.0", "ocpp2.0", V201.actions), CS)


# --- send -----------------------------------------------------------------------------------


def test_send_goes_out_at_once_even_while_a_call_is_outstanding() -> None:
    conn = Connection(V21, CS, id_factory=counter_ids())
    conn.call(BOOT)
    conn.outgoing()
    assert conn.send(STREAM) == "m2"
    assert conn.outgoing() == [
        '[6,"m2","NotifyPeriodicEventStream",{"id":1,"pending":0,"data":[{"t":1.5,"v":"2"}]}]'
    ]
    assert conn.outstanding == "m1"


def test_send_refused_before_2_1_and_for_call_actions() -> None:
    with pytest.raises(ValueError, match="no SEND"):
        Connection(V201, CS).send(STREAM)
    with pytest.raises(ValueError, match="not a"):
        Connection(V21, CS).send(HeartbeatRequest())
    with pytest.raises(ValueError, match="not a"):
        Connection(V21, CS).call(STREAM)
    with pytest.raises(ValueError, match="sends no"):
        Connection(V21, CSMS).send(STREAM)


# --- respond --------------------------------------------------------------------------------


def test_respond_sends_the_result_and_frees_the_id() -> None:
    conn = _csms()
    event = _received(conn, f'[2,"c1","BootNotification",{BOOT_JSON}]')
    response = BootNotificationResponse(
        current_time=NOW, interval=300, status=RegistrationStatus.ACCEPTED
    )
    assert conn.respond(event.message_id, response) is None
    assert conn.outgoing() == [
        '[3,"c1",{"currentTime":"2024-05-01T12:00:00Z","interval":300,"status":"Accepted"}]'
    ]
    assert conn.in_progress == frozenset()
    with pytest.raises(KeyError):
        conn.respond("c1", response)
    # The id may be reused once answered.
    assert isinstance(conn.receive('[2,"c1","Heartbeat",{}]')[0], CallReceived)


def test_answers_may_go_out_in_any_order() -> None:
    conn = _csms()
    _received(conn, '[2,"a","Heartbeat",{}]')
    _received(conn, '[2,"b","DataTransfer",{"vendorId":"x"}]')
    conn.respond("b", DataTransferResponse(status="Accepted"))
    conn.respond("a", HeartbeatResponse(current_time=NOW))
    assert [json.loads(f)[1] for f in conn.outgoing()] == ["b", "a"]


def test_respond_with_the_wrong_class_sends_internal_error() -> None:
    conn = _csms()
    _received(conn, '[2,"c1","Heartbeat",{}]')
    result = conn.respond("c1", ResetResponse(status=ResetStatus.ACCEPTED))
    assert isinstance(result, InvalidResponse)
    assert result.action == "Heartbeat" and "ResetResponse" in result.reason
    assert conn.outgoing() == ['[4,"c1","InternalError","invalid Heartbeat response",{}]']
    assert conn.in_progress == frozenset()


def test_respond_with_an_invalid_value_sends_internal_error() -> None:
    conn = Connection(V201, CSMS, validate_outgoing=True)
    _received(conn, '[2,"c1","DataTransfer",{"vendorId":"x"}]')
    result = conn.respond("c1", DataTransferResponse.model_construct(status="x" * 21))
    assert isinstance(result, InvalidResponse)
    assert conn.outgoing() == ['[4,"c1","InternalError","invalid DataTransfer response",{}]']


def test_respond_with_an_unvalidated_response_sends_internal_error() -> None:
    conn = _csms()
    _received(conn, '[2,"c1","Heartbeat",{}]')
    response = HeartbeatResponse.model_construct(current_time="now")  # type: ignore[arg-type]
    assert isinstance(conn.respond("c1", response), InvalidResponse)
    assert conn.outgoing() == ['[4,"c1","InternalError","invalid Heartbeat response",{}]']


# --- respond_error --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "code", "sent"),
    [
        (V201, ErrorCode.SECURITY_ERROR, "SecurityError"),
        (V16, ErrorCode.FORMAT_VIOLATION, "FormationViolation"),
        (V16, ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION, "OccurenceConstraintViolation"),
        (V201, ErrorCode.FORMATION_VIOLATION, "FormatViolation"),
        (V16, ErrorCode.RPC_FRAMEWORK_ERROR, "GenericError"),
        (V21, "NotAnOcppCode", "GenericError"),
    ],
)
def test_respond_error_uses_the_version_spelling(version: object, code: str, sent: str) -> None:
    conn = Connection(version, CSMS)  # type: ignore[arg-type]
    _received(conn, '[2,"c1","Heartbeat",{}]')
    conn.respond_error("c1", OcppError(code, "why", {"k": [1]}))
    assert conn.outgoing() == [f'[4,"c1","{sent}","why",{{"k":[1]}}]']
    with pytest.raises(KeyError):
        conn.respond_error("c1", OcppError(code))


def test_respond_error_cuts_description_and_drops_non_json_details() -> None:
    conn = _csms()
    _received(conn, '[2,"c1","Heartbeat",{}]')
    conn.respond_error("c1", OcppError("GenericError", "d" * 300, {"when": object()}))
    (frame,) = conn.outgoing()
    assert json.loads(frame) == [4, "c1", "GenericError", "d" * 255, {}]


# --- timeout and close ----------------------------------------------------------------------


def test_timeout_of_the_outstanding_call_sends_the_next() -> None:
    conn = Connection(V201, CS, id_factory=counter_ids())
    conn.call(BOOT)
    conn.call(HeartbeatRequest())
    conn.outgoing()
    assert conn.timeout("m1") is True
    assert conn.outgoing() == ['[2,"m2","Heartbeat",{}]']
    assert conn.timeout("m1") is False
    # A late answer is reported, not matched to the next call.
    (late,) = conn.receive(
        '[3,"m1",{"currentTime":"2024-05-01T12:00:00Z","interval":1,"status":"Accepted"}]'
    )
    assert type(late).__name__ == "UnexpectedResult"
    assert conn.outstanding == "m2"


def test_timeout_of_a_queued_call_removes_it_unsent() -> None:
    conn = Connection(V201, CS, id_factory=counter_ids())
    conn.call(BOOT)
    conn.call(HeartbeatRequest())
    conn.call(DataTransferRequest(vendor_id="v"))
    conn.outgoing()
    assert conn.timeout("m2") is True
    assert conn.queued == ("m3",)
    (event,) = conn.receive(
        '[3,"m1",{"currentTime":"2024-05-01T12:00:00Z","interval":1,"status":"Accepted"}]'
    )
    assert isinstance(event, ResultReceived)
    assert conn.outgoing() == ['[2,"m3","DataTransfer",{"vendorId":"v"}]']


def test_close_returns_unanswered_calls_and_forgets_everything() -> None:
    conn = Connection(V201, CS, id_factory=counter_ids())
    conn.call(BOOT)
    conn.call(HeartbeatRequest())
    conn.receive('[2,"c1","Reset",{"type":"Immediate"}]')
    assert conn.close() == ["m1", "m2"]
    assert (conn.outstanding, conn.queued, conn.in_progress) == (None, (), frozenset())
    assert conn.outgoing() == []
    assert conn.version is V201 and conn.role is CS
