"""StationClient over real loopback sockets: calls, reconnect with back-off, disconnects."""

from __future__ import annotations

import asyncio
import random
import socket
import time

import pytest
from websockets.asyncio.server import ServerConnection, serve

from ocppgen.generated import v201
from ocppgen.runtime.client import BackOff, StationClient
from ocppgen.runtime.endpoint import Disconnected
from ocppgen.runtime.server import CsmsServer
from tests.runtime.peers import CsmsHandler, StationHandler, boot_request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_backoff_doubles_at_most_repeat_times() -> None:
    backoff = BackOff(wait_minimum=1, random_range=0, repeat_times=3)
    delays = backoff.delays()
    assert [next(delays) for _ in range(6)] == [1, 2, 4, 8, 8, 8]


def test_backoff_adds_a_fresh_random_part_within_range() -> None:
    backoff = BackOff(wait_minimum=2, random_range=10, repeat_times=2)
    rng = random.Random(7)
    delays = [backoff.delay(failures, rng) for failures in (0, 1, 2, 3)]
    for delay, base in zip(delays, (2, 4, 8, 8), strict=True):
        assert base <= delay <= base + 10
    assert len(set(delays)) == 4
    with pytest.raises(ValueError):
        BackOff(wait_minimum=-1)


async def test_calls_from_one_station_go_one_at_a_time() -> None:
    handler = CsmsHandler(delay={"Heartbeat": 0.05})
    server = CsmsServer([(v201.VERSION, handler)])
    await server.start()
    try:
        async with StationClient(server.url(), "CS001", [(v201.VERSION, None)]) as client:
            conn = await client.connect()
            responses = await asyncio.gather(
                *(conn.call(v201.HeartbeatRequest()) for _ in range(3)), conn.call(boot_request())
            )
            assert [type(r).__name__ for r in responses] == [
                "HeartbeatResponse",
                "HeartbeatResponse",
                "HeartbeatResponse",
                "BootNotificationResponse",
            ]
            assert [action for _, action, _ in handler.received] == ["Heartbeat"] * 3 + [
                "BootNotification"
            ]
    finally:
        await server.close()


async def test_call_without_connection_raises_disconnected() -> None:
    client = StationClient("ws://127.0.0.1:1/ocpp", "CS001", [(v201.VERSION, None)])
    with pytest.raises(Disconnected):
        await client.call(v201.HeartbeatRequest())


async def test_pending_call_fails_with_disconnected_when_the_csms_goes_away() -> None:
    server = CsmsServer([(v201.VERSION, CsmsHandler(delay={"Heartbeat": 5}))])
    await server.start()
    client = StationClient(server.url(), "CS001", [(v201.VERSION, None)])
    conn = await client.connect()
    pending = asyncio.create_task(conn.call(v201.HeartbeatRequest()))
    await asyncio.sleep(0.05)
    await server.close(grace=0.05)
    with pytest.raises(Disconnected):
        await pending
    await client.close()


async def test_reconnects_with_backoff_until_the_csms_is_up_and_after_a_loss() -> None:
    port = free_port()
    connected: list[str] = []

    async def on_connect(conn: object) -> None:
        connected.append("up")

    client = StationClient(
        f"ws://127.0.0.1:{port}/ocpp",
        "CS001",
        [(v201.VERSION, StationHandler())],
        backoff=BackOff(wait_minimum=0.02, random_range=0.01, repeat_times=2),
        on_connect=on_connect,
    )
    client.start()
    try:
        await asyncio.sleep(0.3)  # nothing listens yet: several failed attempts
        failed = client.attempts
        assert failed >= 3 and not connected
        assert isinstance(client.last_error, OSError)
        # doubling is capped: 0.02, 0.04, 0.08, 0.08, ... -> not many more than 0.3/0.08 + 3
        assert failed <= 8

        server = CsmsServer([(v201.VERSION, CsmsHandler())], path_prefix="/ocpp")
        await server.start(port=port)
        conn = await client.wait_connected(timeout=2)
        assert isinstance(await conn.call(boot_request()), v201.BootNotificationResponse)
        assert connected == ["up"]

        # the CSMS drops the connection: the station comes back by itself
        await server.stations["CS001"].close()
        await asyncio.sleep(0.2)
        conn2 = await client.wait_connected(timeout=2)
        assert conn2 is not conn and connected == ["up", "up"]
        assert isinstance(await conn2.call(boot_request()), v201.BootNotificationResponse)
        await server.close()
    finally:
        await client.close()


async def test_first_reconnection_after_a_failed_start_waits_the_minimum() -> None:
    attempts: list[float] = []

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        attempts.append(time.monotonic())
        writer.close()  # no WebSocket handshake: the attempt fails

    listener = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    client = StationClient(
        f"ws://127.0.0.1:{port}/",
        "CS001",
        [(v201.VERSION, None)],
        backoff=BackOff(wait_minimum=0.1, random_range=0, repeat_times=3),
    )
    client.start()
    try:
        async with asyncio.timeout(3):
            while len(attempts) < 3:
                await asyncio.sleep(0.01)
    finally:
        await client.close()
        listener.close()
    first_wait, second_wait = attempts[1] - attempts[0], attempts[2] - attempts[1]
    # the minimum, then double it (not double from the start: the failed start is attempt 0)
    assert 0.1 <= first_wait < 0.19
    assert 0.2 <= second_wait < 0.35


async def test_csms_agreeing_no_subprotocol_is_refused_by_the_station() -> None:
    async def ignore(websocket: ServerConnection) -> None:
        await websocket.wait_closed()

    async with serve(ignore, "127.0.0.1", 0) as plain:  # a server without subprotocols
        port = next(iter(plain.sockets)).getsockname()[1]
        client = StationClient(f"ws://127.0.0.1:{port}/", "CS001", [(v201.VERSION, None)])
        with pytest.raises(ConnectionRefusedError):
            await client.connect()
        assert client.connection is None
