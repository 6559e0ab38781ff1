"""CsmsServer handshake checks (issue 13, items 9, 12, 15, 18): the identity in the URL, duplicate
Authorization headers, limits on failed Basic auth, and station certificates under profile 3."""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from ocppgen.generated import v201
from ocppgen.runtime.client import StationClient
from ocppgen.runtime.security import (
    AuthLimits,
    FailureLimiter,
    SecurityProfile,
    address_key,
    basic_auth_header,
    check_password,
    client_certificate_problem,
    client_ssl_context,
    server_ssl_context,
)
from ocppgen.runtime.server import DEFAULT_BACKLOG, CsmsServer
from tests.certs import CertPair, Pki
from tests.runtime.peers import CsmsHandler, boot_request

V201 = [Subprotocol("ocpp2.0.1")]
DEFAULT = AuthLimits()
PASSWORDS = {f"CS00{n}": f"password-of-CS00{n}-0123" for n in range(1, 6)}


class PasswordBook:
    """An `authenticate` hook over PASSWORDS that records what it was asked."""

    def __init__(self, work: float = 0.0) -> None:
        self.asked: list[tuple[str, str]] = []
        self.running = 0
        self.most_running = 0
        self._work = work

    async def __call__(self, identity: str, password: str) -> bool:
        self.asked.append((identity, password))
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            if self._work:
                await asyncio.sleep(self._work)  # stands for the hash's CPU time
            return check_password(PASSWORDS.get(identity, "\0"), password)
        finally:
            self.running -= 1


def basic_server(
    book: PasswordBook, limits: AuthLimits | None = DEFAULT, **kwargs: object
) -> CsmsServer:
    return CsmsServer(
        [(v201.VERSION, CsmsHandler())],
        security_profile=SecurityProfile.BASIC_AUTH,
        authenticate=book,
        auth_limits=limits,
        path_prefix="/ocpp",
        **kwargs,  # type: ignore[arg-type]
    )


async def handshake_status(
    server: CsmsServer, identity: str, password: str, source: str = "127.0.0.1"
) -> int:
    """The HTTP status of a handshake from `source` (101 when the connection opens)."""
    try:
        websocket = await connect(
            server.url(identity),
            subprotocols=V201,
            additional_headers={"Authorization": basic_auth_header(identity, password)},
            local_addr=(source, 0),
        )
    except InvalidStatus as refused:
        return refused.response.status_code
    await websocket.close()
    return 101


# -- item 9: the identity is the last segment of the connection URL ----------------------------


async def test_endpoint_path_at_any_depth_under_the_prefix_and_percent_decoded() -> None:
    server = CsmsServer([(v201.VERSION, CsmsHandler())], path_prefix="/ocpp")
    await server.start()
    try:
        base = f"ws://127.0.0.1:{server.port}"
        async with connect(f"{base}/ocpp/site-7/CS001", subprotocols=V201):
            conn = await server.wait_for_station("CS001")
            assert conn.extra["path"] == "/ocpp/site-7/CS001"
        async with StationClient(f"{base}/ocpp", "RDAM|123", [(v201.VERSION, None)]) as client:
            assert client.url.endswith("/ocpp/RDAM%7C123")
            await (await client.connect()).call(boot_request())
            assert "RDAM|123" in server.stations
        for path in ("/other/CS001", "/ocpp/CS001/", "/ocpp/../CS001", "/ocpp/CS%0A1"):
            with pytest.raises(InvalidStatus) as raised:
                await connect(base + path, subprotocols=V201)
            assert raised.value.response.status_code == 404, path
    finally:
        await server.close(grace=0.5)


# -- item 12: several Authorization headers -----------------------------------------------------


