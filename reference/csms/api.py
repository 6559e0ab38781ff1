"""The operator HTTP JSON API of the reference CSMS (aiohttp), described at `/openapi.json`.

Every `/api/...` route needs the operator's HTTP Basic credentials. Errors are JSON
`{"error": "<what went wrong>"}` with a 4xx status for a bad request (400 malformed, 401
credentials, 404 unknown station/token/transaction/route, 405 method, 409 state conflict such as
a station that is not connected or dropped the connection before answering) and 5xx when the
station failed us (502 CALLERROR or invalid CALLRESULT, 504 no answer in time). A station that is
not connected is 409, not 503: the API itself is up and the request conflicts with the station's
current state; 503 would tell clients and proxies to retry the API later.

A station's view includes its live connection as the runtime reports it (`OcppConnection.extra`:
remote address, security profile, subprotocol, and the client certificate's identity under
profile 3), and its latest BootNotifications with what the CSMS answered.

`POST /api/stations/{id}/calls/{action}` sends any CSMS-initiated CALL with the request body as
its raw OCPP payload (wire names), validated against the official schema before it is sent;
the answer is `{"action", "payload"}` (200) or the station's CALLERROR `{"error", "call_error":
{"code", "description", "details"}}` (502).

Hardening (issue 13): every error is that JSON shape, never an HTML page; an unexpected exception
is a logged JSON 500. Bodies must be `application/json` (415 otherwise), valid UTF-8, nested at
most MAX_BODY_DEPTH deep, and hold no lone surrogates (400). Every id the API accepts (station,
token, group and transaction ids, in paths, queries and bodies) follows one rule: an OCPP 2.0.1
identifierString (Part 2, primitive datatypes: A-Z a-z 0-9 * - _ = : + | @ .) of bounded length;
a station identity is also the HTTP Basic user-id of security profiles 1 and 2, which cannot hold
':' (RFC 7617 section 2), and at most 48 characters (Part 4). A request whose `Origin` is neither
the API's own nor in `allowed_origins` is 403, so a web page cannot drive the API with the
operator's cached credentials. Failed logins are limited per user name and per source address
(`AuthLimits`, as on the OCPP handshake): past the limit, 429 with Retry-After, even for the right
password, and a WARNING log line.
Every answer carries `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import string
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final

from aiohttp import web
from pydantic import ValidationError

from ocppgen.generated import v201
from ocppgen.reference.csms.store import BOOT_POLICIES, TOKEN_STATUSES, Store
from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.endpoint import Disconnected, OcppConnection
from ocppgen.runtime.errors import CallTimeout, InvalidResultError, RemoteCallError
from ocppgen.runtime.security import AuthLimits, FailureLimiter, address_key, parse_basic_auth
from ocppgen.runtime.server import DEFAULT_AUTH_LIMITS

__all__ = ["OPENAPI", "address_text", "identifier_problem", "make_api"]

logger = logging.getLogger("ocppgen.reference.csms.api")

Connections = Callable[[], Mapping[str, OcppConnection]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STORE: Final = web.AppKey("store", Store)
CONNECTIONS: Final[web.AppKey[Connections]] = web.AppKey("connections")
MAX_CALL_TIMEOUT: Final = 300.0
MAX_IDENTITY_LENGTH: Final = 48
MAX_PASSWORD_LENGTH: Final = 40  # OCPP 2.0.1 SecurityCtrlr.BasicAuthPassword (passwordString)
MAX_TOKEN_LENGTH: Final = 36  # IdTokenType.idToken, TransactionType.transactionId
MAX_BODY_DEPTH: Final = 32  # far deeper than any OCPP payload; keeps later recursion safe
IDENTIFIER_CHARACTERS: Final = frozenset(string.ascii_letters + string.digits + "*-_=:+|@.")
"""OCPP 2.0.1 Part 2, primitive datatypes: the characters of an identifierString."""

_ERRORS: Final[dict[int, type[web.HTTPException]]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    415: web.HTTPUnsupportedMediaType,
    429: web.HTTPTooManyRequests,
    502: web.HTTPBadGateway,
    504: web.HTTPGatewayTimeout,
}


def _error(status: int, message: str, **extra: Any) -> web.HTTPException:
    return _ERRORS[status](
        text=json.dumps({"error": message, **extra}), content_type="application/json"
    )


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, indent=None))


# -- middleware ------------------------------------------------------------------------------


class _LoginLimiter:
    """Failed operator logins per user name and per source address (`AuthLimits`, the same
    token buckets the OCPP handshake uses): an empty bucket is 429 until it refills."""

    def __init__(self, limits: AuthLimits, clock: Callable[[], float]) -> None:
        tracked = limits.max_tracked
        self.users = FailureLimiter(
            limits.identity_burst, limits.identity_refill, max_tracked=tracked, clock=clock
        )
        self.addresses = FailureLimiter(
            limits.address_burst, limits.address_refill, max_tracked=tracked, clock=clock
        )

    def retry_after(self, user: str | None, address: str) -> float:
        waits = [self.addresses.retry_after(address)]
        if user is not None:
            waits.append(self.users.retry_after(user))
        return max(waits)

    def failed(self, user: str | None, address: str) -> None:
        counted = [("address", address, self.addresses)]
        if user is not None:
            counted.append(("user", user, self.users))
        for kind, key, limiter in counted:
            if limiter.failed(key):
                logger.warning(
                    "operator API: %s %r locked after %d failed logins (user %r, address %s); "
                    "one more allowed every %g s",
                    kind,
                    key,
                    limiter.burst,
                    user,
                    address,
                    limiter.refill,
                )

    def succeeded(self, user: str) -> None:
        self.users.succeeded(user)  # not the address: like the handshake, see AuthLimits


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _auth_middleware(user: str, password: str, limiter: _LoginLimiter) -> Any:
    expected = (_digest(user), _digest(password))

    def matches(given: tuple[str, str]) -> bool:
        # fixed-size digests, both always compared: the time taken says nothing about either
        user_ok = hmac.compare_digest(_digest(given[0]), expected[0])
        password_ok = hmac.compare_digest(_digest(given[1]), expected[1])
        return user_ok & password_ok

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        header = request.headers.get("Authorization")
        given = parse_basic_auth(header) if header is not None else None
        name = given[0][:64] if given is not None else None  # bounded: it becomes a key
        address = address_key(request.remote)
        wait = limiter.retry_after(name, address)
        if wait > 0:  # before checking: a right password must not tell a locked-out guesser
            seconds = str(math.ceil(wait))
            error = _error(429, f"too many failed logins; retry in {seconds} s")
            error.headers["Retry-After"] = seconds
            raise error
        if given is None or not matches(given):
            if header is not None:  # no credentials at all is a first try, not a guess
                limiter.failed(name, address)
            error = _error(401, "operator credentials required (HTTP Basic)")
            error.headers["WWW-Authenticate"] = 'Basic realm="ocppgen CSMS operator API"'
            raise error
        limiter.succeeded(given[0][:64])
        return await handler(request)

    return middleware


def _origin(text: str) -> str:
    """`scheme://host[:port]`, lower case, as browsers send it in `Origin`."""
    origin = text.strip().rstrip("/").lower()
    scheme, separator, host = origin.partition("://")
    if scheme not in ("http", "https") or not separator or not host or "/" in host:
        raise ValueError(f"not a web origin (scheme://host[:port]): {text!r}")
    return origin


def _origin_middleware(allowed: frozenset[str]) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        # A browser names the page's origin on cross-site requests; a script without one
        # (curl, OperatorClient) is no browser carrying the operator's cached credentials.
        origin = request.headers.get("Origin")
        if origin is not None and request.path.startswith("/api/"):
            own = f"{request.scheme}://{request.host}".lower()
            if origin.lower() != own and origin.lower() not in allowed:
                raise _error(403, f"requests from origin {origin!r} are not allowed")
        return await handler(request)

    return middleware


@web.middleware
async def _json_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Only JSON bodies: text/plain and form posts are what a foreign page can send unasked."""
    if request.method in ("POST", "PUT", "PATCH") and request.path.startswith("/api/"):
        charset = (request.charset or "utf-8").lower()
        if request.content_type != "application/json" or charset != "utf-8":
            raise _error(
                415,
                "the request body must be sent as Content-Type: application/json, "
                f"not {request.headers.get('Content-Type', '(none)')!r}",
            )
    return await handler(request)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as JSON, including aiohttp's own 404/405/413 and the unexpected (500)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        return _aiohttp_error(request, exc)
    except Exception:
        logger.exception("operator API: %s %s failed", request.method, request.path)
        return _json({"error": "internal error in the operator API (see the CSMS log)"}, 500)


