"""The tester dialling a CSMS as one Charging Station identity, and a connect failure in
words a user can act on (shared by the main run and B02/B03's own connections)."""

from __future__ import annotations

import base64
import ssl

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidMessage, InvalidStatus
from websockets.typing import Subprotocol

from ocppgen.runtime.actions import VersionSpec

__all__ = ["connect_error", "dial"]


async def dial(
    url: str,
    identity: str,
    version: VersionSpec,
    *,
    password: str | None,
    ssl_context: ssl.SSLContext | None,
    timeout: float,
) -> ClientConnection:
    """Open the WebSocket to `url`/`identity` (Basic auth when `password` is given); raises
    what `connect` raises (see `connect_error`)."""
    headers = {}
    if password is not None:
        token = base64.b64encode(f"{identity}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return await connect(
        url.rstrip("/") + "/" + identity,
        subprotocols=[Subprotocol(version.subprotocol)],
        additional_headers=headers,
        ssl=ssl_context,
        open_timeout=timeout,
        ping_interval=None,
        max_size=None,
    )


def connect_error(exc: BaseException) -> str:
    """What went wrong when dialling the CSMS, in words a user can act on."""
    cause = _tls_cause(exc)  # TLS 1.3: a refused client certificate surfaces after the handshake
    if cause is not None and cause is not exc:
        return connect_error(cause)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"TLS: the CSMS's certificate was not accepted ({exc.verify_message}); "
            "--ca must name the CA that signed it"
        )
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS handshake failed ({exc.reason or exc}); if the CSMS requires a client "
            "certificate (security profile 3), give --cert and --key"
        )
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        hint = _HTTP_HINTS.get(status, "")
        return f"the CSMS refused the WebSocket handshake with HTTP {status}{hint}"
    if isinstance(exc, InvalidMessage):
        return (
            f"the CSMS closed the connection during the WebSocket handshake ({exc}); over "
            "wss:// this is how a CSMS refuses a missing or untrusted client certificate "
            "(security profile 3): check --cert and --key"
        )
    if isinstance(exc, TimeoutError):
        return "no WebSocket handshake within the timeout (--timeout)"
    if isinstance(exc, OSError):
        return f"cannot connect: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _tls_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None or isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


_HTTP_HINTS = {
    400: " (a malformed handshake, e.g. a duplicate Authorization header)",
    401: " (Basic auth: check --id and --password; under profiles 1-2 an unregistered --id gets "
    "401 too)",
    403: " (the client certificate's CN must be the station identity --id)",
    404: " (unknown station identity or path: register --id at the CSMS, check --url)",
    429: " (too many failed passwords for this --id or address: wait for Retry-After)",
    503: " (the CSMS is busy or shutting down: retry later)",
}
