"""The bodies of the generated property tests, for any version (pytest + Hypothesis).

Each generated `proptests.py` binds its version (`Binding`) and keeps thin pytest functions,
parametrized over its tables, that call the `check_*` bodies here:

- every generated example validates against the official schema (its draft, format checking on);
- JSON round trip is identity;
- mutations (one row per constraint of each field): the model rejects the payload, the official
  schema rejects it with that keyword at that place, and the runtime answers the CALL (or
  CALLRESULT, or SEND) with the code the runtime's error-code table gives that fault, which must
  be the code the spec's definitions give it (`Mutation.code`, an independent oracle); rows with
  no fault are rules the other way round (5.0 is an integer in draft-06, CustomData takes extra
  properties): model, schema and runtime all accept;
- dispatch: each action a role receives reaches its `on_<action>` method through the sans-IO
  core with an equal request, and the response goes out as the CALLRESULT; an unimplemented
  handler answers NotSupported; an action the role does not receive is answered NotSupported;
  each typed call method sends its action through the connection and returns its response.

Hypothesis effort: OCPPGEN_HYPOTHESIS_PROFILE=quick (default, for CI) or thorough; `EXAMPLES`
and `MUTATION_EXAMPLES` are the settings the generated tests apply.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ocppgen.runtime.actions import ActionSpec, MessageType, Role, VersionSpec
from ocppgen.runtime.core import (
    CallReceived,
    Connection,
    InvalidResult,
    ProtocolFault,
    ResultReceived,
    SendReceived,
)
from ocppgen.runtime.dispatch import CallContext, dispatch
from ocppgen.runtime.errors import (
    ErrorCode,
    Fault,
    OcppError,
    code_for,
    fault_code,
    validation_failure,
)
from ocppgen.runtime.frames import CallError, CallResult, CallResultError, decode
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.testing.tables import (
    Host,
    Mutation,
    RoleAction,
    StrategyFor,
    Tables,
    validator,
)
from ocppgen.runtime.vendor import VendorExtension

T = TypeVar("T")

# -- Hypothesis effort ---------------------------------------------------------------------------

PROFILES: dict[str, tuple[int, int]] = {"quick": (5, 1), "thorough": (200, 25)}
"""Profile -> (examples per model or action, examples per mutation row)."""
PROFILE = os.environ.get("OCPPGEN_HYPOTHESIS_PROFILE", "quick")
if PROFILE not in PROFILES:
    raise ValueError(
        f"OCPPGEN_HYPOTHESIS_PROFILE must be one of {sorted(PROFILES)}, not {PROFILE!r}"
    )
_SLOW_OK = (HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example)
EXAMPLES = settings(
    max_examples=PROFILES[PROFILE][0], deadline=None, suppress_health_check=_SLOW_OK
)
MUTATION_EXAMPLES = settings(
    max_examples=PROFILES[PROFILE][1], deadline=None, suppress_health_check=_SLOW_OK
)

# -- what a version binds -------------------------------------------------------------------------


class RoleHandlers(Protocol):
    """A generated handler base (`CsmsHandlers`, `ChargingStationHandlers`)."""

    async def handle(
        self, action: str, request: OcppModel, context: CallContext
    ) -> OcppModel | None: ...

    @classmethod
    def implemented(cls) -> frozenset[str]: ...


@dataclass(frozen=True)
class Binding:
    """One version's facts, as the test bodies need them."""

    version: VersionSpec
    tables: Tables
    strategy_for: StrategyFor
    handlers: Mapping[Role, Callable[[], RoleHandlers]]
    calls: Mapping[Role, Callable[[Any], object]]  # role -> its typed call methods' class


def model_ids(models: Sequence[tuple[type[OcppModel], str]]) -> list[str]:
    return [cls.__name__ for cls, _ in models]


def role_ids(rows: Sequence[tuple[Any, ...]]) -> list[str]:
    """`<role>-<action>` for rows that start with (role, action)."""
    return [f"{row[0]}-{row[1]}" for row in rows]


def calls_received(receives: Sequence[RoleAction]) -> list[RoleAction]:
    """The CALL (not SEND) rows of `receives`."""
    return [row for row in receives if not row[3]]


