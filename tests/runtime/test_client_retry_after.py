"""A station honours the Retry-After of a CSMS that refuses it with 429 or 503 (a CSMS busy
with a reconnect storm spreads the stations' next attempts that way)."""

from __future__ import annotations

import asyncio
import time

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request, Response

from ocppgen.runtime.client import MAX_RETRY_AFTER, BackOff, StationClient, retry_after
from tests.runtime.fakeversion import V201


def _refusal(status: int, retry: str | None) -> InvalidStatus:
    headers = Headers() if retry is None else Headers({"Retry-After": retry})
    return InvalidStatus(Response(status, "refused", headers, b""))


@pytest.mark.parametrize(
    ("status", "header", "seconds"),
    [
        (503, "7", 7.0),
        (429, "120", 120.0),
        (503, "99999999", MAX_RETRY_AFTER),
        (503, None, 0.0),
        (503, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # the HTTP-date form is not trusted
        (503, "-5", 0.0),
        (401, "7", 0.0),  # only a busy server's answers ask for a pause
    ],
)
def test_retry_after_reads_the_seconds_of_a_busy_refusal(
    status: int, header: str | None, seconds: float
) -> None:
    assert retry_after(_refusal(status, header)) == seconds


def test_other_failures_ask_for_no_pause() -> None:
    assert retry_after(ConnectionRefusedError()) == 0.0


async def test_the_station_waits_for_retry_after_before_its_next_attempt() -> None:
    attempts: list[float] = []
    seen_twice = asyncio.Event()

    def busy(connection: ServerConnection, request: Request) -> Response:
        attempts.append(time.monotonic())
        if len(attempts) >= 2:
            seen_twice.set()
        response = connection.respond(503, "busy\n")
        response.headers["Retry-After"] = "1"
        return response

    async with serve(lambda ws: ws.close(), "127.0.0.1", 0, process_request=busy) as server:
        port = server.sockets[0].getsockname()[1]
        backoff = BackOff(wait_minimum=0.01, random_range=0.0)
        client = StationClient(f"ws://127.0.0.1:{port}/", "CS1", [(V201, None)], backoff=backoff)
        async with client:
            client.start()
            await asyncio.wait_for(seen_twice.wait(), timeout=10)
    # Without Retry-After the second attempt would follow after 0.01 s.
    assert attempts[1] - attempts[0] >= 0.95
