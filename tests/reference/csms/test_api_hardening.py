"""The operator API under hostile input (issue 13, items 13-15): JSON 4xx for bad bodies and ids on
both database backends, a JSON 500 for the unexpected, no cross-site requests, and a lockout after
repeated failed logins. Each test serves `make_api` on 127.0.0.1 with a real store."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from ocppgen.reference.csms.api import OPENAPI, identifier_problem, make_api
from ocppgen.reference.csms.api_models import Problem
from ocppgen.reference.csms.store import Store
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.security import AuthLimits, basic_auth_header

USER, PASSWORD = "operator", "operator-secret"
AUTH = basic_auth_header(USER, PASSWORD)
JSON = {"Content-Type": "application/json"}


class Clock:
    """The lockout's time source, moved by the test instead of waiting out a lockout."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Api:
    url: str
    store: Store
    clock: Clock

    async def request(
        self,
        method: str,
        path: str,
        *,
        data: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: str | None = AUTH,
        source: str = "127.0.0.1",
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body or None, headers) of one request sent from address `source`."""
        sent = {**({"Authorization": auth} if auth else {}), **(headers or {})}
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.request(method, self.url + path, data=data, headers=sent) as response,
        ):
            expected = "application/json" if response.status < 400 else "application/problem+json"
            assert response.content_type == expected or response.status == 204
            body = await response.json(content_type=expected) if response.status != 204 else None
            if response.status >= 400:  # RFC 9457: the status repeated, a title, a detail
                problem = Problem.model_validate(body)
                assert problem.status == response.status and problem.title and problem.detail
            return response.status, body, dict(response.headers)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = str(tmp_path / "csms.sqlite3")
    else:
        url = request.getfixturevalue("postgres_url")
    opened = Store.open(url)
    yield opened
    opened.close()


@asynccontextmanager
async def serve(store: Store, **options: Any) -> AsyncIterator[Api]:
    clock = Clock()
    connections: dict[str, OcppConnection] = {}
    app = make_api(store, lambda: connections, user=USER, password=PASSWORD, clock=clock, **options)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield Api(f"http://{host}:{port}", store, clock)
    finally:
        await runner.cleanup()


@pytest.fixture
async def api(store: Store) -> AsyncIterator[Api]:
    async with serve(store) as running:
        yield running


# -- item 13: JSON 400 for bad bodies and ids, on both backends ----------------------------------

BAD_BODIES: list[tuple[str, bytes, str]] = [
    ("deep", b'{"id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    ("utf-8", b'{"id": "CS\xff"}', "not valid UTF-8"),
    ("surrogate", b'{"id": "CS\\ud800"}', "lone surrogate"),
    ("nul", b'{"id": "n\\u0000l"}', "identifierString"),
    ("colon", b'{"id": "CS:1"}', "identifierString"),
    ("space", b'{"id": "CS 1"}', "identifierString"),
    ("long", b'{"id": "' + b"C" * 49 + b'"}', "1..48"),
    ("password", b'{"id": "CS1", "password": "pw\\ud800pw"}', "lone surrogate"),
    ("password nul", b'{"id": "CS1", "password": "pw\\u0000pw"}', "password"),
    ("deep field", b'{"id": "CS1", "pending_variables": ' + b"[" * 99 + b"]" * 99 + b"}", "deep"),
]


@pytest.mark.parametrize(
    ("body", "message"), [(b, m) for _, b, m in BAD_BODIES], ids=[n for n, _, _ in BAD_BODIES]
)
async def test_bad_station_bodies_are_json_400(api: Api, body: bytes, message: str) -> None:
    status, answer, _ = await api.request("POST", "/api/stations", data=body, headers=JSON)
    assert status == 400 and message in answer["detail"], answer
    assert api.store.stations() == []


BAD_PATHS: list[tuple[str, str, str | None]] = [
    ("GET", "/api/stations/n%00l", None),
    ("GET", "/api/stations/CS%ED%A0%80", None),
    ("GET", "/api/stations/CS:1", None),
    ("PATCH", "/api/stations/n%00l", '{"boot_policy": "Accepted"}'),
    ("DELETE", "/api/stations/n%00l", None),
    ("GET", "/api/stations/n%00l/transactions", None),
    ("POST", "/api/stations/n%00l/calls/Reset", '{"type": "Immediate"}'),
    ("GET", "/api/transactions?station_id=n%00l", None),
    ("GET", "/api/transactions/n%00l/TX1", None),
    ("GET", "/api/transactions/CS1/T%00X", None),
    ("GET", "/api/tokens/ISO14443/A%00B", None),
    ("PUT", "/api/tokens/ISO14443/A%20B", '{"status": "Accepted"}'),
    ("PUT", "/api/tokens/ISO14443/AB", '{"status": "Accepted", "group_id": "G\\u0000"}'),
    ("DELETE", "/api/tokens/ISO14443/A%00B", None),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_PATHS)
async def test_bad_ids_in_paths_and_fields_are_json_400(
    api: Api, method: str, path: str, body: str | None
) -> None:
    api.store.add_station("CS1")
    status, answer, _ = await api.request(method, path, data=body, headers=JSON)
    assert status == 400 and "identifierString" in answer["detail"], answer


async def test_ids_the_rule_allows_work_on_both_backends(api: Api) -> None:
    identity = "Cs-01*_=+|@." + "x" * 36  # every extra character, 48 long
    body = json.dumps({"id": identity, "password": "a printable pass: 1"})
    status, created, _ = await api.request("POST", "/api/stations", data=body, headers=JSON)
    assert status == 201 and created["id"] == identity
    status, view, _ = await api.request("GET", f"/api/stations/{identity}")
    assert status == 200 and view["id"] == identity
    token = "00:1A:2B:3C:4D:5E"  # a MacAddress idToken keeps its ':'
    path = f"/api/tokens/MacAddress/{token}"
    status, stored, _ = await api.request("PUT", path, data='{"status": "Accepted"}', headers=JSON)
    assert status == 200 and stored["id_token"] == token


async def test_unexpected_failure_is_a_logged_json_500(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.store.close()  # the database is gone: the handler fails in a way nobody planned for
    with caplog.at_level(logging.ERROR, logger="ocppgen.reference.csms.api"):
        status, answer, headers = await api.request("GET", "/api/stations")
    assert status == 500 and "internal error" in answer["detail"]
    assert "Traceback" not in answer["detail"] and headers["Content-Type"].startswith(
        "application/problem+json"
    )
    [record] = [r for r in caplog.records if r.name == "ocppgen.reference.csms.api"]
    assert "GET /api/stations" in record.getMessage() and record.exc_info is not None


# -- item 14: no cross-site requests ---------------------------------------------------------------

EVIL = "http://evil.example"


async def test_text_plain_body_is_415_and_creates_nothing(api: Api) -> None:
    body = '{"id": "EVIL1", "password": "attacker-password"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        status, answer, _ = await api.request(
            "POST", "/api/stations", data=body, headers={"Content-Type": content_type}
        )
        assert status == 415 and "application/json" in answer["detail"], content_type
    status, _, _ = await api.request(
        "POST",
        "/api/stations",
        data=body,
        headers={"Content-Type": "application/json; charset=latin-1"},
    )
    assert status == 415
    assert api.store.stations() == []


async def test_foreign_origin_is_403_even_with_json(api: Api) -> None:
    body = '{"id": "EVIL1", "password": "attacker-password"}'
    for content_type in ("text/plain", "application/json"):
        headers = {"Content-Type": content_type, "Origin": EVIL}
        status, answer, _ = await api.request("POST", "/api/stations", data=body, headers=headers)
        assert status == 403 and EVIL in answer["detail"]
    status, _, _ = await api.request("GET", "/api/stations", headers={"Origin": "null"})
    assert status == 403
    assert api.store.stations() == []


async def test_own_origin_and_allowed_origins_pass(store: Store) -> None:
    console = "https://console.example:8443"
    async with serve(store, allowed_origins=[console + "/"]) as api:
        body = '{"id": "CS1"}'
        own = {**JSON, "Origin": api.url}
        assert (await api.request("POST", "/api/stations", data=body, headers=own))[0] == 201
        allowed = {"Origin": console.upper().replace("HTTPS", "https")}
        assert (await api.request("GET", "/api/stations/CS1", headers=allowed))[0] == 200
        assert (await api.request("GET", "/api/stations/CS1", headers={"Origin": EVIL}))[0] == 403
    with pytest.raises(ValueError, match="origin"):
        make_api(store, dict, user=USER, password=PASSWORD, allowed_origins=["console.example"])


async def test_every_answer_is_nosniff_and_no_store(api: Api) -> None:
    answers = [
        await api.request("GET", "/api/stations"),
        await api.request("GET", "/api/stations/NOPE"),
        await api.request("GET", "/api/stations", auth=None),
        await api.request("GET", "/api/stations", headers={"Origin": EVIL}),
        await api.request(
            "POST", "/api/stations", data="{}", headers={"Content-Type": "text/plain"}
        ),
        await api.request("GET", "/openapi.json", auth=None),
    ]
    for status, _, headers in answers:
        assert headers["X-Content-Type-Options"] == "nosniff", status
        assert headers["Cache-Control"] == "no-store", status


# -- item 15: lockout after failed logins ----------------------------------------------------------


def _basic(user: str, password: str) -> str:
    return basic_auth_header(user, password)


async def test_failed_logins_lock_the_user_until_the_lockout_ends(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    limits = AuthLimits(identity_burst=3, identity_refill=30, address_burst=100)
    async with serve(store, login_limits=limits) as api:
        wrong = _basic(USER, "guess")
        with caplog.at_level(logging.WARNING, logger="ocppgen.reference.csms.api"):
            for _ in range(3):
                assert (await api.request("GET", "/api/stations", auth=wrong))[0] == 401
        [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warning.startswith("operator API: user 'operator' locked after 3 failed logins")
        assert "address 127.0.0.1" in warning and "every 30 s" in warning
        # locked: even the right password from another address is refused, without a check
        status, answer, headers = await api.request("GET", "/api/stations", source="127.0.0.2")
        assert (status, headers["Retry-After"]) == (429, "30")
        assert "too many failed logins" in answer["detail"]
        api.clock.now += 29.5
        status, _, headers = await api.request("GET", "/api/stations", source="127.0.0.2")
        assert (status, headers["Retry-After"]) == (429, "1")
        api.clock.now += 0.5
        assert (await api.request("GET", "/api/stations", source="127.0.0.2"))[0] == 200


async def test_failed_logins_lock_the_source_address(store: Store) -> None:
    limits = AuthLimits(identity_burst=100, address_burst=3, address_refill=10)
    async with serve(store, login_limits=limits) as api:
        for user in ("root", "admin", "ops"):  # a new user each time: only the address counts
            assert (await api.request("GET", "/api/stations", auth=_basic(user, "x")))[0] == 401
        assert (await api.request("GET", "/api/stations"))[0] == 429
        assert (await api.request("GET", "/api/stations", auth=None))[0] == 429
        assert (await api.request("GET", "/api/stations", source="127.0.0.2"))[0] == 200


async def test_failures_long_ago_or_before_a_success_do_not_add_up(store: Store) -> None:
    limits = AuthLimits(identity_burst=3, identity_refill=30, address_burst=100)
    async with serve(store, login_limits=limits) as api:
        wrong = _basic(USER, "guess")
        for _ in range(2):
            assert (await api.request("GET", "/api/stations", auth=wrong))[0] == 401
        api.clock.now += 60  # the bucket refills: those two no longer count
        for _ in range(2):
            assert (await api.request("GET", "/api/stations", auth=wrong))[0] == 401
        assert (await api.request("GET", "/api/stations"))[0] == 200  # success forgets them
        for _ in range(2):
            assert (await api.request("GET", "/api/stations", auth=wrong))[0] == 401
        for _ in range(3):  # no credentials at all is not a guess
            assert (await api.request("GET", "/api/stations", auth=None))[0] == 401
        assert (await api.request("GET", "/api/stations"))[0] == 200


async def test_default_limits_stop_a_fast_guesser(api: Api) -> None:
    statuses = [
        (await api.request("GET", "/api/stations", auth=_basic(USER, f"guess-{n}")))[0]
        for n in range(AuthLimits().identity_burst + 5)
    ]
    assert statuses == [401] * AuthLimits().identity_burst + [429] * 5
    same_length = _basic(USER, "x" * len(PASSWORD))
    assert (await api.request("GET", "/api/stations", auth=same_length, source="127.0.0.3"))[
        0
    ] == 429


def test_openapi_id_patterns_state_the_same_rule() -> None:
    schemas = OPENAPI["components"]["schemas"]
    station = re.compile(schemas["StationCreate"]["properties"]["id"]["pattern"])
    [group_id, null] = schemas["TokenPut"]["properties"]["group_id"]["anyOf"]
    assert null == {"type": "null"}
    token = re.compile(group_id["pattern"])
    samples = ["CS-1", "a:b", "n\x00l", "CS 1", "é", "x" * 36, "x" * 37, "x" * 48, "x" * 49, ""]
    for value in samples + [chr(c) for c in range(128)]:
        for pattern, length, colon in ((station, 48, False), (token, 36, True)):
            allowed = identifier_problem(value, max_length=length, colon=colon) is None
            assert (pattern.fullmatch(value) is not None) == allowed, (value, pattern)
