"""OcppConnection against a fake WebSocket: write order under flow control, the one-timer clock."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, cast

import pytest
from websockets.exceptions import ConnectionClosedOK

from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import Connection
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.errors import CallTimeout

from .fakeversion import BOOT, BOOT_RESPONSE_JSON, V201, DataTransferRequest, counter_ids


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
    await asyncio.sleep(0.01)
    assert ws.sent == []
    ws.gate.set()
    await asyncio.sleep(0.01)
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