async def raw_handshake(port: int, headers: list[tuple[str, str]]) -> bytes:
    """Send a WebSocket handshake by hand; the server's response head."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [
        "GET /ocpp/CS001 HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: " + base64.b64encode(b"0123456789abcdef").decode(),
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: ocpp2.0.1",
        *(f"{name}: {value}" for name, value in headers),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    writer.close()
    await writer.wait_closed()
    return head


async def test_two_authorization_headers_get_400_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    book = PasswordBook()
    server = basic_server(book)
    await server.start()
    try:
        right = basic_auth_header("CS001", PASSWORDS["CS001"])
        with caplog.at_level(logging.INFO):
            head = await raw_handshake(
                server.port, [("Authorization", right), ("Authorization", right)]
            )
        assert head.startswith(b"HTTP/1.1 400 "), head
        assert not [record for record in caplog.records if record.exc_info]
        assert "refused CS001 from 127.0.0.1:" in caplog.text
        assert "2 Authorization headers" in caplog.text
        assert book.asked == []  # refused before any password check
        head = await raw_handshake(server.port, [("Authorization", right)])
        assert head.startswith(b"HTTP/1.1 101 "), head  # one header is fine
    finally:
        await server.close(grace=0.5)


# -- item 15: limits on failed Basic auth, and no registry oracle ------------------------------


async def test_failed_passwords_lock_the_identity_and_the_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    book = PasswordBook()
    limits = AuthLimits(identity_burst=3, address_burst=5)
    server = basic_server(book, limits)
    await server.start()
    try:
        with caplog.at_level(logging.WARNING, logger="ocppgen.runtime"):
            for _ in range(3):
                assert await handshake_status(server, "CS001", "guess") == 401
        assert "identity CS001 locked (identity CS001, address 127.0.0.1:" in caplog.text
        assert len(book.asked) == 3
        # locked: even the right password is refused, and not checked
        try:
            await connect(
                server.url("CS001"),
                subprotocols=V201,
                additional_headers={
                    "Authorization": basic_auth_header("CS001", PASSWORDS["CS001"])
                },
            )
        except InvalidStatus as refused:
            assert refused.response.status_code == 429
            assert 0 < int(refused.response.headers["Retry-After"]) <= 60
        else:
            pytest.fail("a locked identity connected")
        assert len(book.asked) == 3
        # another identity from another address is not affected
        assert await handshake_status(server, "CS002", PASSWORDS["CS002"], "127.0.0.2") == 101
        # two more failures from 127.0.0.1 (other identities) use up its 5: it is locked too
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="ocppgen.runtime"):
            assert await handshake_status(server, "CS003", "guess") == 401
            assert await handshake_status(server, "CS004", "guess") == 401
        assert "address 127.0.0.1 locked (identity CS004" in caplog.text
        assert await handshake_status(server, "CS005", PASSWORDS["CS005"]) == 429
        assert await handshake_status(server, "CS005", PASSWORDS["CS005"], "127.0.0.2") == 101
        assert len(book.asked) == 7  # CS001 x3, CS002, CS003, CS004, CS005 from 127.0.0.2
        # failures from elsewhere lock CS002, but not out of the address it got in from
        for _ in range(3):
            assert await handshake_status(server, "CS002", "guess", "127.0.0.3") == 401
        assert await handshake_status(server, "CS002", PASSWORDS["CS002"], "127.0.0.4") == 429
        assert await handshake_status(server, "CS002", PASSWORDS["CS002"], "127.0.0.2") == 101
        # and its success does not unlock it for the others
        assert await handshake_status(server, "CS002", "guess", "127.0.0.3") == 429
    finally:
        await server.close(grace=0.5)


async def test_no_limits_when_disabled() -> None:
    book = PasswordBook()
    server = basic_server(book, None)
    await server.start()
    try:
        for _ in range(12):
            assert await handshake_status(server, "CS001", "guess") == 401
        assert await handshake_status(server, "CS001", PASSWORDS["CS001"]) == 101
    finally:
        await server.close(grace=0.5)


async def test_unknown_identity_gets_the_same_401_and_the_identity_hook_comes_after() -> None:
    asked: list[str] = []

    async def known(identity: str) -> bool:
        asked.append(identity)
        return identity in PASSWORDS

    book = PasswordBook()
    server = basic_server(book, accept_identity=known)
    await server.start()
    try:
        assert await handshake_status(server, "GHOST", "guess") == 401
        assert await handshake_status(server, "CS001", "guess") == 401
        assert asked == []  # the password is checked first, for known and unknown alike
        assert [identity for identity, _ in book.asked] == ["GHOST", "CS001"]
        assert await handshake_status(server, "CS001", PASSWORDS["CS001"]) == 101
        assert asked == ["CS001"]
    finally:
        await server.close(grace=0.5)


async def test_concurrent_password_checks_are_bounded() -> None:
    book = PasswordBook(work=0.02)
    server = basic_server(book, AuthLimits(identity_burst=50, concurrent_checks=2))
    await server.start()
    try:
        statuses = await asyncio.gather(
            *(handshake_status(server, "CS001", f"guess-{n}") for n in range(8))
        )
        assert statuses == [401] * 8
        assert len(book.asked) == 8 and book.most_running == 2
    finally:
        await server.close(grace=0.5)


async def test_parallel_attempts_get_no_more_checks_than_the_limit() -> None:
    book = PasswordBook(work=0.02)
    server = basic_server(book, AuthLimits(identity_burst=3))
    await server.start()
    try:
        statuses = await asyncio.gather(
            *(handshake_status(server, "CS001", f"guess-{n}") for n in range(8))
        )
        assert sorted(statuses) == [401] * 3 + [429] * 5
        assert len(book.asked) == 3
    finally:
        await server.close(grace=0.5)


async def test_password_checks_past_the_queue_get_503_but_known_stations_go_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = asyncio.Event()

    async def held(identity: str, password: str) -> bool:
        if password == "right":
            return True
        await gate.wait()
        return False

    server = CsmsServer(
        [(v201.VERSION, CsmsHandler())],
        security_profile=SecurityProfile.BASIC_AUTH,
        authenticate=held,
        auth_limits=AuthLimits(identity_burst=50, concurrent_checks=1, queued_checks=1),
    )
    await server.start()
    try:
        assert await handshake_status(server, "CS009", "right", "127.0.0.9") == 101
        first = [asyncio.create_task(handshake_status(server, "CS001", "guess")) for _ in range(2)]
        async with asyncio.timeout(5):  # one check running, one waiting for its slot
            while server._auth_pending < 2:
                await asyncio.sleep(0.001)
        with caplog.at_level(logging.WARNING, logger="ocppgen.runtime"):
            assert await handshake_status(server, "CS002", "guess", "127.0.0.2") == 503
            assert await handshake_status(server, "CS003", "guess", "127.0.0.3") == 503
        assert caplog.text.count("password checks running or waiting; refusing more") == 1
        # a station that got in from this address before does not wait behind the others
        assert await handshake_status(server, "CS009", "right", "127.0.0.10") == 503
        assert await handshake_status(server, "CS009", "right", "127.0.0.9") == 101
        gate.set()
        assert await asyncio.gather(*first) == [401, 401]
        assert server._auth_pending == 0
        assert await handshake_status(server, "CS002", "guess", "127.0.0.2") == 401
    finally:
        await server.close(grace=0.5)


def test_failure_limiter_refills_and_forgets() -> None:
    now = [0.0]
    limiter = FailureLimiter(2, 10.0, max_tracked=2, clock=lambda: now[0])
    assert limiter.retry_after("a") == 0
    assert limiter.failed("a") is False
    assert limiter.failed("a") is True  # the second failure empties the bucket
    assert limiter.retry_after("a") == pytest.approx(10.0)
    now[0] = 4.0
    assert limiter.retry_after("a") == pytest.approx(6.0)
    now[0] = 10.0
    assert limiter.retry_after("a") == 0  # one more attempt per 10 s
    assert limiter.failed("a") is True
    limiter.refund("a")  # an attempt counted up front that did not fail
    assert limiter.retry_after("a") == 0
    assert limiter.failed("a") is True
    limiter.succeeded("a")
    assert limiter.retry_after("a") == 0
    limiter.refund("a")  # nothing to give back: the bucket is full
    assert limiter.failed("a") is False
    limiter.succeeded("a")
    for key in ("b", "c", "d"):  # at most 2 buckets: the oldest goes
        limiter.failed(key)
        limiter.failed(key)
    assert limiter.retry_after("b") == 0 and limiter.retry_after("d") > 0
    with pytest.raises(ValueError):
        AuthLimits(identity_burst=0)


def test_address_key_groups_ipv6_by_64() -> None:
    assert address_key(("127.0.0.1", 5555)) == "127.0.0.1"
    assert address_key(("2001:db8:1:2:aaaa::1", 5555, 0, 0)) == "2001:db8:1:2::/64"
    assert address_key(("2001:db8:1:2:bbbb::9", 1)) == "2001:db8:1:2::/64"
    assert address_key(("::ffff:10.0.0.1", 1)) == "10.0.0.1"
    assert address_key(("fe80::1%eth0", 1)) == "fe80::/64"


# -- item 18: the station certificate must be an end-entity clientAuth one ----------------------


def der(pair: CertPair | None) -> bytes:
    assert pair is not None
    return ssl.PEM_cert_to_DER_cert(pair.cert.read_text())


def test_client_certificate_problem_from_the_certificate_alone(pki: Pki) -> None:
    assert client_certificate_problem(der(pki.client("CS001"))) is None
    assert client_certificate_problem(der(pki.no_usage_client)) is None
    assert "CA:TRUE" in (client_certificate_problem(der(pki.ca_client)) or "")
    assert "clientAuth" in (client_certificate_problem(der(pki.server_usage_client)) or "")
    ca = ssl.PEM_cert_to_DER_cert(Path(pki.ca).read_text())
    assert "CA:TRUE" in (client_certificate_problem(ca) or "")
    for garbage in (b"", b"\x30\x82\xff", der(pki.ca_client)[:-40], b"\x04\x00"):
        assert client_certificate_problem(garbage) == "it cannot be parsed"


@pytest.fixture
async def mtls_server(pki: Pki) -> AsyncIterator[CsmsServer]:
    server = CsmsServer(
        [(v201.VERSION, CsmsHandler())],
        security_profile=SecurityProfile.TLS_CLIENT_CERTIFICATE,
        ssl_context=server_ssl_context(pki.server.cert, pki.server.key, client_ca=pki.ca),
    )
    await server.start()
    yield server
    await server.close(grace=0.5)


def station_with(server: CsmsServer, pki: Pki, pair: CertPair | None) -> StationClient:
    assert pair is not None
    context = client_ssl_context(pki.ca, certificate=pair.cert, key=pair.key)
    return StationClient(
        server.url(host="localhost"), "CS001", [(v201.VERSION, None)], ssl_context=context
    )


async def test_profile_3_refuses_a_ca_certificate_with_the_station_cn(
    pki: Pki, mtls_server: CsmsServer, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="ocppgen.runtime"),
        pytest.raises(InvalidStatus) as raised,
    ):
        await station_with(mtls_server, pki, pki.ca_client).connect()
    assert raised.value.response.status_code == 403
    assert "refused CS001 from 127.0.0.1:" in caplog.text
    assert "basicConstraints CA:TRUE" in caplog.text
    assert not mtls_server.stations


async def test_profile_3_certificate_without_client_auth_usage_refused_by_tls(
    pki: Pki, mtls_server: CsmsServer
) -> None:
    with pytest.raises((ssl.SSLError, ConnectionError, InvalidHandshake)):
        client = station_with(mtls_server, pki, pki.server_usage_client)
        conn = await client.connect()
        await conn.call(boot_request(), timeout=1)  # TLS 1.3: the refusal comes after
    assert not mtls_server.stations


async def test_profile_3_end_entity_certificate_without_extended_key_usage_accepted(
    pki: Pki, mtls_server: CsmsServer
) -> None:
    async with station_with(mtls_server, pki, pki.no_usage_client) as client:
        conn = await client.connect()
        assert isinstance(await conn.call(boot_request()), v201.BootNotificationResponse)
        assert mtls_server.stations["CS001"].extra["certificate_identity"] == "CS001"


# -- issue 15 item 4: reconnect storms ----------------------------------------------------------


async def refusal(server: CsmsServer, identity: str, password: str, source: str) -> tuple[int, str]:
    """Status and Retry-After of a handshake that is refused."""
    try:
        websocket = await connect(
            server.url(identity),
            subprotocols=V201,
            additional_headers={"Authorization": basic_auth_header(identity, password)},
            local_addr=(source, 0),
        )
    except InvalidStatus as refused:
        return refused.response.status_code, refused.response.headers.get("Retry-After", "")
    await websocket.close()
    return 101, ""


class Held:
    """Profile 1 `authenticate`: password "right" is accepted at once, "held" once `gate` is
    set; `entered` counts the checks that started."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.entered = 0

    async def __call__(self, identity: str, password: str) -> bool:
        if password == "held":
            self.entered += 1
            await self.gate.wait()
        return password in ("right", "held")

    async def until_entered(self, count: int) -> None:
        async with asyncio.timeout(5):
            while self.entered < count:
                await asyncio.sleep(0.001)


