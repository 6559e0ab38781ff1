"""The operator HTTP JSON API of the reference CSMS (aiohttp), described at `/openapi.json`.

Every `/api/...` route needs the operator's HTTP Basic credentials. Request and answer bodies
are pydantic models (`api_models`); the route table below declares each route's parameters,
body and answers, and both the validation and the OpenAPI document (`openapi`) come from it.

Errors are RFC 9457 problem details (`application/problem+json`: type, title, status, detail,
and `errors` for field errors; `api_http`) with a 4xx status for a bad request (400 malformed,
401 credentials, 403 foreign Origin, 404 unknown station/token/transaction/route, 405 method,
409 state conflict such as a station that is not connected or dropped the connection before
answering, 415 not JSON, 429 too many failed logins) and 5xx when the station failed us (502
CALLERROR or invalid CALLRESULT, 504 no answer in time). A station that is not connected is
409, not 503: the API itself is up and the request conflicts with the station's current state;
503 would tell clients and proxies to retry the API later.

A station's view includes its live connection as the runtime reports it (`OcppConnection.extra`:
remote address, security profile, subprotocol, and the client certificate's identity under
profile 3), and its latest BootNotifications with what the CSMS answered.

`POST /api/stations/{id}/calls/{action}` sends any CSMS-initiated CALL with the request body as
its raw OCPP payload (wire names), validated against the official schema before it is sent;
the answer is `{"action", "payload"}` (200) or a problem (502) whose `call_error` holds the
station's CALLERROR `{"code", "description", "details"}`.

Hardening (issue 13): bodies must be `application/json` (415 otherwise), valid UTF-8, nested at
most MAX_BODY_DEPTH deep, and hold no lone surrogates (400). Every id the API accepts (station,
token, group and transaction ids, in paths, queries and bodies) follows one rule: an OCPP 2.0.1
identifierString (Part 2, primitive datatypes: A-Z a-z 0-9 * - _ = : + | @ .) of bounded length;
a station identity is also the HTTP Basic user-id of security profiles 1 and 2, which cannot hold
':' (RFC 7617 section 2), and at most 48 characters (Part 4). A request whose `Origin` is neither
the API's own nor in `allowed_origins` is 403, so a web page cannot drive the API with the
operator's cached credentials. Failed logins are limited per user name and per source address
(`AuthLimits`, as on the OCPP handshake): past the limit, 429 with Retry-After, even for the right
password, and a WARNING log line. Every answer carries `X-Content-Type-Options: nosniff` and
`Cache-Control: no-store`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Final, Literal

from aiohttp import web
from pydantic import Field, JsonValue, TypeAdapter, ValidationError

from ocppgen.generated import v201
from ocppgen.reference.csms import api_models as m
from ocppgen.reference.csms.api_http import (
    CALL_ERROR,
    INVALID_RESULT,
    LoginLimiter,
    Param,
    auth_middleware,
    body,
    body_text,
    invalid,
    json_bodies,
    no_sniffing_no_caching,
    ocpp_problems,
    origin_middleware,
    problem,
    problem_errors,
    web_origin,
)
from ocppgen.reference.csms.api_messages import message_routes, record_answer, record_sent
from ocppgen.reference.csms.api_models import identifier_problem
from ocppgen.reference.csms.openapi import Answer, Reply, Route, openapi_document
from ocppgen.reference.csms.store import Store, generated_password
from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.endpoint import Disconnected, OcppConnection
from ocppgen.runtime.errors import CallTimeout, InvalidResultError, RemoteCallError
from ocppgen.runtime.security import AuthLimits, address_text
from ocppgen.runtime.server import DEFAULT_AUTH_LIMITS

__all__ = ["OPENAPI", "ROUTES", "identifier_problem", "make_api"]

Connections = Callable[[], Mapping[str, OcppConnection]]

STORE: Final = web.AppKey("store", Store)
CONNECTIONS: Final[web.AppKey[Connections]] = web.AppKey("connections")


# -- parameters --------------------------------------------------------------------------------

STATION_ID: Final = Param("station_id", "path", m.StationId)
QUERY_STATION_ID: Final = Param("station_id", "query", m.StationId, "only this station's")
TRANSACTION_ID: Final = Param("transaction_id", "path", m.TransactionId)
TOKEN_TYPE: Final = Param("type", "path", v201.IdTokenEnumType, what="token type")
ID_TOKEN: Final = Param("id_token", "path", m.IdToken)
REQUEST_ID: Final = Param("request_id", "path", int, "the GetBaseReport/GetReport requestId")
ACTION: Final = Param("action", "path", Literal[tuple(m.CSMS_ACTIONS)])
ACTIVE: Final = Param(
    "active",
    "query",
    Literal["true", "false"],
    "only ongoing (true) or only ended (false) transactions",
)
TIMEOUT: Final = Param(
    "timeout",
    "query",
    Annotated[float, Field(gt=0, le=m.MAX_CALL_TIMEOUT, allow_inf_nan=False)],
    "seconds to wait for the answer",
)


# -- views -------------------------------------------------------------------------------------


def _store(request: web.Request) -> Store:
    return request.app[STORE]


def _connections(request: web.Request) -> Mapping[str, OcppConnection]:
    connections: Mapping[str, OcppConnection] = request.app[CONNECTIONS]()
    return connections


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
    station_id = STATION_ID(request)
    station = _store(request).station(station_id)
    if station is None:
        raise problem(404, f"no station {station_id!r}")
    return station


# -- stations ----------------------------------------------------------------------------------


async def openapi(request: web.Request) -> Answer:
    return web.Response(body=_DOCUMENT, content_type="application/json")  # built once


async def list_stations(request: web.Request) -> Answer:
    return 200, [_station_view(request, station) for station in _store(request).stations()]


async def create_station(request: web.Request) -> Answer:
    data = await body(request, m.StationCreate)
    changes, generated = _with_generated_password(data)
    try:
        station = _store(request).add_station(data.id, **changes)
    except KeyError:
        raise problem(409, f"station {data.id!r} already exists") from None
    return 201, _shown_once(_station_view(request, station), generated)


async def get_station(request: web.Request) -> Answer:
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
    return 200, view


async def update_station(request: web.Request) -> Answer:
    station = _known_station(request)
    data = await body(request, m.StationUpdate)
    changes, generated = _with_generated_password(data)
    updated = _store(request).update_station(station["id"], **changes)
    return 200, _shown_once(_station_view(request, updated), generated)


def _with_generated_password(data: m.StationUpdate) -> tuple[dict[str, Any], str | None]:
    """The store's changes, with a generated password when asked for (and that password)."""
    changes = data.changes()
    if not data.generate_password:
        return changes, None
    changes["password"] = password = generated_password()
    return changes, password


