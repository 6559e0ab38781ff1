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


def in_process_cost(iterations: int = 20000) -> tuple[float, dict[str, float]]:
    """CPU seconds for one TransactionEvent CALL through the core: receive (decode + validate),
    dispatch to the handler, respond (validate + encode), outgoing. No sockets, no event loop."""
    conn = Connection(v201.VERSION, Role.CSMS)
    handler = BenchCsms()
    body = json.dumps(TRANSACTION_EVENT, separators=(",", ":"))
    frames = [f'[2,"{n}","TransactionEvent",{body}]' for n in range(iterations)]

    def one(frame: str) -> None:
        (event,) = conn.receive(frame)
        assert isinstance(event, CallReceived)
        context = CallContext("BENCH", v201.VERSION, Role.CSMS, event.message_id, event.action)
        _drive(dispatch(conn, handler, event, context))
        conn.outgoing()

    for frame in frames[:1000]:  # warm up
        one(frame)
    frames = [f'[2,"x{n}","TransactionEvent",{body}]' for n in range(iterations)]
    began = time.process_time()
    for frame in frames:
        one(frame)
    total = (time.process_time() - began) / iterations

    request = v201.TransactionEventRequest.from_json_dict(TRANSACTION_EVENT)
    response = handler.responses["TransactionEvent"]
    parts: dict[str, Callable[[], object]] = {
        "json.loads(frame)": lambda: json.loads(frames[0]),
        "TransactionEventRequest.from_json_dict": lambda: (
            v201.TransactionEventRequest.from_json_dict(TRANSACTION_EVENT)
        ),
        "TransactionEventRequest.from_json (text)": lambda: v201.TransactionEventRequest.from_json(
            body
        ),
        "request.to_json()": request.to_json,
        "response validate + to_json": lambda: (
            v201.TransactionEventResponse.from_json_dict(response.to_json_dict()),
            response.to_json(),
        ),
    }
    breakdown = {}
    for name, function in parts.items():
        n = 5000
        began = time.process_time()
        for _ in range(n):
            function()
        breakdown[name] = (time.process_time() - began) / n
    return total, breakdown
