"""OcppConnection against a fake WebSocket: write order under flow control, the one-timer clock,
each handler in a task of its own."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from websockets.exceptions import ConnectionClosedOK

from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import Connection
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.errors import CallTimeout
from ocppgen.runtime.model import OcppModel

from .fakeversion import (
    BOOT,
    BOOT_JSON,
    BOOT_RESPONSE_JSON,
    V201,
    BootNotificationResponse,
    DataTransferRequest,
    HeartbeatResponse,
    RegistrationStatus,
    counter_ids,
)

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


class FakeWebSocket:
    """Records sent frames; `send` waits on `gate` while it is cleared (flow control)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()

    async def send(self, frame: str) -> None:
        if not self.gate.is_set():
            await self.gate.wait()
        self.sent.append(frame)

    async def recv(self) -> str:
        text = await self.inbox.get()
        if text is None:
            raise ConnectionClosedOK(None, None)
        return text

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.inbox.put_nowait(None)

    async def wait_closed(self) -> None:
        pass


async def _settle(steps: int = 50) -> None:
    """Let the loop run everything that is ready, by loop iterations rather than wall time
    (nothing here does I/O, so a machine under load cannot make it too short)."""
    for _ in range(steps):
        await asyncio.sleep(0)


def _station(ws: FakeWebSocket) -> OcppConnection:
    core = Connection(V201, Role.CHARGING_STATION, supported=(), id_factory=counter_ids())
    return OcppConnection(cast(Any, ws), core, None, identity="CS1")


async def test_frames_keep_their_order_when_a_write_has_to_wait() -> None:
    ws = FakeWebSocket()
    conn = _station(ws)
    reader = asyncio.create_task(conn.run())
    ws.gate.clear()  # the transport is full
    first = asyncio.create_task(conn.call(BOOT))
    await asyncio.sleep(0)
    assert ws.sent == [] and conn._writer is not None
    # While the first write waits, an answer to a peer CALL is queued behind it.
    ws.inbox.put_nowait('[2,"c1","Heartbeat",{}]')  # answered NotSupported by the core
    await _settle()
    assert ws.sent == []
    ws.gate.set()
    await _settle()
    assert [json.loads(frame)[:2] for frame in ws.sent] == [[2, "m1"], [4, "c1"]]
    assert conn._writer is None
    ws.inbox.put_nowait(f'[3,"m1",{BOOT_RESPONSE_JSON}]')
    await first
    await conn.close()
    await reader


async def test_one_timer_serves_calls_with_different_timeouts() -> None:
    ws = FakeWebSocket()
    conn = _station(ws)
    reader = asyncio.create_task(conn.run())
    # A long timeout, answered: the timer stays set for it and must not expire later CALLs.
    call = asyncio.create_task(conn.call(BOOT, timeout=10))
    await asyncio.sleep(0)
    ws.inbox.put_nowait(f'[3,"m1",{BOOT_RESPONSE_JSON}]')
    await call
    # A shorter timeout than the timer is set for: the timer moves earlier.
    began = time.monotonic()
    with pytest.raises(CallTimeout) as raised:
        await conn.call(DataTransferRequest(vendor_id="v"), timeout=0.05)
    assert raised.value.action == "DataTransfer"
    assert 0.04 < time.monotonic() - began < 2
    # A short timeout answered in time, then a longer one: the early timer fires for nothing
    # and is set again; the second CALL runs its own full time.
    call = asyncio.create_task(conn.call(BOOT, timeout=0.05))
    await asyncio.sleep(0)
    ws.inbox.put_nowait(f'[3,"m3",{BOOT_RESPONSE_JSON}]')
    await call
    began = time.monotonic()
    with pytest.raises(CallTimeout):
        await conn.call(BOOT, timeout=0.2)
    assert time.monotonic() - began > 0.19
    await conn.close()
    await reader


