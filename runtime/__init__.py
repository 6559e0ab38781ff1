"""The OCPP-J runtime: the public API vendors build on.

- messages: `OcppModel` (base of every generated class) and the field types in `model`;
- a version's actions: `VersionSpec`, `ActionSpec`, `Role` (generated packages provide `VERSION`);
- the sans-IO core: `Connection` (text in -> events out, commands in -> text out) and its events;
- errors: `OcppError` (raise it from a handler to answer with a CALLERROR), `RemoteCallError`,
  `InvalidResultError`, `CallTimeout`, `Disconnected`, `ErrorCode`;
- dispatch: `Handler` (what the generated `CsmsHandlers` / `ChargingStationHandlers` implement),
  `CallContext`;
- asyncio endpoints on `websockets`: `CsmsServer`, `StationClient` (with `BackOff`), and the
  `OcppConnection` both hand out (`await conn.call(request)` returns the typed response);
- security profiles: `SecurityProfile`, `server_ssl_context`, `client_ssl_context`,
  `basic_auth_header`.

Everything is importable from here or from its module; the modules' own `__all__` lists are the
same API in finer grain. The endpoints and security helpers (asyncio, ssl, websockets) are loaded
when first used, so importing the models does not load the networking layer.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ocppgen.runtime.actions import ActionSpec, MessageType, Role, VersionSpec
from ocppgen.runtime.core import (
    CallReceived,
    Connection,
    ErrorReceived,
    Event,
    InvalidResponse,
    InvalidResult,
    ProtocolFault,
    ResultErrorReceived,
    ResultReceived,
    SendReceived,
)
from ocppgen.runtime.dispatch import CallContext, Handler
from ocppgen.runtime.errors import (
    CallTimeout,
    ErrorCode,
    InvalidResultError,
    OcppError,
    RemoteCallError,
)
from ocppgen.runtime.model import OcppModel

if TYPE_CHECKING:  # imported on first use (below): mypy and editors see them as usual
    from ocppgen.runtime.client import BackOff, StationClient
    from ocppgen.runtime.endpoint import Disconnected, OcppConnection
    from ocppgen.runtime.security import (
        SecurityProfile,
        basic_auth_header,
        client_ssl_context,
        server_ssl_context,
    )
    from ocppgen.runtime.server import CsmsServer

# The asyncio endpoints and the TLS helpers load asyncio, ssl and websockets (about 70 ms on a
# 2-core machine): a user who only wants the models (`import ocppgen.generated.v201`) does not
# pay for them. Name -> module, loaded by `__getattr__` (PEP 562) when the name is first used.
_LAZY: dict[str, str] = {
    "BackOff": "client",
    "StationClient": "client",
    "Disconnected": "endpoint",
    "OcppConnection": "endpoint",
    "SecurityProfile": "security",
    "basic_auth_header": "security",
    "client_ssl_context": "security",
    "server_ssl_context": "security",
    "CsmsServer": "server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ActionSpec",
    "BackOff",
    "CallContext",
    "CallReceived",
    "CallTimeout",
    "Connection",
    "CsmsServer",
    "Disconnected",
    "ErrorCode",
    "ErrorReceived",
    "Event",
    "Handler",
    "InvalidResponse",
    "InvalidResult",
    "InvalidResultError",
    "MessageType",
    "OcppConnection",
    "OcppError",
    "OcppModel",
    "ProtocolFault",
    "RemoteCallError",
    "ResultErrorReceived",
    "ResultReceived",
    "Role",
    "SecurityProfile",
    "SendReceived",
    "StationClient",
    "VersionSpec",
    "basic_auth_header",
    "client_ssl_context",
    "server_ssl_context",
]
