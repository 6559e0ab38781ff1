"""The CSMS: a `websockets` server that speaks OCPP-J to many Charging Stations.

    server = CsmsServer([(v201.VERSION, MyCsmsHandler()), (v16.VERSION, My16Handler())])
    await server.start("0.0.0.0", 9000)
    ...
    response = await server.stations["CS001"].call(GetVariablesRequest(...))
    await server.close()

- The station identity is the last segment of the URL path, percent-decoded (OCPP-J 1.6 §3.1.1,
  OCPP 2.0.1 Part 4 §3.1.1: the station appends it to its CSMS endpoint URL). The endpoint is
  any path under `path_prefix`, at any depth (`/ocpp/CS1`, `/ocpp/site-7/CS1`; the full path is
  in `conn.extra["path"]`); a path outside the prefix or without a valid identity gets HTTP 404.
  See `station_identity`.
- Several OCPP versions on one endpoint: each `(VersionSpec, Handler)` pair offers the version's
  subprotocol; the first pair (in the order given) that the station also offers wins. A station
  offering no subprotocol we serve is refused at the handshake (HTTP 400).
- Security profiles: 1 and 2 require HTTP Basic auth (user name = identity, password checked by
  an async hook) and refuse with 401; 2 and 3 require TLS; 3 requires a client certificate
  (checked by TLS against the CA in the `ssl` context) whose subject CN equals the identity in
  the URL, that is an end-entity certificate and, if it has an extended key usage, one that
  includes clientAuth, else 403. The profile is declared and the server checks its
  configuration fits.
- Basic auth (profiles 1, 2): a handshake with several Authorization headers gets 400. Failed
  password checks are limited per identity and per source address (`auth_limits`, see
  `AuthLimits`; None: no limits): past the limit, 429 with Retry-After without checking the
  password, and a WARNING line naming identity and address when a limit starts. Checks run a
  few at a time with a bounded queue (503 with Retry-After past it); a station connecting from
  an address it got in from before skips that queue and its identity's lockout, in a lane of
  its own bounded alike. Each 503's Retry-After is a distinct later turn (the checks ahead of
  it, at the mean check time measured), so a storm of refused stations that honour it comes
  back spread out instead of all at once. To make reconnects cheap, put `CachedBasicAuth`
  (runtime.security) in front of a slow password hash.
  `accept_identity` is asked only after the password is accepted, so unknown identities get
  the same 401 as wrong passwords (the `authenticate` hook should take as long for them, e.g.
  check against a dummy hash, as the reference CSMS does).
- `open_timeout`: seconds a handshake may take from TCP accept, password check included
  (websockets' default, 10 s); the queues above are bounded so that a check waits much less.
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
import math
import random
import re
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.capture import FrameLog
from ocppgen.runtime.core import Connection
from ocppgen.runtime.dispatch import Handler
from ocppgen.runtime.endpoint import DEFAULT_CALL_TIMEOUT, EventObserver, OcppConnection
from ocppgen.runtime.endpoint import message_ids as _message_ids
from ocppgen.runtime.security import (
    AuthLimits,
    BasicAuthCheck,
    FailureLimiter,
    SecurityProfile,
    address_key,
    address_text,
    certificate_identity,
    client_certificate_problem,
    parse_basic_auth,
)

__all__ = [
    "DEFAULT_AUTH_LIMITS",
    "DEFAULT_BACKLOG",
    "MAX_IDENTITY_LENGTH",
    "ConnectionHook",
    "CsmsServer",
    "IdentityCheck",
    "station_identity",
]

logger = logging.getLogger("ocppgen.runtime")

MAX_IDENTITY_LENGTH = 48
"""OCPP 2.0.1 Part 4 §3.1.1: the Charging Station identity is at most 48 characters."""

DEFAULT_BACKLOG = 4096
"""Connections the kernel may hold for accept (capped by net.core.somaxconn). asyncio's default
of 100 overflows when a fleet reconnects at once: the kernel then drops handshakes, and the
stations' TCP retransmits (1, 2, 4, 8 ... s) stretch a storm by tens of seconds."""

_FIRST_CHECK_ESTIMATE = 0.05
"""Seconds one password check is assumed to take until one was measured (a scrypt: ~40 ms)."""
_CHECK_MEAN_WEIGHT = 0.1
"""Weight of the latest check in the moving mean of check times."""

DEFAULT_AUTH_LIMITS = AuthLimits()
"""Limits on failed Basic auth unless `auth_limits` says otherwise (see `AuthLimits`)."""

ConnectionHook = Callable[[OcppConnection], Awaitable[None]]
IdentityCheck = Callable[[str], Awaitable[bool]]
"""`accept_identity`: may this station identity connect at all? Asked at the handshake, before
any authentication under security profiles 0 and 3 (False refuses with HTTP 404), after the
password under profiles 1 and 2 (False refuses with 401, like a wrong password)."""