class Gated:
    """CSMS handler: Heartbeat answers at once; BootNotification waits for `release`."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.contexts: list[CallContext] = []

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        self.contexts.append(context)
        if action == "BootNotification":
            await self.release.wait()
            return BootNotificationResponse(
                current_time=NOW, interval=300, status=RegistrationStatus.ACCEPTED
            )
        return HeartbeatResponse(current_time=NOW)


def _csms(ws: FakeWebSocket, handler: Gated) -> OcppConnection:
    core = Connection(V201, Role.CSMS, id_factory=counter_ids())
    return OcppConnection(cast(Any, ws), core, handler, identity="CS1", extra={"k": 1})


async def test_handlers_run_in_tasks_and_a_quick_one_answers_before_a_slow_one() -> None:
    ws = FakeWebSocket()
    handler = Gated()
    conn = _csms(ws, handler)
    reader = asyncio.create_task(conn.run())
    # A handler that does not suspend: answered at once, its task is gone.
    ws.inbox.put_nowait('[2,"h1","Heartbeat",{}]')
    await _settle()
    assert [json.loads(frame)[:2] for frame in ws.sent] == [[3, "h1"]]
    assert not conn._tasks and not conn._eager
    # One that suspends continues in a task and writes its own answer, after a quicker one.
    ws.inbox.put_nowait(f'[2,"b1","BootNotification",{BOOT_JSON}]')
    ws.inbox.put_nowait('[2,"h2","Heartbeat",{}]')
    await _settle()
    assert len(conn._tasks) == 1 and conn.core.in_progress == {"b1"}
    handler.release.set()
    await conn.drain()
    assert [json.loads(frame)[:2] for frame in ws.sent] == [[3, "h1"], [3, "h2"], [3, "b1"]]
    assert json.loads(ws.sent[-1])[2]["status"] == "Accepted"
    # The context each handler got is the one CallContext(...) would build.
    assert handler.contexts[0] == CallContext("CS1", V201, Role.CSMS, "h1", "Heartbeat", {"k": 1})
    await conn.close()
    await reader


async def test_answers_wait_behind_a_full_transport_in_order_and_the_reader_waits_too() -> None:
    ws = FakeWebSocket()
    conn = _csms(ws, Gated())
    reader = asyncio.create_task(conn.run())
    ws.gate.clear()  # the transport is full: the first answer's write has to wait
    ws.inbox.put_nowait('[2,"h1","Heartbeat",{}]')
    await _settle()
    assert ws.sent == [] and conn._writer is not None
    for name in ("h2", "h3", "h4"):
        ws.inbox.put_nowait(f'[2,"{name}","Heartbeat",{{}}]')
    await _settle()
    # The reader stops reading while a write waits. A read already under way when the transport
    # filled (the reader waits in `recv` while handlers run, before 3.12) may still complete.
    assert ws.inbox.qsize() >= 2
    ws.gate.set()
    await _settle()
    await conn.drain()
    assert [json.loads(frame)[:2] for frame in ws.sent] == [
        [3, "h1"],
        [3, "h2"],
        [3, "h3"],
        [3, "h4"],
    ]
    assert conn._writer is None and not conn._tasks
    await conn.close()
    await reader


async def test_a_handler_still_running_when_the_connection_closes_is_cancelled_quietly() -> None:
    ws = FakeWebSocket()
    handler = Gated()
    conn = _csms(ws, handler)
    reader = asyncio.create_task(conn.run())
    ws.inbox.put_nowait(f'[2,"b1","BootNotification",{BOOT_JSON}]')
    await _settle()
    (task,) = conn._tasks
    await conn.close()
    await reader
    await asyncio.gather(task, return_exceptions=True)
    assert task.done() and not task.cancelled() and task.exception() is None
    assert ws.sent == [] and conn.core.in_progress == frozenset()


async def test_a_handler_task_cancelled_before_it_ran_leaves_the_connection() -> None:
    ws = FakeWebSocket()
    conn = _csms(ws, Gated())
    # Read in one step of the reader: the CALL (its handler task is created, not yet run), then
    # the close, which cancels that task before its first step.
    ws.inbox.put_nowait('[2,"h1","Heartbeat",{}]')
    ws.inbox.put_nowait(None)
    await conn.run()
    await _settle()
    assert not conn._tasks
    await asyncio.wait_for(conn.drain(), 5)
    assert ws.sent == []