# -- helpers --------------------------------------------------------------------------------------


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (nothing here waits for I/O) to its result."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        result: T = stop.value
        return result
    coroutine.close()
    raise AssertionError("the coroutine suspended")


def receiver(spec: ActionSpec) -> Role:
    return next(role for role in (Role.CSMS, Role.CHARGING_STATION) if spec.received_by(role))


def sender(spec: ActionSpec) -> Role:
    return next(role for role in (Role.CSMS, Role.CHARGING_STATION) if spec.sent_by(role))


def _context(version: VersionSpec, role: Role, action: str) -> CallContext:
    return CallContext("CS001", version, role, "ocppgen-1", action)


def check_model(
    version: VersionSpec, cls: type[OcppModel], payload: dict[str, Any], row: Mutation
) -> None:
    if row.fault is None:
        cls.from_json_dict(payload)
        return
    with pytest.raises(ValidationError) as caught:
        cls.from_json_dict(payload)
    found = validation_failure(caught.value).fault
    expected = fault_code(version.name, row.fault)
    assert fault_code(version.name, found) == expected, f"classified as {found}, not {row.fault}"
    assert expected == row.code, f"the error-code table gives {row.fault} {expected}"


def check_schema(
    source: str, payload: dict[str, Any], row: Mutation, where: list[str | int]
) -> None:
    errors = list(validator(source).iter_errors(payload))
    if row.keyword is None:
        assert errors == [], [e.message for e in errors]
        return
    if row.field is not None and row.kind != "required":
        where = [*where, row.field, *([0] if row.item else [])]
    found = [(e.validator, list(e.absolute_path)) for e in errors]
    assert found, "the official schema accepts the mutated payload"
    assert (row.keyword, where) in found, found
    assert all(path == where for _, path in found), found


def check_runtime(
    binding: Binding, row: Mutation, host: Host, payload: dict[str, Any], data: st.DataObject
) -> None:
    """Feed the payload to a sans-IO core of the role that receives it."""
    version = binding.version
    spec = version.actions[host.action]
    expected = row.code  # the spec's code; check_model has checked that the table agrees
    if host.direction == "request":
        _check_request(version, spec, row, payload)
        return
    conn = Connection(version, sender(spec))
    message_id = conn.call(data.draw(binding.strategy_for(spec.request)), action=host.action)
    conn.outgoing()
    [event] = conn.receive(json.dumps([3, message_id, payload]))
    if expected is None:
        assert isinstance(event, ResultReceived), event
        return
    assert isinstance(event, InvalidResult), event
    assert event.code == expected, (event.code, expected)
    if version.name == "2.1":  # Part 2 FR.06: an invalid CALLRESULT gets a CALLRESULTERROR
        assert event.reply is not None
        frame = decode(event.reply)
        assert isinstance(frame, CallResultError) and frame.error_code == expected, frame
    else:
        assert event.reply is None


def _check_request(
    version: VersionSpec, spec: ActionSpec, row: Mutation, payload: dict[str, Any]
) -> None:
    expected = row.code
    one_way = spec.message_type is MessageType.SEND
    conn = Connection(version, receiver(spec))
    [event] = conn.receive(json.dumps([6 if one_way else 2, "ocppgen-1", spec.action, payload]))
    if expected is None:
        assert type(event) is (SendReceived if one_way else CallReceived), event
        return
    assert isinstance(event, ProtocolFault), event
    assert event.code == expected, (event.code, expected)
    out = conn.outgoing()
    if one_way:
        assert out == []  # nothing answers a SEND
        return
    [reply] = out
    frame = decode(reply)
    assert isinstance(frame, CallError) and frame.message_id == "ocppgen-1", frame
    assert frame.error_code == expected, (frame.error_code, expected)


class FakeConnection:
    """Records what the call methods pass on; answers with a fixed response."""

    def __init__(self, response: OcppModel | None) -> None:
        self.response = response
        self.sent: list[tuple[OcppModel, str | None, float | None]] = []

    async def call(
        self, request: OcppModel, *, action: str | None = None, timeout: float | None = None
    ) -> OcppModel:
        self.sent.append((request, action, timeout))
        assert self.response is not None
        return self.response

    async def send(self, request: OcppModel, *, action: str | None = None) -> None:
        self.sent.append((request, action, None))


