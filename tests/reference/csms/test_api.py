"""The operator HTTP API: credentials, the OpenAPI document, station and token management,
CSMS-initiated calls, and clear 4xx/5xx answers for bad input and unreachable stations."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import websockets

from ocppgen.reference.csms.app import Csms
from ocppgen.reference.demo import OperatorClient
from ocppgen.runtime.security import basic_auth_header
from tests.reference.csms.conftest import StationFactory
from tests.reference.csms.helpers import eventually


async def _raw(csms: Csms, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, csms.api_url + path, **kwargs) as response,
    ):
        return response.status, await response.json(content_type=None)


async def test_operator_credentials_required(csms: Csms) -> None:
    status, body = await _raw(csms, "GET", "/api/stations")
    assert status == 401 and "credentials" in body["detail"]
    wrong = {"Authorization": "Basic b3BlcmF0b3I6d3Jvbmc="}  # operator:wrong
    assert (await _raw(csms, "GET", "/api/stations", headers=wrong))[0] == 401
    garbage = {"Authorization": "Basic !!!"}
    assert (await _raw(csms, "GET", "/api/stations", headers=garbage))[0] == 401
    status, document = await _raw(csms, "GET", "/openapi.json")
    assert status == 200 and document["openapi"] == "3.1.0"


async def test_station_management(csms: Csms, api: OperatorClient) -> None:
    status, created = await api.request(
        "POST",
        "/api/stations",
        {"id": "CS9", "password": "secret-secret", "boot_policy": "Pending"},
    )
    assert status == 201
    assert created["has_password"] is True and "password" not in created
    assert "password_hash" not in created
    stored_hash = csms.store.password_hash("CS9")
    assert stored_hash is not None and "secret-secret" not in stored_hash
    assert (await api.request("POST", "/api/stations", {"id": "CS9"}))[0] == 409
    status, updated = await api.request(
        "PATCH", "/api/stations/CS9", {"boot_policy": "Accepted", "heartbeat_interval": 60}
    )
    assert status == 200 and (updated["boot_policy"], updated["heartbeat_interval"]) == (
        "Accepted",
        60,
    )
    status, listed = await api.request("GET", "/api/stations")
    assert [(s["id"], s["connected"]) for s in listed] == [("CS9", False)]
    assert (await api.request("DELETE", "/api/stations/CS9"))[0] == 204
    assert (await api.request("GET", "/api/stations/CS9"))[0] == 404


async def test_token_management(api: OperatorClient) -> None:
    path = "/api/tokens/ISO14443/ABC"
    body = {"status": "Blocked", "group_id": "G", "expires_at": "2030-01-01T00:00:00Z"}
    status, token = await api.request("PUT", path, body)
    assert status == 200
    assert token == {"id_token": "ABC", "type": "ISO14443", **body}
    assert (await api.request("GET", "/api/tokens"))[1] == [token]
    assert (await api.request("DELETE", path))[0] == 204
    assert (await api.request("GET", path))[0] == 404
    assert (await api.request("DELETE", path))[0] == 404


async def test_malformed_requests_get_4xx_with_a_clear_message(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    await station("CS1")
    auth = {
        "Authorization": "Basic b3BlcmF0b3I6b3BlcmF0b3Itc2VjcmV0",  # operator:operator-secret
        "Content-Type": "application/json",
    }
    cases: list[tuple[str, str, Any, int, str]] = [
        ("POST", "/api/stations", "not json", 400, "not valid JSON"),
        ("POST", "/api/stations", "[1, 2]", 400, "must be a JSON object"),
        ("POST", "/api/stations", "", 400, "empty"),
        ("POST", "/api/stations", '{"id": "X", "colour": "red"}', 400, "unknown field(s): colour"),
        ("POST", "/api/stations", '{"password": "x"}', 400, "missing required field 'id'"),
        ("POST", "/api/stations", '{"id": 5}', 400, "field 'id' must be str"),
        ("POST", "/api/stations", '{"id": "X", "boot_policy": "Maybe"}', 400, "boot_policy"),
        ("POST", "/api/stations", '{"id": "a/b"}', 400, "identifierString without ':'"),
        ("POST", "/api/stations", '{"id": "X", "heartbeat_interval": true}', 400, "must be int"),
        ("PUT", "/api/tokens/Badge/ABC", '{"status": "Accepted"}', 400, "token type"),
        ("PUT", "/api/tokens/ISO14443/ABC", '{"status": "Great"}', 400, "status must be one of"),
        (
            "PUT",
            "/api/tokens/ISO14443/A",
            '{"status": "Accepted", "expires_at": "soon"}',
            400,
            "RFC 3339",
        ),
        ("POST", "/api/stations/CS1/calls/Teleport", "{}", 400, "not an OCPP 2.0.1 action"),
        ("POST", "/api/stations/CS1/calls/BootNotification", "{}", 400, "sent by the Charging"),
        ("POST", "/api/stations/CS1/calls/Reset", '{"type": "Sometime"}', 400, "invalid Reset"),
        (
            "POST",
            "/api/stations/CS1/calls/Reset?timeout=-1",
            '{"type": "Immediate"}',
            400,
            "timeout",
        ),
        ("POST", "/api/stations/NOPE/calls/Reset", '{"type": "Immediate"}', 404, "no station"),
        ("POST", "/api/stations/CS1/calls/Reset", '{"type": NaN}', 400, "not valid JSON"),
        (
            "POST",
            "/api/stations/CS1/calls/Reset",
            '{"type": "Immediate", "colour": "red"}',
            400,
            "invalid Reset payload: colour: Extra inputs are not permitted",
        ),
        ("POST", "/api/stations/CS1/calls/Reset", "[]", 400, "must be a JSON object"),
        ("POST", "/api/stations/CS1/calls/Reset", "", 400, "empty"),
        ("PATCH", "/api/stations/CS1", '{"password": null}', 400, "cannot be removed"),
        ("PATCH", "/api/stations/CS1", '{"id": "CS2"}', 400, "unknown field(s): id"),
        ("GET", "/api/transactions?active=maybe", None, 400, "active must be"),
        ("GET", "/api/stations/CS1/reports/x", None, 400, "integer"),
        ("GET", "/api/nothing", None, 404, "no such route"),
        ("DELETE", "/api/tokens", None, 405, "not allowed"),
    ]
    for method, path, data, expected, message in cases:
        status, body = await _raw(csms, method, path, data=data, headers=auth)
        assert (status, message in body["detail"]) == (expected, True), (method, path, body)
    status, body = await _raw(
        csms, "POST", "/api/stations/CS1/calls/Reset", data='{"type": 1}', headers=auth
    )
    assert body["errors"] == [
        {"pointer": "#/type", "detail": "Input should be 'Immediate' or 'OnIdle'"}
    ]


async def test_call_to_a_disconnected_station_fails_clearly(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    csms.store.add_station("OFFLINE")
    status, body = await api.call("OFFLINE", "Reset", {"type": "Immediate"})
    assert (status, body["detail"]) == (409, "station 'OFFLINE' is not connected")
    mini = await station("CS1")
    await mini.close()
    await eventually(lambda: "CS1" not in csms.server.stations)
    status, body = await api.call("CS1", "Reset", {"type": "Immediate"})
    assert status == 409 and "not connected" in body["detail"]


async def test_call_error_from_the_station_comes_back(
    station: StationFactory, api: OperatorClient
) -> None:
    await station("CS1")
    status, body = await api.call("CS1", "ClearCache", {})
    assert status == 502
    assert body["call_error"]["code"] == "NotSupported"
    assert "CALLERROR NotSupported" in body["detail"]


async def test_station_view_shows_the_live_connection(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("CS1")
    status, view = await api.request("GET", "/api/stations/CS1")
    assert status == 200 and view["connected"] is True
    connection = view["connection"]
    host, port = connection.pop("remote_address").rsplit(":", 1)
    assert host == "127.0.0.1" and int(port) > 0
    assert connection == {"security_profile": 1, "subprotocol": "ocpp2.0.1"}
    assert [(b["reason"], b["status"]) for b in view["boots"]] == [("PowerUp", "Accepted")]
    await mini.close()
    await eventually(lambda: "CS1" not in csms.server.stations)
    _, listed = await api.request("GET", "/api/stations")
    assert [(s["id"], s["connected"], s["connection"]) for s in listed] == [("CS1", False, None)]


@asynccontextmanager
async def _raw_station(csms: Csms, identity: str) -> AsyncIterator[websockets.ClientConnection]:
    """A booted station speaking raw OCPP-J: the test decides how (and whether) it answers."""
    password = f"{identity}-password"
    csms.store.add_station(identity, password=password)
    async with websockets.connect(
        csms.ocpp_url + identity,
        subprotocols=[websockets.Subprotocol("ocpp2.0.1")],
        additional_headers={"Authorization": basic_auth_header(identity, password)},
    ) as ws:
        boot = {"chargingStation": {"model": "Raw", "vendorName": "test"}, "reason": "PowerUp"}
        await ws.send(json.dumps([2, "boot-1", "BootNotification", boot]))
        reply = json.loads(await ws.recv())
        assert reply[:2] == [3, "boot-1"] and reply[2]["status"] == "Accepted"
        await csms.server.wait_for_station(identity, timeout=5)
        yield ws


async def test_station_disconnecting_before_it_answers_fails_clearly(
    csms: Csms, api: OperatorClient
) -> None:
    async with _raw_station(csms, "RAW1") as ws:
        pending = asyncio.create_task(api.call("RAW1", "Reset", {"type": "Immediate"}))
        frame = json.loads(await ws.recv())
        assert (frame[0], frame[2], frame[3]) == (2, "Reset", {"type": "Immediate"})
        await ws.close()  # the link drops with the CALL unanswered
        status, body = await pending
    assert (status, body["detail"]) == (409, "station 'RAW1' disconnected before answering")


async def test_station_not_answering_in_time_or_answering_nonsense(
    csms: Csms, api: OperatorClient
) -> None:
    async with _raw_station(csms, "RAW2") as ws:
        status, body = await api.request(
            "POST", "/api/stations/RAW2/calls/Reset?timeout=0.2", {"type": "Immediate"}
        )
        assert (status, body["detail"]) == (504, "RAW2 did not answer Reset in time")
        assert json.loads(await ws.recv())[2] == "Reset"  # it was sent, never answered
        pending = asyncio.create_task(api.call("RAW2", "Reset", {"type": "OnIdle"}))
        frame = json.loads(await ws.recv())
        await ws.send(json.dumps([3, frame[1], {"status": "Maybe"}]))  # not a ResetResponse
        status, body = await pending
    assert status == 502
    assert body["detail"].startswith("RAW2 answered Reset with an invalid CALLRESULT")
    assert body["invalid_result"]["code"] in {"FormatViolation", "PropertyConstraintViolation"}