def _aiohttp_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    if exc.status == 405:
        allowed = ", ".join(sorted(getattr(exc, "allowed_methods", ())))
        message = f"method {request.method} not allowed on {request.path}; use {allowed}"
    elif exc.status == 404:
        message = f"no such route: {request.path} (see /openapi.json)"
    else:
        message = exc.reason
    response = _json({"error": message}, status=exc.status)
    for name in ("Allow", "WWW-Authenticate", "Retry-After"):
        if name in exc.headers:
            response.headers[name] = exc.headers[name]
    return response


async def _no_sniffing_no_caching(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"


# -- request bodies and ids ------------------------------------------------------------------


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        raise _error(400, "the request body must be a JSON object; it is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(400, f"the request body is not valid UTF-8: {exc}") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise _error(400, f"the request body is nested too deeply (max {MAX_BODY_DEPTH})") from None
    except ValueError as exc:
        raise _error(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _error(400, f"the request body must be a JSON object, not {type(data).__name__}")
    _check_depth(data)
    try:  # a lone surrogate escape ("\ud800") cannot be stored or sent on as UTF-8
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _error(400, "the request body holds a lone surrogate (\\ud800-\\udfff)") from None
    return data


def _check_depth(data: Any) -> None:
    """Reject nesting deeper than MAX_BODY_DEPTH (iteratively: no recursion to exhaust)."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_BODY_DEPTH:
            raise _error(400, f"the request body is nested too deeply (max {MAX_BODY_DEPTH})")
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, (dict, list)):
            pending.extend((child, depth + 1) for child in children)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def identifier_problem(value: str, *, max_length: int, colon: bool = True) -> str | None:
    """Why `value` is not an OCPP identifierString of 1..max_length characters (without ':'
    unless `colon`), or None when it is. The one rule for every id the API accepts."""
    allowed = IDENTIFIER_CHARACTERS if colon else IDENTIFIER_CHARACTERS - {":"}
    if 1 <= len(value) <= max_length and set(value) <= allowed:
        return None
    shown = " ".join(sorted(allowed - set(string.ascii_letters + string.digits)))
    kind = "an OCPP identifierString" if colon else "an OCPP identifierString without ':'"
    return f"must be 1..{max_length} characters from A-Z a-z 0-9 {shown} ({kind})"


def _identifier(value: str, what: str, max_length: int, *, colon: bool = True) -> str:
    problem = identifier_problem(value, max_length=max_length, colon=colon)
    if problem is not None:
        shown = f" {value!r}" if len(value) <= 60 else ""
        raise _error(400, f"{what}{shown} {problem}")
    return value


def _station_identifier(value: str) -> str:
    """A station identity: the URL path end and the Basic user-id, so no ':' (RFC 7617)."""
    return _identifier(value, "station id", MAX_IDENTITY_LENGTH, colon=False)


FieldSpec = Mapping[str, tuple[Any, bool]]


def _fields(data: Mapping[str, Any], spec: FieldSpec) -> None:
    """Check a body against {field: (types, required)}: no unknown, none missing, right types."""
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise _error(400, f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(spec)}")
    for name, (types, required) in spec.items():
        if name not in data:
            if required:
                raise _error(400, f"missing required field {name!r}")
            continue
        value = data[name]
        expected = types if isinstance(types, tuple) else (types,)
        if isinstance(value, bool) and bool not in expected:
            ok = False
        else:
            ok = isinstance(value, expected)
        if not ok:
            names = " or ".join("null" if t is type(None) else t.__name__ for t in expected)
            raise _error(400, f"field {name!r} must be {names}, not {json.dumps(value)}")


def _station_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    if "password" in data and data["password"] is not None:
        password = data["password"]
        if not 1 <= len(password) <= MAX_PASSWORD_LENGTH or not password.isprintable():
            raise _error(400, f"password must be 1..{MAX_PASSWORD_LENGTH} printable characters")
    if "boot_policy" in data and data["boot_policy"] not in BOOT_POLICIES:
        raise _error(400, f"boot_policy must be one of {', '.join(BOOT_POLICIES)}")
    if "security_profile" in data and data["security_profile"] not in (0, 1, 2, 3):
        raise _error(400, "security_profile must be 0, 1, 2 or 3")
    if "heartbeat_interval" in data and not 1 <= data["heartbeat_interval"] <= 86400:
        raise _error(400, "heartbeat_interval must be 1..86400 seconds")
    pending = data.get("pending_variables")
    if pending is not None:
        for index, item in enumerate(pending):
            try:
                v201.SetVariableDataType.from_json_dict(item)
            except ValidationError as exc:
                raise _error(
                    400,
                    f"pending_variables[{index}] is not a SetVariableDataType: "
                    + _validation_summary(exc),
                ) from None
    return {key: value for key, value in data.items() if key != "id"}


def _validation_summary(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:10]:
        where = "/".join(str(part) for part in error["loc"]) or "(payload)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"location": "/".join(str(p) for p in error["loc"]), "message": error["msg"]}
        for error in exc.errors()
    ]


# -- routes ----------------------------------------------------------------------------------

routes = web.RouteTableDef()


def _store(request: web.Request) -> Store:
    return request.app[STORE]


def _connections(request: web.Request) -> Mapping[str, OcppConnection]:
    connections: Mapping[str, OcppConnection] = request.app[CONNECTIONS]()
    return connections


def address_text(remote: Any) -> str | None:
    """`host:port` of a peer address tuple (IPv4 or IPv6), None when unknown."""
    if isinstance(remote, tuple) and len(remote) >= 2:
        host = str(remote[0])
        return f"[{host}]:{remote[1]}" if ":" in host else f"{host}:{remote[1]}"
    return None


def _connection_view(connection: OcppConnection) -> dict[str, Any]:
    """What the runtime knows about a live connection (`OcppConnection.extra`)."""
    extra = connection.extra
    view: dict[str, Any] = {
        "remote_address": address_text(extra.get("remote_address")),
        "security_profile": int(extra["security_profile"])
        if extra.get("security_profile") is not None
        else None,
        "subprotocol": extra.get("subprotocol", connection.subprotocol),
    }
    if "certificate_identity" in extra:
        view["certificate_identity"] = extra["certificate_identity"]
    return view


def _station_view(request: web.Request, station: dict[str, Any]) -> dict[str, Any]:
    connection = _connections(request).get(station["id"])
    live = connection if connection is not None and not connection.closed else None
    view = dict(station)
    view["connected"] = live is not None
    view["subprotocol"] = live.subprotocol if live is not None else None
    view["connection"] = _connection_view(live) if live is not None else None
    return view


def _known_station(request: web.Request) -> dict[str, Any]:
    station_id = _station_identifier(request.match_info["station_id"])
    station = _store(request).station(station_id)
    if station is None:
        raise _error(404, f"no station {station_id!r}")
    return station


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return _json(OPENAPI)


@routes.get("/api/stations")
async def list_stations(request: web.Request) -> web.Response:
    return _json([_station_view(request, station) for station in _store(request).stations()])


_STATION_CREATE: dict[str, tuple[Any, bool]] = {
    "id": (str, True),
    "password": ((str, type(None)), False),
    "security_profile": (int, False),
    "boot_policy": (str, False),
    "heartbeat_interval": (int, False),
    "pending_variables": (list, False),
}


@routes.post("/api/stations")
async def create_station(request: web.Request) -> web.Response:
    data = await _body(request)
    _fields(data, _STATION_CREATE)
    station_id = _station_identifier(data["id"])
    try:
        station = _store(request).add_station(station_id, **_station_fields(data))
    except KeyError:
        raise _error(409, f"station {station_id!r} already exists") from None
    return _json(_station_view(request, station), status=201)


@routes.get("/api/stations/{station_id}")
async def get_station(request: web.Request) -> web.Response:
    station = _known_station(request)
    store = _store(request)
    view = _station_view(request, station)
    evses: dict[int, dict[str, Any]] = {}
    for connector in store.connectors(station["id"]):
        evse = evses.setdefault(connector["evse_id"], {"evse_id": connector["evse_id"]})
        evse.setdefault("connectors", []).append(
            {
                "connector_id": connector["connector_id"],
                "status": connector["status"],
                "updated_at": connector["updated_at"],
            }
        )
    view["evses"] = list(evses.values())
    view["active_transactions"] = store.transactions(station["id"], active=True)
    view["boots"] = store.boots(station["id"])
    return _json(view)


@routes.patch("/api/stations/{station_id}")
async def update_station(request: web.Request) -> web.Response:
    station = _known_station(request)
    data = await _body(request)
    _fields(data, {k: v for k, v in _STATION_CREATE.items() if k != "id"})
    if "password" in data and data["password"] is None:
        raise _error(400, "password cannot be removed; set a new one")
    updated = _store(request).update_station(station["id"], **_station_fields(data))
    return _json(_station_view(request, updated))


@routes.delete("/api/stations/{station_id}")
async def delete_station(request: web.Request) -> web.Response:
    station = _known_station(request)
    _store(request).delete_station(station["id"])
    connection = _connections(request).get(station["id"])
    if connection is not None:
        await connection.close(1008, "Station removed")
    return web.Response(status=204)


@routes.get("/api/stations/{station_id}/transactions")
async def station_transactions(request: web.Request) -> web.Response:
    station = _known_station(request)
    return _json(_store(request).transactions(station["id"], active=_active(request)))


@routes.get("/api/stations/{station_id}/events")
async def station_events(request: web.Request) -> web.Response:
    station = _known_station(request)
    return _json(_store(request).events(station["id"]))


@routes.get("/api/stations/{station_id}/meter-values")
async def station_meter_values(request: web.Request) -> web.Response:
    station = _known_station(request)
    return _json(_store(request).meter_values(station["id"]))


@routes.get("/api/stations/{station_id}/reports")
async def station_reports(request: web.Request) -> web.Response:
    station = _known_station(request)
    return _json(_store(request).reports(station["id"]))


@routes.get("/api/stations/{station_id}/reports/{request_id}")
async def station_report(request: web.Request) -> web.Response:
    station = _known_station(request)
    try:
        request_id = int(request.match_info["request_id"])
    except ValueError:
        raise _error(400, "request_id must be an integer") from None
    report = _store(request).report(station["id"], request_id)
    if report is None:
        raise _error(404, f"no report {request_id} from {station['id']!r}")
    return _json(report)


@routes.post("/api/stations/{station_id}/calls/{action}")
async def send_call(request: web.Request) -> web.Response:
    station = _known_station(request)
    action = request.match_info["action"]
    connection = _connections(request).get(station["id"])
    version: VersionSpec = connection.version if connection is not None else v201.VERSION
    spec = version.actions.get(action)
    if spec is None:
        raise _error(400, f"{action!r} is not an OCPP {version.name} action")
    if not spec.sent_by(Role.CSMS):
        raise _error(400, f"{action} is sent by the Charging Station, not by the CSMS")
    timeout = _timeout(request)
    data = await _body(request)
    try:
        call = spec.request.from_json_dict(data)
    except ValidationError as exc:
        raise _error(
            400,
            f"invalid {action} payload: {_validation_summary(exc)}",
            details=_validation_details(exc),
        ) from None
    if connection is None or connection.closed:
        raise _error(409, f"station {station['id']!r} is not connected")
    try:
        response = await connection.call(call, action=action, timeout=timeout)
    except RemoteCallError as exc:
        raise _error(
            502,
            f"{station['id']} answered {action} with CALLERROR {exc.code}",
            call_error={"code": exc.code, "description": exc.description, "details": exc.details},
        ) from None
    except InvalidResultError as exc:
        raise _error(
            502,
            f"{station['id']} answered {action} with an invalid CALLRESULT: {exc.description}",
            invalid_result={"code": exc.code, "description": exc.description},
        ) from None
    except CallTimeout:
        raise _error(504, f"{station['id']} did not answer {action} in time") from None
    except Disconnected:
        raise _error(409, f"station {station['id']!r} disconnected before answering") from None
    return _json({"action": action, "payload": response.to_json_dict()})


def _timeout(request: web.Request) -> float | None:
    raw = request.query.get("timeout")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_CALL_TIMEOUT:
        raise _error(400, f"timeout must be a number of seconds in (0, {MAX_CALL_TIMEOUT:g}]")
    return value


def _active(request: web.Request) -> bool | None:
    raw = request.query.get("active")
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise _error(400, "active must be true or false")
    return raw == "true"


@routes.get("/api/transactions")
async def list_transactions(request: web.Request) -> web.Response:
    station_id = request.query.get("station_id")
    if station_id is not None:
        _station_identifier(station_id)
    return _json(_store(request).transactions(station_id, active=_active(request)))


@routes.get("/api/transactions/{station_id}/{transaction_id}")
async def get_transaction(request: web.Request) -> web.Response:
    station_id = _station_identifier(request.match_info["station_id"])
    transaction_id = _identifier(
        request.match_info["transaction_id"], "transaction id", MAX_TOKEN_LENGTH
    )
    transaction = _store(request).transaction(station_id, transaction_id)
    if transaction is None:
        raise _error(404, f"no transaction {transaction_id!r} of station {station_id!r}")
    return _json(transaction)


@routes.get("/api/tokens")
async def list_tokens(request: web.Request) -> web.Response:
    return _json(_store(request).tokens())


def _token_key(request: web.Request) -> tuple[str, str]:
    token_type = request.match_info["type"]
    id_token = request.match_info["id_token"]
    if token_type not in v201.IdTokenEnumType.__members__.values():
        allowed = ", ".join(v201.IdTokenEnumType)
        raise _error(400, f"token type must be one of {allowed}, not {token_type!r}")
    return _identifier(id_token, "id_token", MAX_TOKEN_LENGTH), token_type


@routes.get("/api/tokens/{type}/{id_token}")
async def get_token(request: web.Request) -> web.Response:
    id_token, token_type = _token_key(request)
    token = _store(request).token(id_token, token_type)
    if token is None:
        raise _error(404, f"no token {token_type}/{id_token}")
    return _json(token)


@routes.put("/api/tokens/{type}/{id_token}")
async def put_token(request: web.Request) -> web.Response:
    id_token, token_type = _token_key(request)
    data = await _body(request)
    _fields(
        data,
        {
            "status": (str, True),
            "group_id": ((str, type(None)), False),
            "expires_at": ((str, type(None)), False),
        },
    )
    if data["status"] not in TOKEN_STATUSES:
        raise _error(400, f"status must be one of {', '.join(TOKEN_STATUSES)}")
    expires_at = data.get("expires_at")
    if expires_at is not None:
        try:
            v201.IdTokenInfoType.from_json_dict(
                {"status": "Accepted", "cacheExpiryDateTime": expires_at}
            )
        except ValidationError:
            raise _error(400, "expires_at must be an RFC 3339 date-time with a time zone") from None
    group_id = data.get("group_id")
    if group_id is not None:
        _identifier(group_id, "group_id", MAX_TOKEN_LENGTH)
    token = _store(request).put_token(
        id_token, token_type, data["status"], group_id=group_id, expires_at=expires_at
    )
    return _json(token)


@routes.delete("/api/tokens/{type}/{id_token}")
async def delete_token(request: web.Request) -> web.Response:
    id_token, token_type = _token_key(request)
    if not _store(request).delete_token(id_token, token_type):
        raise _error(404, f"no token {token_type}/{id_token}")
    return web.Response(status=204)


def make_api(
    store: Store,
    connections: Connections,
    *,
    user: str,
    password: str,
    allowed_origins: Iterable[str] = (),
    login_limits: AuthLimits = DEFAULT_AUTH_LIMITS,
    clock: Callable[[], float] = time.monotonic,
) -> web.Application:
    """The operator API application (serve it with `aiohttp.web.AppRunner`).

    `allowed_origins` (`scheme://host[:port]`) are the web origins besides the API's own whose
    pages may call it (an operator console served elsewhere); `login_limits` bound failed logins
    (`clock` times them)."""
    origins = frozenset(_origin(origin) for origin in allowed_origins)
    limiter = _LoginLimiter(login_limits, clock)
    app = web.Application(
        middlewares=[
            _json_errors,
            _origin_middleware(origins),
            _auth_middleware(user, password, limiter),
            _json_bodies,
        ]
    )
    app.on_response_prepare.append(_no_sniffing_no_caching)
    app[STORE] = store
    app[CONNECTIONS] = connections
    app.add_routes(routes)
    return app


# -- OpenAPI ---------------------------------------------------------------------------------


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(description: str, schema: dict[str, Any] | None = None, status: str = "200") -> Any:
    content = {"application/json": {"schema": schema}} if schema is not None else None
    response: dict[str, Any] = {"description": description}
    if content:
        response["content"] = content
    return {status: response}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Malformed request (the message says what is wrong)",
        401: "Operator credentials missing or wrong",
        403: "The request comes from a web origin that is not allowed",
        404: "No such station, token, transaction or report",
        409: "Conflict: station exists already, or is not connected",
        415: "The body is not sent as application/json",
        429: "Too many failed logins from this user or address (see Retry-After)",
        500: "Unexpected failure in the CSMS (logged)",
        502: "The station answered with a CALLERROR or an invalid CALLRESULT",
        504: "The station did not answer in time",
    }
    return {
        str(status): {
            "description": text[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for status in sorted({401, 403, 429, 500, *statuses})
    }


def _id_schema(max_length: int, *, colon: bool = True) -> dict[str, Any]:
    """The JSON Schema of `identifier_problem`'s rule."""
    characters = r"A-Za-z0-9*\-_=+|@." + (":" if colon else "")
    return {"type": "string", "pattern": f"^[{characters}]{{1,{max_length}}}$"}


_STATION_ID_SCHEMA: Final = _id_schema(MAX_IDENTITY_LENGTH, colon=False)
_SHORT_ID_SCHEMA: Final = _id_schema(MAX_TOKEN_LENGTH)  # token, group and transaction ids


_STATION_ID = {"name": "station_id", "in": "path", "required": True, "schema": _STATION_ID_SCHEMA}
_ACTIVE = {
    "name": "active",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["true", "false"]},
    "description": "only ongoing (true) or only ended (false) transactions",
}
_TOKEN_PARAMS = [
    {
        "name": "type",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": [str(m) for m in v201.IdTokenEnumType]},
    },
    {
        "name": "id_token",
        "in": "path",
        "required": True,
        "schema": _SHORT_ID_SCHEMA,
    },
]
_CSMS_ACTIONS = sorted(name for name, s in v201.ACTIONS.items() if s.sent_by(Role.CSMS))
_NULLABLE_STRING = {"type": ["string", "null"]}

OPENAPI: Final[dict[str, Any]] = {
    "openapi": "3.1.0",
    "info": {
        "title": "ocppgen reference CSMS operator API",
        "version": "1",
        "description": "Read the state of the CSMS (stations, EVSEs and connectors, "
        "transactions with meter values, events, reports), manage stations, their credentials "
        "and boot policy, manage tokens, and send any CSMS-initiated OCPP 2.0.1 call to a "
        "connected station. Every /api route needs the operator's HTTP Basic credentials.",
    },
    "security": [{"operator": []}],
    "paths": {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": _ok("The OpenAPI document", {"type": "object"}),
            }
        },
        "/api/stations": {
            "get": {
                "summary": "List stations with their live connection state",
                "responses": {
                    **_ok("Stations", {"type": "array", "items": _ref("Station")}),
                    **_errors(),
                },
            },
            "post": {
                "summary": "Register a station (identity, password, profile, boot policy)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("StationCreate")}},
                },
                "responses": {
                    **_ok("The station", _ref("Station"), "201"),
                    **_errors(400, 409, 415),
                },
            },
        },
        "/api/stations/{station_id}": {
            "parameters": [_STATION_ID],
            "get": {
                "summary": "A station with its EVSEs, connector status and ongoing transactions",
                "responses": {**_ok("The station", _ref("StationDetail")), **_errors(404)},
            },
            "patch": {
                "summary": "Change a station's password, security profile or boot policy",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("StationUpdate")}},
                },
                "responses": {**_ok("The station", _ref("Station")), **_errors(400, 404, 415)},
            },
            "delete": {
                "summary": "Remove a station (and disconnect it)",
                "responses": {"204": {"description": "Removed"}, **_errors(404)},
            },
        },
        "/api/stations/{station_id}/transactions": {
            "parameters": [_STATION_ID],
            "get": {
                "summary": "A station's transactions",
                "parameters": [_ACTIVE],
                "responses": {
                    **_ok("Transactions", {"type": "array", "items": _ref("Transaction")}),
                    **_errors(400, 404),
                },
            },
        },
        "/api/stations/{station_id}/events": {
            "parameters": [_STATION_ID],
            "get": {
                "summary": "Events the station reported with NotifyEvent",
                "responses": {
                    **_ok("Events", {"type": "array", "items": {"type": "object"}}),
                    **_errors(404),
                },
            },
        },
        "/api/stations/{station_id}/meter-values": {
            "parameters": [_STATION_ID],
            "get": {
                "summary": "Meter values sent outside transactions (MeterValues)",
                "responses": {
                    **_ok("Meter values", {"type": "array", "items": _ref("MeterValue")}),
                    **_errors(404),
                },
            },
        },
        "/api/stations/{station_id}/reports": {
            "parameters": [_STATION_ID],
            "get": {
                "summary": "NotifyReport series received (one per requestId)",
                "responses": {
                    **_ok("Reports", {"type": "array", "items": _ref("Report")}),
                    **_errors(404),
                },
            },
        },
        "/api/stations/{station_id}/reports/{request_id}": {
            "parameters": [
                _STATION_ID,
                {
                    "name": "request_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                },
            ],
            "get": {
                "summary": "One report with all its reportData, and whether it is complete",
                "responses": {**_ok("The report", _ref("Report")), **_errors(400, 404)},
            },
        },
        "/api/stations/{station_id}/calls/{action}": {
            "parameters": [
                _STATION_ID,
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": _CSMS_ACTIONS},
                },
            ],
            "post": {
                "summary": "Send a CSMS-initiated CALL with a raw OCPP payload",
                "description": "The body is the OCPP request payload with wire names, "
                "validated against the official schema before it is sent.",
                "parameters": [
                    {
                        "name": "timeout",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 300},
                        "description": "seconds to wait for the answer",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    **_ok("The station's CALLRESULT", _ref("CallResult")),
                    **_errors(400, 404, 409, 415, 502, 504),
                },
            },
        },
        "/api/transactions": {
            "get": {
                "summary": "All transactions",
                "parameters": [
                    _ACTIVE,
                    {
                        "name": "station_id",
                        "in": "query",
                        "required": False,
                        "schema": _STATION_ID_SCHEMA,
                    },
                ],
                "responses": {
                    **_ok("Transactions", {"type": "array", "items": _ref("Transaction")}),
                    **_errors(400),
                },
            }
        },
        "/api/transactions/{station_id}/{transaction_id}": {
            "parameters": [
                _STATION_ID,
                {
                    "name": "transaction_id",
                    "in": "path",
                    "required": True,
                    "schema": _SHORT_ID_SCHEMA,
                },
            ],
            "get": {
                "summary": "A transaction with every event and meter value",
                "responses": {**_ok("The transaction", _ref("TransactionDetail")), **_errors(404)},
            },
        },
        "/api/tokens": {
            "get": {
                "summary": "All tokens",
                "responses": {
                    **_ok("Tokens", {"type": "array", "items": _ref("Token")}),
                    **_errors(),
                },
            }
        },
        "/api/tokens/{type}/{id_token}": {
            "parameters": _TOKEN_PARAMS,
            "get": {
                "summary": "One token",
                "responses": {**_ok("The token", _ref("Token")), **_errors(400, 404)},
            },
            "put": {
                "summary": "Create or replace a token",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("TokenPut")}},
                },
                "responses": {**_ok("The token", _ref("Token")), **_errors(400, 415)},
            },
            "delete": {
                "summary": "Remove a token",
                "responses": {"204": {"description": "Removed"}, **_errors(400, 404)},
            },
        },
    },
    "components": {
        "securitySchemes": {"operator": {"type": "http", "scheme": "basic"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object"}},
                    "call_error": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "description": {"type": "string"},
                            "details": {"type": "object"},
                        },
                    },
                    "invalid_result": {"type": "object"},
                },
            },
            "StationCreate": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id"],
                "properties": {
                    "id": _STATION_ID_SCHEMA,
                    "password": {"type": ["string", "null"], "maxLength": 40},
                    "security_profile": {"type": "integer", "enum": [0, 1, 2, 3]},
                    "boot_policy": {"type": "string", "enum": list(BOOT_POLICIES)},
                    "heartbeat_interval": {"type": "integer", "minimum": 1, "maximum": 86400},
                    "pending_variables": {
                        "type": "array",
                        "description": "SetVariableDataType items sent while Pending (B02)",
                        "items": {"type": "object"},
                    },
                },
            },
            "StationUpdate": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "password": {"type": "string", "maxLength": 40},
                    "security_profile": {"type": "integer", "enum": [0, 1, 2, 3]},
                    "boot_policy": {"type": "string", "enum": list(BOOT_POLICIES)},
                    "heartbeat_interval": {"type": "integer", "minimum": 1, "maximum": 86400},
                    "pending_variables": {"type": "array", "items": {"type": "object"}},
                },
            },
            "Station": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "connected": {"type": "boolean"},
                    "subprotocol": _NULLABLE_STRING,
                    "connection": {
                        "type": ["object", "null"],
                        "description": "the live connection, null when not connected",
                        "properties": {
                            "remote_address": _NULLABLE_STRING,
                            "security_profile": {"type": ["integer", "null"]},
                            "subprotocol": _NULLABLE_STRING,
                            "certificate_identity": {
                                "type": ["string", "null"],
                                "description": "the client certificate's CN (profile 3)",
                            },
                        },
                    },
                    "has_password": {"type": "boolean"},
                    "security_profile": {"type": "integer"},
                    "boot_policy": {"type": "string", "enum": list(BOOT_POLICIES)},
                    "heartbeat_interval": {"type": "integer"},
                    "pending_variables": {"type": "array", "items": {"type": "object"}},
                    "provisioned": {"type": "boolean"},
                    "registration_status": _NULLABLE_STRING,
                    "vendor_name": _NULLABLE_STRING,
                    "model": _NULLABLE_STRING,
                    "serial_number": _NULLABLE_STRING,
                    "firmware_version": _NULLABLE_STRING,
                    "boot_reason": _NULLABLE_STRING,
                    "last_boot_at": _NULLABLE_STRING,
                    "last_heartbeat_at": _NULLABLE_STRING,
                    "last_seen_at": _NULLABLE_STRING,
                    "created_at": {"type": "string"},
                },
            },
            "StationDetail": {
                "allOf": [
                    _ref("Station"),
                    {
                        "type": "object",
                        "properties": {
                            "evses": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "evse_id": {"type": "integer"},
                                        "connectors": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "connector_id": {"type": "integer"},
                                                    "status": {"type": "string"},
                                                    "updated_at": {"type": "string"},
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                            "active_transactions": {
                                "type": "array",
                                "items": _ref("Transaction"),
                            },
                            "boots": {
                                "type": "array",
                                "description": "the latest BootNotifications, oldest first",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "received_at": {"type": "string"},
                                        "reason": _NULLABLE_STRING,
                                        "status": {"type": "string", "enum": list(BOOT_POLICIES)},
                                    },
                                },
                            },
                        },
                    },
                ]
            },
            "Transaction": {
                "type": "object",
                "properties": {
                    "station_id": {"type": "string"},
                    "transaction_id": {"type": "string"},
                    "evse_id": {"type": ["integer", "null"]},
                    "connector_id": {"type": ["integer", "null"]},
                    "id_token": _NULLABLE_STRING,
                    "token_type": _NULLABLE_STRING,
                    "id_token_status": {
                        "type": ["string", "null"],
                        "description": "the idTokenInfo status last answered for the "
                        "transaction's idToken (e.g. Accepted, ConcurrentTx)",
                    },
                    "started_at": _NULLABLE_STRING,
                    "ended_at": _NULLABLE_STRING,
                    "state": {"type": "string", "enum": ["Started", "Ended"]},
                    "charging_state": _NULLABLE_STRING,
                    "stopped_reason": _NULLABLE_STRING,
                    "energy_wh": {"type": ["number", "null"]},
                    "events": {"type": "integer"},
                    "last_seq_no": {"type": ["integer", "null"]},
                    "missing_seq_nos": {"type": "array", "items": {"type": "integer"}},
                    "offline_events": {"type": "integer"},
                    "complete": {
                        "type": "boolean",
                        "description": "Ended, and every seqNo from 0 to the last arrived",
                    },
                },
            },
            "TransactionDetail": {
                "allOf": [
                    _ref("Transaction"),
                    {
                        "type": "object",
                        "properties": {
                            "event_log": {"type": "array", "items": {"type": "object"}},
                            "meter_values": {"type": "array", "items": _ref("MeterValue")},
                        },
                    },
                ]
            },
            "MeterValue": {
                "type": "object",
                "properties": {
                    "seq_no": {"type": ["integer", "null"]},
                    "evse_id": {"type": "integer"},
                    "timestamp": {"type": "string"},
                    "measurand": {"type": "string"},
                    "phase": _NULLABLE_STRING,
                    "location": _NULLABLE_STRING,
                    "context": _NULLABLE_STRING,
                    "value": {"type": "number"},
                    "unit": _NULLABLE_STRING,
                },
            },
            "Report": {
                "type": "object",
                "properties": {
                    "request_id": {"type": "integer"},
                    "parts": {"type": "integer"},
                    "complete": {"type": "boolean"},
                    "missing_seq_nos": {"type": "array", "items": {"type": "integer"}},
                    "report_data": {"type": "array", "items": {"type": "object"}},
                },
            },
            "Token": {
                "type": "object",
                "properties": {
                    "id_token": {"type": "string"},
                    "type": {"type": "string"},
                    "status": {"type": "string", "enum": list(TOKEN_STATUSES)},
                    "group_id": _NULLABLE_STRING,
                    "expires_at": _NULLABLE_STRING,
                },
            },
            "TokenPut": {
                "type": "object",
                "additionalProperties": False,
                "required": ["status"],
                "properties": {
                    "status": {"type": "string", "enum": list(TOKEN_STATUSES)},
                    "group_id": {**_SHORT_ID_SCHEMA, "type": ["string", "null"]},
                    "expires_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "CallResult": {
                "type": "object",
                "required": ["action", "payload"],
                "properties": {"action": {"type": "string"}, "payload": {"type": "object"}},
            },
        },
    },
}