def held_server(held: Held, checks: int, queued: int, **kwargs: object) -> CsmsServer:
    limits = AuthLimits(
        identity_burst=100, address_burst=100, concurrent_checks=checks, queued_checks=queued
    )
    return CsmsServer(
        [(v201.VERSION, CsmsHandler())],
        security_profile=SecurityProfile.BASIC_AUTH,
        authenticate=held,
        auth_limits=limits,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_the_known_address_lane_is_bounded_too() -> None:
    # After a network blip every station is known: an unbounded wait there held handshakes
    # until websockets' open_timeout aborted them at 10 s.
    held = Held()
    server = held_server(held, checks=1, queued=0)
    await server.start()
    try:
        assert await handshake_status(server, "CS009", "right", "127.0.0.9") == 101
        first = asyncio.create_task(handshake_status(server, "CS009", "held", "127.0.0.9"))
        await held.until_entered(1)
        async with asyncio.timeout(5):
            status, retry_after = await refusal(server, "CS009", "held", "127.0.0.9")
        assert status == 503 and int(retry_after) >= 1
        held.gate.set()
        assert await first == 101
        assert await handshake_status(server, "CS009", "right", "127.0.0.9") == 101
    finally:
        await server.close(grace=0.5)


async def test_refused_handshakes_get_later_and_later_turns() -> None:
    held = Held()
    server = held_server(held, checks=1, queued=0)
    await server.start()
    try:
        for _ in range(30):  # fast checks in the known lane do not shorten the other lane's turns
            assert await handshake_status(server, "CS009", "right", "127.0.0.9") == 101
        waiting = asyncio.create_task(handshake_status(server, "CS001", "held", "127.0.0.1"))
        await held.until_entered(1)
        turns = []
        for n in range(60):
            status, retry_after = await refusal(server, f"CS{n}", "held", "127.0.0.2")
            assert status == 503
            turns.append(int(retry_after))
        # One check time (50 ms until one is measured) per refused station: 60 of them need
        # about 3 s, so the last turns are later than the first instead of all being equal.
        assert turns[0] == 1 and max(turns) >= 2 and turns[-1] > turns[0], turns
        held.gate.set()
        assert await waiting == 101
    finally:
        await server.close(grace=0.5)


async def test_open_timeout_reaches_websockets() -> None:
    held = Held()
    server = held_server(held, checks=1, queued=0, open_timeout=0.3)
    await server.start()
    try:
        with pytest.raises(InvalidHandshake):  # the server drops the connection mid-handshake
            await connect(
                server.url("CS001"),
                subprotocols=V201,
                additional_headers={"Authorization": basic_auth_header("CS001", "held")},
                open_timeout=5,
            )
    finally:
        held.gate.set()
        await server.close(grace=0.5)


async def test_the_listening_socket_queues_a_storm_of_connections() -> None:
    # asyncio's default backlog of 100 makes the kernel drop the rest of a fleet's SYNs.
    server = CsmsServer([(v201.VERSION, CsmsHandler())])
    await server.start()
    try:
        listing = subprocess.run(
            ["ss", "-Hltn", f"sport = :{server.port}"], capture_output=True, text=True, check=True
        ).stdout.split()
        somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
        assert int(listing[2]) == min(DEFAULT_BACKLOG, somaxconn) > 100  # Send-Q: the backlog
    finally:
        await server.close(grace=0.5)
