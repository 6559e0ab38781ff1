"""Dispatch: a handler's outcome becomes the right answer on the wire; the connection lives on."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import CallReceived, Connection, InvalidResponse
from ocppgen.runtime.dispatch import CallContext, HandlerFailed, complete, dispatch, new_context
from ocppgen.runtime.errors import ErrorCode, OcppError
from ocppgen.runtime.model import OcppModel

from .fakeversion import (
    BOOT_JSON,
    V16,
    V201,
    BootNotificationResponse,
    DataTransferResponse,
    HeartbeatResponse,
    RegistrationStatus,
    ResetResponse,
    ResetStatus,
)

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


class Csms:
    """A handler as the generated CSMS base class will look: one `on_<action>` per action."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.gate = asyncio.Event()

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        self.seen.append((action, context.message_id))
        method = getattr(self, f"on_{action}", None)
        if method is None:
            raise OcppError(ErrorCode.NOT_SUPPORTED, f"{action} is not handled")
        response: OcppModel = await method(request)
        return response

    async def on_BootNotification(self, request: OcppModel) -> OcppModel:
        return BootNotificationResponse(
            current_time=NOW, interval=300, status=RegistrationStatus.ACCEPTED
        )

    async def on_Heartbeat(self, request: OcppModel) -> OcppModel:
        await self.gate.wait()
        return HeartbeatResponse(current_time=NOW)

    async def on_DataTransfer(self, request: OcppModel) -> OcppModel:
        vendor = request.to_json_dict()["vendorId"]
        if vendor == "raise-ocpp":
            raise OcppError(ErrorCode.FORMAT_VIOLATION, "no", {"why": "test"})
        if vendor == "crash":
            raise RuntimeError("secret internals")
        if vendor == "wrong-class":
            return ResetResponse(status=ResetStatus.ACCEPTED)
        if vendor == "none":
            return None  # type: ignore[return-value]
        if vendor == "too-long":
            return DataTransferResponse.model_construct(status="x" * 21)
        if vendor == "wrong-type":
            return DataTransferResponse.model_construct(status=5)  # type: ignore[arg-type]
        return DataTransferResponse(status="Accepted")


def _context(conn: Connection, event: CallReceived) -> CallContext:
    return CallContext("CS1", conn.version, conn.role, event.message_id, event.action)


async def _run(
    conn: Connection, handler: Csms, text: str
) -> InvalidResponse | HandlerFailed | None:
    (event,) = conn.receive(text)
    assert isinstance(event, CallReceived)
    return await dispatch(conn, handler, event, _context(conn, event))


def _dt(message_id: str, vendor: str) -> str:
    return f'[2,"{message_id}","DataTransfer",{{"vendorId":"{vendor}"}}]'


async def test_call_to_handler_to_callresult() -> None:
    conn, handler = Connection(V201, Role.CSMS), Csms()
    assert await _run(conn, handler, f'[2,"c1","BootNotification",{BOOT_JSON}]') is None
    assert conn.outgoing() == [
        '[3,"c1",{"currentTime":"2024-05-01T12:00:00Z","interval":300,"status":"Accepted"}]'
    ]
    assert handler.seen == [("BootNotification", "c1")]


async def test_handler_raising_ocpp_error_sends_that_callerror() -> None:
    conn = Connection(V201, Role.CSMS)
    assert await _run(conn, Csms(), _dt("c1", "raise-ocpp")) is None
    assert conn.outgoing() == ['[4,"c1","FormatViolation","no",{"why":"test"}]']


async def test_ocpp_error_is_spelled_for_the_version() -> None:
    conn = Connection(V16, Role.CSMS)
    await _run(conn, Csms(), _dt("c1", "raise-ocpp"))
    assert conn.outgoing() == ['[4,"c1","FormationViolation","no",{"why":"test"}]']


async def test_action_without_handler_method_is_not_supported() -> None:
    conn = Connection(V201, Role.CSMS)
    await _run(
        conn,
        Csms(),
        '[2,"c1","MeterValues",{"evseId":1,"meterValue":[{"timestamp":'
        '"2024-05-01T12:00:00Z","sampledValue":[{"value":1}]}]}]',
    )
    assert conn.outgoing() == ['[4,"c1","NotSupported","MeterValues is not handled",{}]']


async def test_other_exception_is_internal_error_and_connection_stays_up() -> None:
    conn, handler = Connection(V201, Role.CSMS), Csms()
    outcome = await _run(conn, handler, _dt("c1", "crash"))
    assert isinstance(outcome, HandlerFailed)
    assert isinstance(outcome.exception, RuntimeError) and outcome.action == "DataTransfer"
    (frame,) = conn.outgoing()
    assert json.loads(frame) == [4, "c1", "InternalError", "DataTransfer handler failed", {}]
    assert "secret" not in frame
    # Still up: the next CALL is handled normally.
    assert await _run(conn, handler, _dt("c2", "ok")) is None
    assert conn.outgoing() == ['[3,"c2",{"status":"Accepted"}]']


