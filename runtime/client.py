"""The Charging Station: a `websockets` client that connects to a CSMS and stays connected.

    client = StationClient("wss://csms.example/ocpp", "CS001", [(v201.VERSION, MyHandler())],
                           password="...", ssl_context=client_ssl_context(ca))
    conn = await client.connect()                 # one attempt, raises on failure
    response = await conn.call(BootNotificationRequest(...))

or, for a station that must stay online, `client.start()` (connect, and reconnect with back-off
after every loss or failed attempt) and `await client.wait_connected()`.

- URL: `<url>/<identity>` (identity percent-encoded); the subprotocols of the given versions are
  offered in the order given, and the CSMS's choice selects version and handler.
- Security profiles: `password` sends HTTP Basic auth (user name = identity; profiles 1 and 2);
  `ssl_context` (see `security.client_ssl_context`) for TLS (profile 2) and, with a client
  certificate loaded, mutual TLS (profile 3).
- Reconnect (OCPP 2.0.1 Part 4 §8, `OCPPCommCtrlr.RetryBackOff*`): the first reconnection
  attempt waits RetryBackOffWaitMinimum plus a random 0..RetryBackOffRandomRange seconds; after
  every failed attempt the wait doubles, at most RetryBackOffRepeatTimes times, with a new
  random part each time. A successful connection starts over.
- `ping_interval`: WebSocket ping (`OCPPCommCtrlr.WebSocketPingInterval`; None or 0 disables).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.capture import FrameLog
from ocppgen.runtime.core import Connection
from ocppgen.runtime.dispatch import Handler
from ocppgen.runtime.endpoint import (
    DEFAULT_CALL_TIMEOUT,
    Disconnected,
    EventObserver,
    OcppConnection,
)
from ocppgen.runtime.endpoint import message_ids as _message_ids
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.security import SecurityProfile, basic_auth_header

__all__ = ["MAX_RETRY_AFTER", "BackOff", "ConnectionHook", "StationClient", "retry_after"]

logger = logging.getLogger("ocppgen.runtime")

ConnectionHook = Callable[[OcppConnection], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BackOff:
    """Reconnect back-off, in the terms of the OCPP 2.0.1 `OCPPCommCtrlr` variables."""

    wait_minimum: float = 3.0  # RetryBackOffWaitMinimum, seconds
    random_range: float = 10.0  # RetryBackOffRandomRange, seconds
    repeat_times: int = 5  # RetryBackOffRepeatTimes

    def __post_init__(self) -> None:
        if self.wait_minimum < 0 or self.random_range < 0 or self.repeat_times < 0:
            raise ValueError("back-off parameters must not be negative")

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before a reconnection attempt, after `failures` failed attempts
        since the connection was lost (0 for the first attempt)."""
        uniform = (rng or random).uniform
        base = self.wait_minimum * 2 ** min(failures, self.repeat_times)
        return float(base + uniform(0.0, self.random_range))

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The waits before attempts 1, 2, 3, ... while every attempt fails."""
        failures = 0
        while True:
            yield self.delay(failures, rng)
            failures += 1


class StationClient:
    """An OCPP-J Charging Station endpoint. See the module docstring."""

    def __init__(
        self,
        url: str,
        identity: str,
        versions: Sequence[tuple[VersionSpec, Handler | None]],
        *,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        backoff: BackOff | None = None,
        ping_interval: float | None = 60.0,
        ping_timeout: float | None = 30.0,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        open_timeout: float | None = 10.0,
        max_size: int | None = 2**16,
        compression: bool = False,
        on_connect: ConnectionHook | None = None,
        on_disconnect: ConnectionHook | None = None,
        observer: EventObserver | None = None,
        frame_log: FrameLog | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not versions:
            raise ValueError("a station speaks at least one OCPP version")
        self.identity = identity
        self.url = url.rstrip("/") + "/" + quote(identity, safe="")
        self._versions = {version.subprotocol: (version, handler) for version, handler in versions}
        self._password = password
        self._ssl = ssl_context
        self.backoff = backoff or BackOff()
        self.ping_interval = ping_interval or None
        self.ping_timeout = ping_timeout
        self.call_timeout = call_timeout
        self.open_timeout = open_timeout
        self.max_size = max_size
        self._compression = "deflate" if compression else None
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._observer = observer
        self._frame_log = frame_log
        self._rng = rng
        self._connection: OcppConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._stopping = False
        self.attempts = 0  # connection attempts made (for observation and tests)
        self.last_error: BaseException | None = None

    @property
    def security_profile(self) -> SecurityProfile:
        if self._ssl is None:
            return SecurityProfile.BASIC_AUTH if self._password else SecurityProfile.NONE
        if self._ssl.verify_mode == ssl.CERT_REQUIRED and self._password is None:
            return SecurityProfile.TLS_CLIENT_CERTIFICATE
        return SecurityProfile.TLS_BASIC_AUTH

    @property
    def connection(self) -> OcppConnection | None:
        """The live connection, if any."""
        conn = self._connection
        return conn if conn is not None and not conn.closed else None

    async def call(
        self, request: OcppModel, *, action: str | None = None, timeout: float | None = None
    ) -> OcppModel:
        """`call` on the live connection; `Disconnected` if there is none."""
        conn = self.connection
        if conn is None:
            raise Disconnected(f"{self.identity} is not connected")
        return await conn.call(request, action=action, timeout=timeout)

    async def send(self, request: OcppModel, *, action: str | None = None) -> None:
        """`send` (an OCPP 2.1 SEND, no answer) on the live connection; `Disconnected` if none."""
        conn = self.connection
        if conn is None:
            raise Disconnected(f"{self.identity} is not connected")
        await conn.send(request, action=action)

    # -- one attempt ------------------------------------------------------------------------------

    async def connect(self) -> OcppConnection:
        """Open one connection (no retry). Raises what `websockets.connect` raises: e.g.
        `websockets.InvalidStatus` for a refused handshake (401, 400, 403), `ssl.SSLError` or
        `OSError` for TLS and network failures, `TimeoutError`."""
        if self.connection is not None:
            raise RuntimeError(f"{self.identity} is already connected")
        self.attempts += 1
        headers = {}
        if self._password is not None:
            headers["Authorization"] = basic_auth_header(self.identity, self._password)
        websocket: ClientConnection = await connect(
            self.url,
            subprotocols=[Subprotocol(name) for name in self._versions],
            additional_headers=headers,
            ssl=self._ssl,
            compression=self._compression,
            max_size=self.max_size,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            open_timeout=self.open_timeout,
        )
        subprotocol = websocket.subprotocol
        if subprotocol not in self._versions:
            # OCPP-J: a CSMS that accepts none of the offered subprotocols answers without one;
            # the station must then close the connection.
            await websocket.close(1002, "No OCPP subprotocol agreed")
            raise ConnectionRefusedError(f"CSMS agreed no OCPP subprotocol (got {subprotocol!r})")
        version, handler = self._versions[subprotocol]
        conn = OcppConnection(
            websocket,
            Connection(
                version,
                Role.CHARGING_STATION,
                supported=None if handler else (),
                id_factory=_message_ids(),
            ),
            handler,
            identity=self.identity,
            call_timeout=self.call_timeout,
            extra={"security_profile": self.security_profile, "subprotocol": subprotocol},
            observer=self._observer,
            frame_log=self._frame_log,
        )
        self._connection = conn
        self._reader = asyncio.get_running_loop().create_task(self._read(conn))
        self._connected.set()
        return conn

    async def _read(self, conn: OcppConnection) -> None:
        try:
            await conn.run()
        finally:
            if self._connection is conn:
                self._connected.clear()
            if self._on_disconnect is not None:
                try:
                    await self._on_disconnect(conn)
                except Exception:
                    logger.exception("on_disconnect hook failed")

    # -- staying connected ----------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Connect now, and reconnect with back-off whenever the connection is lost or an
        attempt fails, until `close()`."""
        if self._runner is None or self._runner.done():
            self._stopping = False
            self._runner = asyncio.get_running_loop().create_task(self._run())
        return self._runner

    async def wait_connected(self, timeout: float | None = None) -> OcppConnection:
        async with asyncio.timeout(timeout):
            while True:
                await self._connected.wait()
                conn = self.connection
                if conn is not None:
                    return conn
                await asyncio.sleep(0)

    async def _run(self) -> None:
        # Failed attempts since the last connection; -1: the very first attempt goes out at once,
        # and every first reconnection (after a failed start or a lost connection) waits the
        # minimum, doubling from there (Part 4, reconnecting).
        failures = -1
        delay = 0.0
        while not self._stopping:
            if failures >= 0:
                await asyncio.sleep(delay)
            try:
                conn = await self.connect()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.last_error = error
                failures += 1
                delay = max(self.backoff.delay(failures, self._rng), retry_after(error))
                # A WARNING per attempt: an operator must see why a station stays offline.
                logger.warning(
                    "connect to %s failed: %s; retrying in %.1f s", self.url, _reason(error), delay
                )
                continue
            failures = 0
            if self._on_connect is not None:
                try:
                    await self._on_connect(conn)
                except Exception:
                    logger.exception("on_connect hook failed")
            reader = self._reader
            if reader is not None:
                await asyncio.shield(reader)
            delay = self.backoff.delay(0, self._rng)

    async def close(self) -> None:
        """Stop reconnecting and close the connection (1000)."""
        self._stopping = True
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        conn = self._connection
        if conn is not None:
            await conn.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def __aenter__(self) -> StationClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


MAX_RETRY_AFTER = 3600.0
"""Seconds: the longest `Retry-After` a CSMS can make the station wait."""


def retry_after(error: BaseException) -> float:
    """The seconds a CSMS's refusal asks the station to wait (`Retry-After` on a 429 or 503,
    as a CSMS busy with a reconnect storm answers; RFC 9110 §10.2.3), or 0. Only the
    delay-seconds form: a CSMS has no reason to send an HTTP-date, and a station's clock may be
    off."""
    if not isinstance(error, InvalidStatus) or error.response.status_code not in (429, 503):
        return 0.0
    value = error.response.headers.get("Retry-After", "").strip()
    return min(float(value), MAX_RETRY_AFTER) if value.isdigit() else 0.0


def _reason(error: BaseException) -> str:
    """A failed attempt in one line (TimeoutError and some others have no message)."""
    return " ".join(str(error).split()) or type(error).__name__
