"""Our endpoints in the benchmark: a CsmsServer and StationClients on the generated v201 classes."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.workload import (
    BOOT_RESPONSE,
    HEARTBEAT_RESPONSE,
    PAYLOADS,
    TRANSACTION_EVENT,
    TRANSACTION_EVENT_RESPONSE,
)
from ocppgen.generated import v201
from ocppgen.runtime.actions import Role
from ocppgen.runtime.client import StationClient
from ocppgen.runtime.core import CallReceived, Connection
from ocppgen.runtime.dispatch import CallContext, dispatch
from ocppgen.runtime.frames import decode, split
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.server import CsmsServer

__all__ = ["BenchCsms", "in_process_cost", "open_ours", "serve_ours"]

REQUESTS: dict[str, type[OcppModel]] = {
    "BootNotification": v201.BootNotificationRequest,
    "TransactionEvent": v201.TransactionEventRequest,
    "Heartbeat": v201.HeartbeatRequest,
}


class BenchCsms:
    """Answers the workload's three actions with fixed responses."""

    def __init__(self) -> None:
        self.responses: dict[str, OcppModel] = {
            "BootNotification": v201.BootNotificationResponse.from_json_dict(BOOT_RESPONSE),
            "TransactionEvent": v201.TransactionEventResponse.from_json_dict(
                TRANSACTION_EVENT_RESPONSE
            ),
            "Heartbeat": v201.HeartbeatResponse.from_json_dict(HEARTBEAT_RESPONSE),
        }

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        return self.responses[action]


async def serve_ours(
    port: int,
    ready: Callable[[Any], None],
    until: Callable[[], Awaitable[None]],
    *,
    ping_interval: float | None = None,
) -> None:
    server = CsmsServer(
        [(v201.VERSION, BenchCsms())], path_prefix="/ocpp/", ping_interval=ping_interval
    )
    await server.start("127.0.0.1", port, backlog=4096)
    assert server._server is not None
    ready(server._server.sockets)
    await until()
    await server.close(grace=1.0)


async def open_ours(
    url: str, identity: str
) -> tuple[Callable[[str], Awaitable[None]], Callable[[], Awaitable[None]]]:
    client = StationClient(url, identity, [(v201.VERSION, None)], ping_interval=None)
    conn = await client.connect()
    requests = {action: REQUESTS[action].from_json_dict(body) for action, body in PAYLOADS.items()}

    async def call(action: str) -> None:
        await conn.call(requests[action])

    return call, client.close


def _drive(awaitable: Any) -> Any:
    """Run a coroutine that never suspends (our bench handler) to completion, synchronously."""
    try:
        awaitable.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("the coroutine suspended")


def _cost_of_one_call(conn: Connection, frames: list[str]) -> float:
    """CPU seconds per CALL: receive, dispatch to the bench handler, respond, outgoing."""
    handler = BenchCsms()

    def one(frame: str) -> None:
        (event,) = conn.receive(frame)
        assert isinstance(event, CallReceived)
        context = CallContext("BENCH", v201.VERSION, Role.CSMS, event.message_id, event.action)
        _drive(dispatch(conn, handler, event, context))
        conn.outgoing()

    for frame in frames[:1000]:  # warm up
        one('[2,"w' + frame[4:])
    began = time.process_time()
    for frame in frames:
        one(frame)
    return (time.process_time() - began) / len(frames)


def in_process_cost(iterations: int = 20000) -> tuple[float, dict[str, float]]:
    """CPU seconds for one TransactionEvent CALL through the core: receive (decode + validate),
    dispatch to the handler, respond (check + encode), outgoing. No sockets, no event loop.
    The breakdown times the parts alone (and, for comparison, the full-decode path and full
    outgoing validation)."""
    body = json.dumps(TRANSACTION_EVENT, separators=(",", ":"))
    frames = [f'[2,"{n}","TransactionEvent",{body}]' for n in range(iterations)]
    total = _cost_of_one_call(Connection(v201.VERSION, Role.CSMS), frames)
    validating = _cost_of_one_call(
        Connection(v201.VERSION, Role.CSMS, validate_outgoing=True), frames
    )

    conn = Connection(v201.VERSION, Role.CSMS)
    handler = BenchCsms()
    response = handler.responses["TransactionEvent"]
    request = v201.TransactionEventRequest.from_json(body)
    event = CallReceived("1", "TransactionEvent", v201.VERSION.actions["TransactionEvent"], request)
    context = CallContext("BENCH", v201.VERSION, Role.CSMS, "1", "TransactionEvent")

    def dispatch_and_respond() -> None:
        conn._incoming["1"] = event.spec  # as receive() would have left it
        _drive(dispatch(conn, handler, event, context))
        conn.outgoing()

    parts: dict[str, Callable[[], object]] = {
        "frames.split (header only)": lambda: split(frames[0]),
        "TransactionEventRequest.from_json (text)": lambda: v201.TransactionEventRequest.from_json(
            body
        ),
        "dispatch + respond + outgoing": dispatch_and_respond,
        "  of which response to_json": lambda: response.model_dump_json(
            by_alias=True, exclude_none=True, warnings="error"
        ),
        "(full decode path: frames.decode)": lambda: decode(frames[0]),
        "(full decode path: from_json_dict)": lambda: v201.TransactionEventRequest.from_json_dict(
            TRANSACTION_EVENT
        ),
        "(validate_outgoing=True: response check)": lambda: v201.TransactionEventResponse.from_json(
            response.to_json()
        ),
        "(station side: request to_json)": lambda: request.model_dump_json(
            by_alias=True, exclude_none=True, warnings="error"
        ),
        "(station side: request full validation)": lambda: v201.TransactionEventRequest.from_json(
            body
        ),
    }
    breakdown = {"total with validate_outgoing=True": validating}
    for name, function in parts.items():
        n = 5000
        began = time.process_time()
        for _ in range(n):
            function()
        breakdown[name] = (time.process_time() - began) / n
    return total, breakdown