@pytest.mark.parametrize(
    ("vendor", "validate"),
    [
        ("wrong-class", False),
        ("none", False),
        ("wrong-type", False),  # serialization with warnings="error" catches it
        ("too-long", True),  # a broken constraint: only full outgoing validation sees it
    ],
)
async def test_invalid_response_is_caught_before_the_wire(vendor: str, validate: bool) -> None:
    conn = Connection(V201, Role.CSMS, validate_outgoing=validate)
    outcome = await _run(conn, Csms(), _dt("c1", vendor))
    assert isinstance(outcome, InvalidResponse)
    assert conn.outgoing() == ['[4,"c1","InternalError","invalid DataTransfer response",{}]']


async def test_model_construct_skips_validation_by_default() -> None:
    # model_construct is the vendor's explicit choice to skip validation; the default trusts it.
    conn = Connection(V201, Role.CSMS)
    assert await _run(conn, Csms(), _dt("c1", "too-long")) is None
    assert conn.outgoing() == ['[3,"c1",{"status":"' + "x" * 21 + '"}]']


async def test_concurrent_calls_answer_in_completion_order() -> None:
    conn, handler = Connection(V201, Role.CSMS), Csms()
    (slow,) = conn.receive('[2,"slow","Heartbeat",{}]')
    (fast,) = conn.receive(_dt("fast", "ok"))
    assert isinstance(slow, CallReceived) and isinstance(fast, CallReceived)
    slow_task = asyncio.create_task(dispatch(conn, handler, slow, _context(conn, slow)))
    await dispatch(conn, handler, fast, _context(conn, fast))
    handler.gate.set()
    await slow_task
    assert [json.loads(f)[1] for f in conn.outgoing()] == ["fast", "slow"]


async def test_cancelled_handler_answers_internal_error_then_propagates() -> None:
    conn, handler = Connection(V201, Role.CSMS), Csms()
    (event,) = conn.receive('[2,"c1","Heartbeat",{}]')
    assert isinstance(event, CallReceived)
    task = asyncio.create_task(dispatch(conn, handler, event, _context(conn, event)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert conn.outgoing() == ['[4,"c1","InternalError","Heartbeat handler failed",{}]']
    assert conn.in_progress == frozenset()


async def test_connection_closed_while_handling_sends_nothing() -> None:
    conn, handler = Connection(V201, Role.CSMS), Csms()
    (event,) = conn.receive('[2,"c1","Heartbeat",{}]')
    assert isinstance(event, CallReceived)
    task = asyncio.create_task(dispatch(conn, handler, event, _context(conn, event)))
    await asyncio.sleep(0)
    conn.close()
    handler.gate.set()
    assert await task is None
    assert conn.outgoing() == []


def test_complete_is_usable_without_asyncio() -> None:
    conn = Connection(V201, Role.CSMS)
    (event,) = conn.receive('[2,"c1","Heartbeat",{}]')
    assert isinstance(event, CallReceived)
    assert complete(conn, event, HeartbeatResponse(current_time=NOW)) is None
    assert conn.outgoing() == ['[3,"c1",{"currentTime":"2024-05-01T12:00:00Z"}]']
    assert complete(conn, event, HeartbeatResponse(current_time=NOW)) is None  # answered: no-op
    assert conn.outgoing() == []


def test_new_context_is_the_context_the_constructor_builds() -> None:
    made = new_context("CS1", V201, Role.CSMS, "m1", "Heartbeat", {"k": 1})
    assert type(made) is CallContext
    assert made == CallContext("CS1", V201, Role.CSMS, "m1", "Heartbeat", {"k": 1})
    assert (made.station_id, made.message_id, made.action) == ("CS1", "m1", "Heartbeat")
    with pytest.raises(AttributeError):  # frozen like any other
        made.action = "Reset"  # type: ignore[misc]


def test_awaits_answer_follows_in_progress() -> None:
    conn = Connection(V201, Role.CSMS)
    (event,) = conn.receive(f'[2,"b1","BootNotification",{BOOT_JSON}]')
    assert isinstance(event, CallReceived)
    assert conn.awaits_answer("b1") and not conn.awaits_answer("b2")
    conn.respond("b1", BootNotificationResponse(current_time=NOW, interval=1, status="Accepted"))
    assert not conn.awaits_answer("b1") and conn.in_progress == frozenset()