def _shown_once(view: dict[str, Any], password: str | None) -> dict[str, Any]:
    """A generated password goes out in this answer only: the store keeps a verifier."""
    return view if password is None else {**view, "password": password}


async def delete_station(request: web.Request) -> Answer:
    station = _known_station(request)
    _store(request).delete_station(station["id"])
    connection = _connections(request).get(station["id"])
    if connection is not None:
        await connection.close(1008, "Station removed")
    return 204, None


def _active(request: web.Request) -> bool | None:
    active = ACTIVE(request)
    return None if active is None else active == "true"


async def station_transactions(request: web.Request) -> Answer:
    station = _known_station(request)
    return 200, _store(request).transactions(station["id"], active=_active(request))


async def station_events(request: web.Request) -> Answer:
    return 200, _store(request).events(_known_station(request)["id"])


async def station_meter_values(request: web.Request) -> Answer:
    return 200, _store(request).meter_values(_known_station(request)["id"])


async def station_reports(request: web.Request) -> Answer:
    return 200, _store(request).reports(_known_station(request)["id"])


async def station_report(request: web.Request) -> Answer:
    station = _known_station(request)
    request_id = REQUEST_ID(request)
    report = _store(request).report(station["id"], request_id)
    if report is None:
        raise problem(404, f"no report {request_id} from {station['id']!r}")
    return 200, report


# -- calls -------------------------------------------------------------------------------------


async def send_call(request: web.Request) -> Answer:
    station = _known_station(request)
    action = request.match_info["action"]
    connection = _connections(request).get(station["id"])
    version: VersionSpec = connection.version if connection is not None else v201.VERSION
    spec = version.actions.get(action)
    if spec is None:  # checked here, not by ACTION: the station's version decides
        raise problem(400, f"{action!r} is not an OCPP {version.name} action")
    if not spec.sent_by(Role.CSMS):
        raise problem(400, f"{action} is sent by the Charging Station, not by the CSMS")
    timeout = TIMEOUT(request)
    text = await body_text(request)
    try:
        call = spec.request.model_validate_json(text, by_alias=True, by_name=False)
    except ValidationError as exc:
        summary, errors = ocpp_problems(exc)
        raise invalid(f"invalid {action} payload: {summary}", errors) from None
    if connection is None or connection.closed:
        raise problem(409, f"station {station['id']!r} is not connected")
    sent = call.to_json_dict()
    record_sent(_store(request), station["id"], action, sent)
    answer = await _call(station["id"], connection, call, action, timeout)
    record_answer(_store(request), station["id"], action, sent, answer)
    return 200, {"action": action, "payload": answer}


