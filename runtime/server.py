"""The CSMS: a `websockets` server that speaks OCPP-J to many Charging Stations.

    server = CsmsServer([(v201.VERSION, MyCsmsHandler()), (v16.VERSION, My16Handler())])
    await server.start("0.0.0.0", 9000)
    ...
    response = await server.stations["CS001"].call(GetVariablesRequest(...))
    await server.close()

- The station identity is the last segment of the URL path (`ws://host/<prefix>/<identity>`,
  percent-decoded); OCPP-J 1.6 §3.1.1, OCPP 2.0.1 Part 4 §3.1.1.
- Several OCPP versions on one endpoint: each `(VersionSpec, Handler)` pair offers the version's
  subprotocol; the first pair (in the order given) that the station also offers wins. A station
  offering no subprotocol we serve is refused at the handshake (HTTP 400).
- Security profiles: 1 and 2 require HTTP Basic auth (user name = identity, password checked by
  an async hook) and refuse with 401; 2 and 3 require TLS; 3 requires a client certificate
  (checked by TLS against the CA in the `ssl` context) whose subject CN equals the identity in
  the URL, else 403. The profile is declared and the server checks its configuration fits.
- `max_size`: a larger message closes that connection with 1009 (message too big); nothing else
  is affected. `ping_interval`/`ping_timeout`: WebSocket keep-alive. `call_timeout`: how long
  CSMS-initiated calls wait for an answer.
- `stations` maps identity -> `OcppConnection` of every connected station; a station that
  connects again replaces (and closes) its previous connection.
- `close(grace)`: stop accepting, let handlers of CALLs already received finish (up to `grace`
  seconds), then close every connection with 1001 (going away).
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.core import Connection
from ocppgen.runtime.dispatch import Handler
from ocppgen.runtime.endpoint import DEFAULT_CALL_TIMEOUT, EventObserver, OcppConnection
from ocppgen.runtime.endpoint import message_ids as _message_ids
from ocppgen.runtime.security import (
    BasicAuthCheck,
    SecurityProfile,
    certificate_identity,
    parse_basic_auth,
)

__all__ = [
    "MAX_IDENTITY_LENGTH",
    "ConnectionHook",
    "CsmsServer",
    "IdentityCheck",
    "station_identity",
]

logger = logging.getLogger("ocppgen.runtime")

MAX_IDENTITY_LENGTH = 48
"""OCPP 2.0.1 Part 4 §3.1.1: the Charging Station identity is at most 48 characters."""

ConnectionHook = Callable[[OcppConnection], Awaitable[None]]
IdentityCheck = Callable[[str], Awaitable[bool]]
"""`accept_identity`: may this station identity connect at all? Asked at the handshake, before
any authentication and under every security profile; False refuses with HTTP 404."""


def station_identity(path: str, prefix: str = "/") -> str | None:
    """The station identity in a request path (`<prefix><identity>`), or None if there is none.

    The identity is percent-decoded, non-empty, at most 48 characters, and contains no '/'.
    """
    path = urlsplit(path).path
    if not path.startswith(prefix):
        return None
    raw = path[len(prefix) :]
    if not raw or "/" in raw:
        return None
    identity = unquote(raw)
    if not identity or len(identity) > MAX_IDENTITY_LENGTH or "/" in identity:
        return None
    return identity


class CsmsServer:
    """An OCPP-J CSMS endpoint. See the module docstring."""

    def __init__(
        self,
        versions: Sequence[tuple[VersionSpec, Handler]],
        *,
        security_profile: SecurityProfile | int = SecurityProfile.NONE,
        ssl_context: ssl.SSLContext | None = None,
        authenticate: BasicAuthCheck | None = None,
        accept_identity: IdentityCheck | None = None,
        path_prefix: str = "/",
        max_size: int | None = 2**16,
        ping_interval: float | None = 60.0,
        ping_timeout: float | None = 30.0,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        compression: bool = False,
        on_connect: ConnectionHook | None = None,
        on_disconnect: ConnectionHook | None = None,
        observer: EventObserver | None = None,
    ) -> None:
        if not versions:
            raise ValueError("a CSMS serves at least one OCPP version")
        self._versions: dict[str, tuple[VersionSpec, Handler]] = {}
        for version, handler in versions:
            if version.subprotocol in self._versions:
                raise ValueError(f"subprotocol {version.subprotocol} given twice")
            self._versions[version.subprotocol] = (version, handler)
        self.security_profile = SecurityProfile(security_profile)
        _check_profile(self.security_profile, ssl_context, authenticate)
        self._ssl = ssl_context
        self._authenticate = authenticate
        self._accept_identity = accept_identity
        self._prefix = path_prefix if path_prefix.endswith("/") else path_prefix + "/"
        self.max_size = max_size
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.call_timeout = call_timeout
        self._compression = "deflate" if compression else None
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._observer = observer
        self._stations: dict[str, OcppConnection] = {}
        self._arrivals: dict[str, list[asyncio.Future[OcppConnection]]] = {}  # wait_for_station
        self._server: Server | None = None
        self._hooks: set[asyncio.Task[None]] = set()
        self._closing = False

    # -- the registry ---------------------------------------------------------------------------

    @property
    def stations(self) -> Mapping[str, OcppConnection]:
        """Connected stations by identity (a read-only view)."""
        return self._stations

    async def wait_for_station(self, identity: str, timeout: float = 10.0) -> OcppConnection:
        """The connection of `identity` once it is connected (TimeoutError after `timeout`)."""
        conn = self._stations.get(identity)
        if conn is not None and not conn.closed:
            return conn
        arrival: asyncio.Future[OcppConnection] = asyncio.get_running_loop().create_future()
        waiters = self._arrivals.setdefault(identity, [])
        waiters.append(arrival)
        try:
            async with asyncio.timeout(timeout):
                return await arrival
        finally:
            waiters.remove(arrival)
            if not waiters and self._arrivals.get(identity) is waiters:
                del self._arrivals[identity]

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(next(iter(self._server.sockets)).getsockname()[1])

    def url(self, identity: str = "", host: str = "127.0.0.1") -> str:
        scheme = "wss" if self._ssl is not None else "ws"
        return f"{scheme}://{host}:{self.port}{self._prefix}{identity}"

    async def start(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        """Listen on host:port (port 0: any free port, see `port`). Extra keyword arguments go
        to `loop.create_server` (e.g. `backlog`, `reuse_port`)."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        self._server = await serve(
            self._serve_connection,
            host,
            port,
            subprotocols=[Subprotocol(name) for name in self._versions],
            process_request=self._process_request,
            compression=self._compression,
            ssl=self._ssl,
            max_size=self.max_size,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            **kwargs,
        )

    async def close(self, grace: float = 5.0) -> None:
        """Graceful shutdown: stop accepting connections, give handlers of CALLs already
        received up to `grace` seconds to answer, then close all connections (1001)."""
        if self._server is None or self._closing:
            return
        self._closing = True
        self._server.close(close_connections=False)
        connections = list(self._stations.values())
        if connections:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace):
                    await asyncio.gather(*(conn.drain() for conn in connections))
        await asyncio.gather(
            *(
                conn.close(CloseCode.GOING_AWAY, "CSMS shutting down")
                for conn in list(self._stations.values())
            ),
            return_exceptions=True,
        )
        for websocket in list(self._server.connections):
            await websocket.close(CloseCode.GOING_AWAY, "CSMS shutting down")
        await self._server.wait_closed()
        for task in list(self._hooks):
            task.cancel()

    async def __aenter__(self) -> CsmsServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- the handshake --------------------------------------------------------------------------

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        if self._closing:
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "Shutting down\n")
        identity = station_identity(request.path, self._prefix)
        if identity is None:
            return connection.respond(http.HTTPStatus.NOT_FOUND, "No station identity in URL\n")
        if self._accept_identity is not None and not await self._accepts(identity):
            logger.warning("refused %s: identity not accepted", identity)
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Unknown Charging Station\n")
        profile = self.security_profile
        if profile is SecurityProfile.TLS_CLIENT_CERTIFICATE:
            ssl_object = connection.transport.get_extra_info("ssl_object")
            peer = ssl_object.getpeercert() if ssl_object is not None else None
            if certificate_identity(peer) != identity:
                logger.warning("refused %s: client certificate identity mismatch", identity)
                return connection.respond(
                    http.HTTPStatus.FORBIDDEN, "Certificate does not match the identity\n"
                )
        elif profile in (SecurityProfile.BASIC_AUTH, SecurityProfile.TLS_BASIC_AUTH):
            assert self._authenticate is not None
            credentials = parse_basic_auth(request.headers.get("Authorization", ""))
            accepted = False
            if credentials is not None and credentials[0] == identity:
                try:
                    accepted = await self._authenticate(identity, credentials[1])
                except Exception:
                    logger.exception("authentication hook failed for %s", identity)
            if not accepted:
                logger.warning("refused %s: Basic authentication failed", identity)
                response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
                response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
                return response
        return None

    async def _accepts(self, identity: str) -> bool:
        assert self._accept_identity is not None
        try:
            return await self._accept_identity(identity)
        except Exception:
            logger.exception("identity hook failed for %s", identity)
            return False

    # -- a connection ---------------------------------------------------------------------------

    async def _serve_connection(self, websocket: ServerConnection) -> None:
        request = websocket.request
        assert request is not None and websocket.subprotocol is not None
        identity = station_identity(request.path, self._prefix)
        assert identity is not None  # checked in _process_request
        version, handler = self._versions[websocket.subprotocol]
        conn = OcppConnection(
            websocket,
            Connection(version, Role.CSMS, id_factory=_message_ids()),
            handler,
            identity=identity,
            call_timeout=self.call_timeout,
            extra=_connection_extra(websocket, self.security_profile),
            observer=self._observer,
        )
        previous = self._stations.get(identity)
        self._stations[identity] = conn
        for arrival in self._arrivals.get(identity, ()):
            if not arrival.done():
                arrival.set_result(conn)
        if previous is not None:
            self._spawn(previous.close(CloseCode.POLICY_VIOLATION, "Replaced by a new connection"))
        if self._on_connect is not None:
            self._spawn(self._on_connect(conn))
        try:
            await conn.run()
        finally:
            if self._stations.get(identity) is conn:
                del self._stations[identity]
            if self._on_disconnect is not None:
                self._spawn(self._on_disconnect(conn))

    def _spawn(self, awaitable: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await awaitable
            except Exception:
                logger.exception("connection hook failed")

        task = asyncio.get_running_loop().create_task(run())
        self._hooks.add(task)
        task.add_done_callback(self._hooks.discard)


def _check_profile(
    profile: SecurityProfile,
    ssl_context: ssl.SSLContext | None,
    authenticate: BasicAuthCheck | None,
) -> None:
    basic = profile in (SecurityProfile.BASIC_AUTH, SecurityProfile.TLS_BASIC_AUTH)
    if basic and authenticate is None:
        raise ValueError(f"security profile {int(profile)} needs an `authenticate` hook")
    if profile >= SecurityProfile.TLS_BASIC_AUTH and ssl_context is None:
        raise ValueError(f"security profile {int(profile)} needs an `ssl_context`")
    if profile is SecurityProfile.TLS_CLIENT_CERTIFICATE:
        assert ssl_context is not None
        if ssl_context.verify_mode != ssl.CERT_REQUIRED:
            raise ValueError("security profile 3 needs an ssl_context that requires client certs")


def _connection_extra(websocket: ServerConnection, profile: SecurityProfile) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "remote_address": websocket.remote_address,
        "security_profile": profile,
        "subprotocol": websocket.subprotocol,
    }
    if profile is SecurityProfile.TLS_CLIENT_CERTIFICATE:
        ssl_object = websocket.transport.get_extra_info("ssl_object")
        peer = ssl_object.getpeercert() if ssl_object is not None else None
        extra["certificate_identity"] = certificate_identity(peer)
    return extra