# -- the test bodies ------------------------------------------------------------------------------


def check_example_matches_official_schema(
    binding: Binding, cls: type[OcppModel], source: str, data: st.DataObject
) -> None:
    example = data.draw(binding.strategy_for(cls))
    errors = [e.message for e in validator(source).iter_errors(example.to_json_dict())]
    assert errors == []


def check_json_round_trip(binding: Binding, cls: type[OcppModel], data: st.DataObject) -> None:
    example = data.draw(binding.strategy_for(cls))
    text = example.to_json()
    again = cls.from_json(text)
    assert again == example
    assert again.to_json() == text
    assert cls.from_json_dict(json.loads(text)) == example


def check_mutation(binding: Binding, row: Mutation, data: st.DataObject) -> None:
    tables = binding.tables
    if row.attribute:
        valid = tables.examples_with(row.model, row.attribute)
    else:
        valid = binding.strategy_for(row.model)
    target = data.draw(valid)
    mutated = tables.mutate(row, target.to_json_dict())
    check_model(binding.version, row.model, mutated, row)
    host = tables.hosts[row.model]
    payload, where = tables.embed(host, target, mutated, data)
    if host.message is not row.model:
        check_model(binding.version, host.message, payload, row)
    check_schema(tables.schema_of[host.message], payload, row, where)
    check_runtime(binding, row, host, payload, data)


def check_dispatch_reaches_handler(
    binding: Binding, role: Role, action: str, method: str, one_way: bool, data: st.DataObject
) -> None:
    version = binding.version
    spec = version.actions[action]
    request = data.draw(binding.strategy_for(spec.request))
    response = None if spec.response is None else data.draw(binding.strategy_for(spec.response))
    seen: list[tuple[OcppModel, CallContext]] = []

    async def on_action(request: OcppModel, context: CallContext) -> OcppModel | None:
        seen.append((request, context))
        return response

    handlers = binding.handlers[role]()
    setattr(handlers, method, on_action)
    conn = Connection(version, role)
    frame_type = 6 if one_way else 2
    [event] = conn.receive(json.dumps([frame_type, "ocppgen-1", action, request.to_json_dict()]))
    context = _context(version, role, action)
    if one_way:
        assert isinstance(event, SendReceived), event
        run(handlers.handle(action, event.request, context))
        assert conn.outgoing() == []
    else:
        assert isinstance(event, CallReceived), event
        assert run(dispatch(conn, handlers, event, context)) is None
        [reply] = conn.outgoing()
        frame = decode(reply)
        assert isinstance(frame, CallResult) and frame.message_id == "ocppgen-1", frame
        assert response is not None and frame.payload == response.to_json_dict()
    assert event.request == request
    assert seen == [(request, context)]
    assert type(seen[0][0]) is spec.request


def check_unimplemented_handler_answers_not_supported(
    binding: Binding, role: Role, action: str, data: st.DataObject
) -> None:
    version = binding.version
    spec = version.actions[action]
    handlers = binding.handlers[role]()
    assert action not in handlers.implemented()
    conn = Connection(version, role)
    request = data.draw(binding.strategy_for(spec.request))
    [event] = conn.receive(json.dumps([2, "ocppgen-1", action, request.to_json_dict()]))
    assert isinstance(event, CallReceived), event
    assert run(dispatch(conn, handlers, event, _context(version, role, action))) is None
    [reply] = conn.outgoing()
    frame = decode(reply)
    assert isinstance(frame, CallError), frame
    assert frame.error_code == code_for(version.name, ErrorCode.NOT_SUPPORTED)