async def _call(
    station_id: str, connection: OcppConnection, call: Any, action: str, timeout: float | None
) -> dict[str, Any]:
    try:
        response = await connection.call(call, action=action, timeout=timeout)
    except RemoteCallError as exc:
        raise problem(
            502,
            f"{station_id} answered {action} with CALLERROR {exc.code}",
            CALL_ERROR,
            call_error={"code": exc.code, "description": exc.description, "details": exc.details},
        ) from None
    except InvalidResultError as exc:
        raise problem(
            502,
            f"{station_id} answered {action} with an invalid CALLRESULT: {exc.description}",
            INVALID_RESULT,
            invalid_result={"code": exc.code, "description": exc.description},
        ) from None
    except CallTimeout:
        raise problem(504, f"{station_id} did not answer {action} in time") from None
    except Disconnected:
        raise problem(409, f"station {station_id!r} disconnected before answering") from None
    payload: dict[str, Any] = response.to_json_dict()
    return payload


# -- transactions and tokens -------------------------------------------------------------------


async def list_transactions(request: web.Request) -> Answer:
    station_id = QUERY_STATION_ID(request)
    return 200, _store(request).transactions(station_id, active=_active(request))


async def get_transaction(request: web.Request) -> Answer:
    station_id, transaction_id = STATION_ID(request), TRANSACTION_ID(request)
    transaction = _store(request).transaction(station_id, transaction_id)
    if transaction is None:
        raise problem(404, f"no transaction {transaction_id!r} of station {station_id!r}")
    return 200, transaction


async def list_tokens(request: web.Request) -> Answer:
    return 200, _store(request).tokens()


def _token_key(request: web.Request) -> tuple[str, str]:
    token_type: v201.IdTokenEnumType = TOKEN_TYPE(request)
    return ID_TOKEN(request), token_type.value


async def get_token(request: web.Request) -> Answer:
    id_token, token_type = _token_key(request)
    token = _store(request).token(id_token, token_type)
    if token is None:
        raise problem(404, f"no token {token_type}/{id_token}")
    return 200, token


async def put_token(request: web.Request) -> Answer:
    id_token, token_type = _token_key(request)
    data = await body(request, m.TokenPut)
    token = _store(request).put_token(
        id_token, token_type, data.status, group_id=data.group_id, expires_at=data.expires_at
    )
    return 200, token


async def delete_token(request: web.Request) -> Answer:
    id_token, token_type = _token_key(request)
    if not _store(request).delete_token(id_token, token_type):
        raise problem(404, f"no token {token_type}/{id_token}")
    return 204, None


# -- the route table ---------------------------------------------------------------------------

_REMOVED: Final = {204: Reply("Removed")}
_S: Final = (STATION_ID,)