_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")  # a '%' not followed by two hex digits


def station_identity(path: str, prefix: str = "/") -> str | None:
    """The station identity in a request path, or None if the path does not name one.

    OCPP-J (OCPP 2.0.1 Part 4 §3.1.1, OCPP-J 1.6 §3.1.1): the station connects to its CSMS
    endpoint URL with its identity appended as one more path segment, percent-encoded as RFC
    3986 requires. So the identity is the last segment, and what comes before it is the
    endpoint: any path under `prefix` (which ends with '/'), at any depth (`/ocpp/CS1`,
    `/ocpp/tenant-a/CS1`); a path outside `prefix` is not ours. The query is ignored.

    The identity is valid percent-encoding of UTF-8, non-empty, at most 48 characters, has no
    '/' and no control characters; '.' and '..' segments (on either side) are refused.
    """
    path = path.partition("?")[0]
    if not path.startswith(prefix):
        return None
    *endpoint, raw = path[len(prefix) :].split("/")
    if any(segment in ("", ".", "..") for segment in endpoint):
        return None
    if _PERCENT_ESCAPE.search(raw):
        return None
    try:
        identity = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    if not 0 < len(identity) <= MAX_IDENTITY_LENGTH or identity in (".", ".."):
        return None
    if "/" in identity or not identity.isprintable():
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
        auth_limits: AuthLimits | None = DEFAULT_AUTH_LIMITS,
        path_prefix: str = "/",
        open_timeout: float | None = 10.0,
        max_size: int | None = 2**16,
        ping_interval: float | None = 60.0,
        ping_timeout: float | None = 30.0,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        compression: bool = False,
        on_connect: ConnectionHook | None = None,
        on_disconnect: ConnectionHook | None = None,
        observer: EventObserver | None = None,
        frame_log: FrameLog | None = None,
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
        self._identity_failures, self._address_failures = _failure_limiters(auth_limits)
        checks = auth_limits.concurrent_checks if auth_limits is not None else 2**16
        self._auth_slots = asyncio.Semaphore(checks)
        self._known_slots = asyncio.Semaphore(checks)  # for stations that got in before
        self._auth_capacity = checks + (auth_limits.queued_checks if auth_limits else 2**16)
        self._auth_pending = 0  # password checks running or waiting for a slot
        self._known_pending = 0  # the same in the known-address lane
        self._auth_slot_count = checks
        # Moving mean of one password check per lane (known: True); the known lane's are
        # mostly cache hits, which would make turns in the other lane far too short.
        self._check_seconds = {False: _FIRST_CHECK_ESTIMATE, True: _FIRST_CHECK_ESTIMATE}
        self._next_turn = {False: 0.0, True: 0.0}  # the latest turn handed out, per lane
        self._auth_busy_logged = False
        self._known_pairs: dict[tuple[str, str], None] = {}  # (identity, address) that got in
        self._max_known_pairs = auth_limits.max_tracked if auth_limits is not None else 0
        self._prefix = path_prefix if path_prefix.endswith("/") else path_prefix + "/"
        self.open_timeout = open_timeout
        self.max_size = max_size
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.call_timeout = call_timeout
        self._compression = "deflate" if compression else None
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._observer = observer
        self._frame_log = frame_log
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
        to `loop.create_server` (e.g. `reuse_port`; `backlog` defaults to `DEFAULT_BACKLOG`)."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        kwargs.setdefault("backlog", DEFAULT_BACKLOG)
        self._server = await serve(
            self._serve_connection,
            host,
            port,
            subprotocols=[Subprotocol(name) for name in self._versions],
            process_request=self._process_request,
            compression=self._compression,
            ssl=self._ssl,
            open_timeout=self.open_timeout,
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
        if self._uses_passwords:
            # accept_identity is asked only after the password: a 404 (or a quick 401) for
            # unknown identities would tell who is registered.
            return await self._check_basic_auth(connection, request, identity)
        if self._accept_identity is not None and not await self._accepts(identity):
            logger.warning("refused %s: identity not accepted", identity)
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Unknown Charging Station\n")
        if self.security_profile is SecurityProfile.TLS_CLIENT_CERTIFICATE:
            return self._check_certificate(connection, identity)
        return None

    @property
    def _uses_passwords(self) -> bool:
        return self.security_profile in (SecurityProfile.BASIC_AUTH, SecurityProfile.TLS_BASIC_AUTH)

    def _check_certificate(self, connection: ServerConnection, identity: str) -> Response | None:
        ssl_object = connection.transport.get_extra_info("ssl_object")
        peer = ssl_object.getpeercert() if ssl_object is not None else None
        if certificate_identity(peer) != identity:
            logger.warning("refused %s: client certificate identity mismatch", identity)
            return connection.respond(
                http.HTTPStatus.FORBIDDEN, "Certificate does not match the identity\n"
            )
        problem = client_certificate_problem(ssl_object.getpeercert(binary_form=True))
        if problem is not None:
            logger.warning(
                "refused %s from %s: client certificate not a station certificate: %s",
                identity,
                _address_text(connection.remote_address),
                problem,
            )
            return connection.respond(
                http.HTTPStatus.FORBIDDEN, "Not a Charging Station certificate\n"
            )
        return None

    async def _check_basic_auth(
        self, connection: ServerConnection, request: Request, identity: str
    ) -> Response | None:
        address = _address_text(connection.remote_address)
        headers = request.headers.get_all("Authorization")
        if len(headers) > 1:
            logger.warning(
                "refused %s from %s: %d Authorization headers", identity, address, len(headers)
            )
            return connection.respond(http.HTTPStatus.BAD_REQUEST, "One Authorization header\n")
        credentials = parse_basic_auth(headers[0]) if headers else None
        if credentials is None or credentials[0] != identity:
            logger.warning("refused %s from %s: no Basic credentials for it", identity, address)
            return _unauthorized(connection)
        known = (identity, address_key(connection.remote_address)) in self._known_pairs
        accepted = await self._limited_check(connection, identity, credentials[1], known)
        if isinstance(accepted, Response):
            return accepted
        if accepted and self._accept_identity is not None:
            accepted = await self._accepts(identity)
        if not accepted:
            logger.warning("refused %s from %s: Basic authentication failed", identity, address)
            self._log_locks(identity, connection.remote_address)
            return _unauthorized(connection)
        self._count_success(identity, connection.remote_address, known)
        return None

    async def _limited_check(
        self, connection: ServerConnection, identity: str, password: str, known: bool
    ) -> Response | bool:
        """Whether the password is right, or the refusal when it may not be checked now.

        An identity that got in from this address before is checked in a lane of its own: no
        wait behind a flood from elsewhere, and no lockout by failures from elsewhere (those
        would let anyone who knows an identity keep its station out). Its address's bucket
        still bounds the guesses made from there.
        """
        locked = self._refuse_if_locked(connection, identity, known)
        if locked is not None:
            return locked
        if known:
            return await self._known_lane_check(connection, identity, password)
        if self._auth_pending >= self._auth_capacity:
            return self._busy(connection, identity, self._auth_pending, known=False)
        self._count_attempt(identity, connection.remote_address, known)  # back on success
        self._auth_pending += 1
        try:
            async with self._auth_slots:
                return await self._timed_check(identity, password, known=False)
        finally:
            self._auth_pending -= 1
            if self._auth_pending == 0:
                self._auth_busy_logged = False  # the next overload is logged again

    async def _known_lane_check(
        self, connection: ServerConnection, identity: str, password: str
    ) -> Response | bool:
        # Bounded like the other lane: after a network blip every station is known, and an
        # unbounded wait here would hold handshakes until open_timeout aborts them.
        if self._known_pending >= self._auth_capacity:
            return self._busy(connection, identity, self._known_pending, known=True)
        self._count_attempt(identity, connection.remote_address, True)
        self._known_pending += 1
        try:
            async with self._known_slots:
                return await self._timed_check(identity, password, known=True)
        finally:
            self._known_pending -= 1

    async def _timed_check(self, identity: str, password: str, *, known: bool) -> bool:
        """The password check, feeding the mean check time that Retry-After is computed from."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            return await self._password_accepted(identity, password)
        finally:
            took = loop.time() - started
            mean = self._check_seconds[known]
            self._check_seconds[known] = mean + _CHECK_MEAN_WEIGHT * (took - mean)

    def _refuse_if_locked(
        self, connection: ServerConnection, identity: str, known: bool
    ) -> Response | None:
        wait = self._locked_for(identity, address_key(connection.remote_address), known)
        if wait <= 0:
            return None
        address = _address_text(connection.remote_address)
        logger.debug("refused %s from %s: locked for %.0f s", identity, address, wait)
        response = connection.respond(
            http.HTTPStatus.TOO_MANY_REQUESTS, "Too many failed attempts\n"
        )
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response

    def _busy(
        self, connection: ServerConnection, identity: str, pending: int, *, known: bool
    ) -> Response:
        # Past this many, a waiting handshake would time out anyway; tell it to come back.
        if not self._auth_busy_logged:
            self._auth_busy_logged = True
            logger.warning(
                "Basic auth: %d password checks running or waiting; refusing more (503), "
                "first %s from %s",
                pending,
                identity,
                _address_text(connection.remote_address),
            )
        response = connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "Busy\n")
        response.headers["Retry-After"] = str(self._retry_after(pending, known=known))
        return response

    def _retry_after(self, pending: int, *, known: bool) -> int:
        """Whole seconds until a turn of its own for a refused handshake: after the checks now
        pending and after every turn already handed out, one check time per slot apart (with
        a little jitter), so refused stations that honour it return spread over the time the
        checks need rather than together."""
        now = asyncio.get_running_loop().time()
        per_turn = self._check_seconds[known] / self._auth_slot_count
        drained = now + pending * per_turn
        turn = max(self._next_turn[known], drained) + per_turn * random.uniform(0.5, 1.5)
        self._next_turn[known] = turn
        return max(1, math.ceil(turn - now))

    async def _password_accepted(self, identity: str, password: str) -> bool:
        assert self._authenticate is not None
        try:
            return await self._authenticate(identity, password)
        except Exception:
            logger.exception("authentication hook failed for %s", identity)
            return False

    def _locked_for(self, identity: str, address: str, known: bool) -> float:
        if self._identity_failures is None or self._address_failures is None:
            return 0.0
        by_address = self._address_failures.retry_after(address)
        return (
            by_address if known else max(by_address, self._identity_failures.retry_after(identity))
        )

    def _count_success(self, identity: str, remote_address: Any, known: bool) -> None:
        if self._identity_failures is None or self._address_failures is None:
            return
        pair = (identity, address_key(remote_address))
        self._known_pairs.pop(pair, None)  # re-insert: the oldest success is forgotten first
        self._known_pairs[pair] = None
        if len(self._known_pairs) > self._max_known_pairs:
            del self._known_pairs[next(iter(self._known_pairs))]
        # Only this attempt's token comes back: a success must not wipe failures from
        # elsewhere, or each reconnect of the station would buy a guesser a new burst.
        if not known:  # the known lane takes no identity token
            self._identity_failures.refund(identity)
        self._address_failures.refund(address_key(remote_address))

    def _count_attempt(self, identity: str, remote_address: Any, known: bool) -> None:
        if self._identity_failures is None or self._address_failures is None:
            return
        if not known:
            self._identity_failures.failed(identity)
        self._address_failures.failed(address_key(remote_address))

    def _log_locks(self, identity: str, remote_address: Any) -> None:
        """After a failed check: say which limit it used up (locked ones are not checked, so
        this logs once per lock, bar checks that were already running)."""
        if self._identity_failures is None or self._address_failures is None:
            return
        for kind, key, limiter in (
            ("identity", identity, self._identity_failures),
            ("address", address_key(remote_address), self._address_failures),
        ):
            if limiter.retry_after(key) > 0:
                logger.warning(
                    "Basic auth failures: %s %s locked (identity %s, address %s): %d password "
                    "checks without success; one more allowed every %.0f s",
                    kind,
                    key,
                    identity,
                    _address_text(remote_address),
                    limiter.burst,
                    limiter.refill,
                )

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
            frame_log=self._frame_log,
        )
        _forget_handshake(websocket, request)
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


def _failure_limiters(
    limits: AuthLimits | None,
) -> tuple[FailureLimiter | None, FailureLimiter | None]:
    if limits is None:
        return None, None
    return (
        FailureLimiter(
            limits.identity_burst, limits.identity_refill, max_tracked=limits.max_tracked
        ),
        FailureLimiter(limits.address_burst, limits.address_refill, max_tracked=limits.max_tracked),
    )


def _connection_extra(websocket: ServerConnection, profile: SecurityProfile) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "remote_address": websocket.remote_address,
        "path": websocket.request.path if websocket.request is not None else None,
        "security_profile": profile,
        "subprotocol": websocket.subprotocol,
    }
    if profile is SecurityProfile.TLS_CLIENT_CERTIFICATE:
        ssl_object = websocket.transport.get_extra_info("ssl_object")
        peer = ssl_object.getpeercert() if ssl_object is not None else None
        extra["certificate_identity"] = certificate_identity(peer)
    return extra


def _forget_handshake(websocket: ServerConnection, request: Request) -> None:
    """Drop the opening handshake's headers once the connection is open: about 3 KiB per idle
    connection, and the request's hold the station's Basic-auth password, which then stays in
    memory only as long as the check needs it. Cleared in place: websockets' parser keeps the
    request object itself for the connection's life; its path stays."""
    request.headers.clear()
    websocket.response = None


def _unauthorized(connection: ServerConnection) -> Response:
    response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
    response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
    return response


def _address_text(remote_address: Any) -> str:
    return address_text(remote_address) or str(remote_address)