def check_action_not_received_is_not_supported(
    binding: Binding, role: Role, action: str, data: st.DataObject
) -> None:
    version = binding.version
    request = data.draw(binding.strategy_for(version.actions[action].request))
    conn = Connection(version, role)
    [event] = conn.receive(json.dumps([2, "ocppgen-1", action, request.to_json_dict()]))
    assert isinstance(event, ProtocolFault) and event.fault == Fault.NOT_SUPPORTED, event
    [reply] = conn.outgoing()
    frame = decode(reply)
    assert isinstance(frame, CallError), frame
    assert frame.error_code == fault_code(version.name, Fault.NOT_SUPPORTED)
    # The handler base refuses it too, should a core ever let it through.
    with pytest.raises(OcppError) as caught:
        run(binding.handlers[role]().handle(action, request, _context(version, role, action)))
    assert caught.value.code == ErrorCode.NOT_SUPPORTED


def check_call_method_sends_its_action(
    binding: Binding, role: Role, action: str, method: str, one_way: bool, data: st.DataObject
) -> None:
    version = binding.version
    spec = version.actions[action]
    assert spec.sent_by(role)
    request = data.draw(binding.strategy_for(spec.request))
    response = None if spec.response is None else data.draw(binding.strategy_for(spec.response))
    fake = FakeConnection(response)
    result = run(getattr(binding.calls[role](fake), method)(request))
    assert fake.sent == [(request, action, None)]
    assert result is response
    # The core agrees that this role sends the action this way.
    conn = Connection(version, role)
    if one_way:
        conn.send(request, action=action)
    else:
        conn.call(request, action=action)
    [frame] = conn.outgoing()
    assert json.loads(frame)[:3] == [6 if one_way else 2, json.loads(frame)[1], action]


# -- vendor extensions (issue 16 item 2) ------------------------------------------------------


def vendor_rows(vendor: VendorExtension) -> list[tuple[Role, str]]:
    """(receiving role, messageId) for every vendor message."""
    return [
        (role, message.message_id)
        for message in vendor.messages.values()
        for role in (Role.CSMS, Role.CHARGING_STATION)
        if role.peer in message.initiators
    ]


def _data_transfer(
    binding: Binding, role: Role, payload: dict[str, Any], handlers: Any
) -> dict[str, Any]:
    """A DataTransfer CALL with `payload` through a core of `role` and `handlers`: the
    CALLRESULT's payload (a CALLERROR fails the check)."""
    version = binding.version
    conn = Connection(version, role)
    [event] = conn.receive(json.dumps([2, "ocppgen-1", "DataTransfer", payload]))
    assert isinstance(event, CallReceived), event
    assert run(dispatch(conn, handlers, event, _context(version, role, "DataTransfer"))) is None
    [reply] = conn.outgoing()
    frame = decode(reply)
    assert isinstance(frame, CallResult), frame
    result: dict[str, Any] = frame.payload
    return result


def check_vendor_message_reaches_typed_handler(
    binding: Binding, vendor: VendorExtension, role: Role, message_id: str, data: st.DataObject
) -> None:
    """A valid vendor message reaches its `on_vendor_*` method as its typed class and the
    answer carries the typed response; another vendorId or messageId, or a handler left as
    generated, get the spec's statuses."""
    message = vendor.messages[message_id]
    request = data.draw(binding.strategy_for(message.request))
    response = (
        None if message.response is None else data.draw(binding.strategy_for(message.response))
    )
    seen: list[OcppModel] = []

    async def on_vendor(request: OcppModel, context: CallContext) -> OcppModel | None:
        seen.append(request)
        return response

    wire = {"vendorId": vendor.vendor_id, "messageId": message_id, "data": request.to_json_dict()}
    untouched = _data_transfer(binding, role, wire, binding.handlers[role]())
    assert untouched == {"status": "UnknownMessageId"}
    handlers = binding.handlers[role]()
    setattr(handlers, message.handler, on_vendor)
    answered = _data_transfer(binding, role, wire, handlers)
    expected: dict[str, Any] = {"status": "Accepted"}
    if response is not None:
        expected["data"] = response.to_json_dict()
    assert answered == expected
    assert seen == [request] and type(seen[0]) is message.request
    other = _data_transfer(binding, role, {**wire, "vendorId": vendor.vendor_id + ".x"}, handlers)
    assert other == {"status": "UnknownVendorId"}
    unknown = _data_transfer(binding, role, {**wire, "messageId": message_id + "X"}, handlers)
    assert unknown == {"status": "UnknownMessageId"}