ROUTES: Final[tuple[Route, ...]] = (
    Route(
        "GET", "/openapi.json", openapi, "This document",
        {200: Reply("The OpenAPI document", dict[str, JsonValue])}, public=True,
    ),
    Route(
        "GET", "/api/stations", list_stations, "List stations with their live connection state",
        {200: Reply("Stations", list[m.Station])},
    ),
    Route(
        "POST", "/api/stations", create_station,
        "Register a station (identity, password, profile, boot policy)",
        {201: Reply("The station", m.Station)}, body=m.StationCreate, errors=(409,),
    ),
    Route(
        "GET", "/api/stations/{station_id}", get_station,
        "A station with its EVSEs, connector status and ongoing transactions",
        {200: Reply("The station", m.StationDetail)}, _S, errors=(404,),
    ),
    Route(
        "PATCH", "/api/stations/{station_id}", update_station,
        "Change a station's password, security profile or boot policy",
        {200: Reply("The station", m.Station)}, _S, body=m.StationUpdate, errors=(404,),
    ),
    Route(
        "DELETE", "/api/stations/{station_id}", delete_station,
        "Remove a station (and disconnect it)", _REMOVED, _S, errors=(404,),
    ),
    Route(
        "GET", "/api/stations/{station_id}/transactions", station_transactions,
        "A station's transactions",
        {200: Reply("Transactions", list[m.Transaction])}, (STATION_ID, ACTIVE), errors=(404,),
    ),
    Route(
        "GET", "/api/stations/{station_id}/events", station_events,
        "Events the station reported with NotifyEvent",
        {200: Reply("Events", list[m.Event])}, _S, errors=(404,),
    ),
    Route(
        "GET", "/api/stations/{station_id}/meter-values", station_meter_values,
        "Meter values sent outside transactions (MeterValues)",
        {200: Reply("Meter values", list[m.MeterValue])}, _S, errors=(404,),
    ),
    Route(
        "GET", "/api/stations/{station_id}/reports", station_reports,
        "NotifyReport series received (one per requestId)",
        {200: Reply("Reports", list[m.ReportSummary])}, _S, errors=(404,),
    ),
    Route(
        "GET", "/api/stations/{station_id}/reports/{request_id}", station_report,
        "One report with all its reportData, and whether it is complete",
        {200: Reply("The report", m.Report)}, (STATION_ID, REQUEST_ID), errors=(404,),
    ),
    Route(
        "POST", "/api/stations/{station_id}/calls/{action}", send_call,
        "Send a CSMS-initiated CALL with a raw OCPP payload",
        {200: Reply("The station's CALLRESULT", m.CallResult)},
        (STATION_ID, ACTION, TIMEOUT),
        body=m.CALL_PAYLOAD,
        errors=(404, 409, 502, 504),
        description="The body is the OCPP request payload of `action` with wire names, "
        "validated against the official schema before it is sent.",
    ),
    Route(
        "GET", "/api/transactions", list_transactions, "All transactions",
        {200: Reply("Transactions", list[m.Transaction])}, (ACTIVE, QUERY_STATION_ID),
    ),
    Route(
        "GET", "/api/transactions/{station_id}/{transaction_id}", get_transaction,
        "A transaction with every event and meter value",
        {200: Reply("The transaction", m.TransactionDetail)},
        (STATION_ID, TRANSACTION_ID), errors=(404,),
    ),
    Route("GET", "/api/tokens", list_tokens, "All tokens", {200: Reply("Tokens", list[m.Token])}),
    Route(
        "GET", "/api/tokens/{type}/{id_token}", get_token, "One token",
        {200: Reply("The token", m.Token)}, (TOKEN_TYPE, ID_TOKEN), errors=(404,),
    ),
    Route(
        "PUT", "/api/tokens/{type}/{id_token}", put_token, "Create or replace a token",
        {200: Reply("The token", m.Token)}, (TOKEN_TYPE, ID_TOKEN), body=m.TokenPut,
    ),
    Route(
        "DELETE", "/api/tokens/{type}/{id_token}", delete_token, "Remove a token",
        _REMOVED, (TOKEN_TYPE, ID_TOKEN), errors=(404,),
    ),
    *message_routes(_store),
)  # fmt: skip

OPENAPI: Final[dict[str, Any]] = openapi_document(
    ROUTES,
    {
        "title": "ocppgen reference CSMS operator API",
        "version": "2",
        "description": "Read the state of the CSMS (stations, EVSEs and connectors, "
        "transactions with meter values, events, reports), manage stations, their credentials "
        "and boot policy, manage tokens, and send any CSMS-initiated OCPP 2.0.1 call to a "
        "connected station. Every /api route needs the operator's HTTP Basic credentials. "
        "Errors are RFC 9457 problem details (application/problem+json).",
    },
)
_DOCUMENT: Final = json.dumps(OPENAPI).encode()


def _serve(route: Route) -> Callable[[web.Request], Any]:
    """The aiohttp handler of `route`: the answer goes out through its declared type, so what
    the document says is what clients get (fields the type does not name pass through)."""
    adapters = {
        status: TypeAdapter(reply.model)
        for status, reply in route.replies.items()
        if reply.model is not None
    }

    async def handle(request: web.Request) -> web.StreamResponse:
        answer = await route.handler(request)
        if isinstance(answer, web.StreamResponse):
            return answer
        status, data = answer
        adapter = adapters.get(status)
        if adapter is None:
            return web.Response(status=status)
        text = adapter.dump_json(adapter.validate_python(data), exclude_unset=True)
        return web.Response(status=status, body=text, content_type="application/json")

    return handle


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
    origins = frozenset(web_origin(origin) for origin in allowed_origins)
    limiter = LoginLimiter(login_limits, clock)
    app = web.Application(
        middlewares=[
            problem_errors,
            origin_middleware(origins),
            auth_middleware(user, password, limiter),
            json_bodies,
        ]
    )
    app.on_response_prepare.append(no_sniffing_no_caching)
    app[STORE] = store
    app[CONNECTIONS] = connections
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _serve(route))
    return app
