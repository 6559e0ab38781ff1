"""Security profiles 1-3 at the station level: the reference station (in-process and as the
`ocppgen station` CLI) against a runtime CsmsServer under each profile, with real TLS and
certificates from tests/certs.py. Each profile completes a boot; each refusal (wrong password,
untrusted server certificate, a client certificate for another identity) leaves the station
not Accepted and retrying with an exponential back-off instead of crashing."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.station import Station
from ocppgen.runtime.security import (
    SecurityProfile,
    check_password,
    client_ssl_context,
    server_ssl_context,
)
from tests.certs import Pki
from tests.reference.station.conftest import StationFactory, until
from tests.reference.station.csms import RecordingCsms
from tests.reference.station.process import launch

PASSWORD = "0123456789abcdef0123"
REFUSED_TIME_SCALE = 0.02  # RetryBackOffWaitMinimum 1 s -> 0.02 s: three attempts in 0.1 s
CLI_TIME_SCALE = 0.05
BACK_OFF = {
    "OCPPCommCtrlr.RetryBackOffWaitMinimum": "1",
    "OCPPCommCtrlr.RetryBackOffRandomRange": "0",  # no jitter: the waits are the minimum
}


@dataclass
class Gate:
    """What the CSMS's handshake hooks saw: every HTTP upgrade that reached it."""

    requests: list[tuple[float, str]] = field(default_factory=list)  # (when, identity)
    passwords: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def accept(self, identity: str) -> bool:
        async with self._changed:
            self.requests.append((time.monotonic(), identity))
            self._changed.notify_all()
        return True

    async def wait_requests(self, identity: str, count: int, timeout: float = 5.0) -> list[float]:
        """When the first `count` upgrades of `identity` arrived, waiting for them."""

        def times() -> list[float]:
            return [when for when, who in self.requests if who == identity]

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(times()) >= count)
        return times()[:count]

    async def authenticate(self, identity: str, password: str) -> bool:
        self.passwords.append(password)
        return check_password(PASSWORD, password)


SecuredCsmsFactory = Callable[[int], Awaitable[tuple[RecordingCsms, Gate]]]


@pytest.fixture
async def secured_csms(pki: Pki) -> AsyncIterator[SecuredCsmsFactory]:
    """A runtime CSMS under security profile 1, 2 or 3, and the gate its hooks record in."""
    started: list[RecordingCsms] = []

    async def start(profile: int) -> tuple[RecordingCsms, Gate]:
        gate = Gate()
        options: dict[str, Any] = {"security_profile": profile, "accept_identity": gate.accept}
        if profile in (1, 2):
            options["authenticate"] = gate.authenticate
        if profile >= 2:
            client_ca = pki.ca if profile == 3 else None
            options["ssl_context"] = server_ssl_context(
                pki.server.cert, pki.server.key, client_ca=client_ca
            )
        csms = RecordingCsms()
        started.append(csms)
        await csms.start(**options)
        return csms, gate

    yield start
    for csms in started:
        await csms.close()


class CountingProxy:
    """A loopback TCP forwarder that notes when each connection attempt arrives: it sees the
    station's retries whichever layer (TLS, HTTP) refuses them."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.attempts: list[float] = []
        self._attempted = asyncio.Condition()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with self._attempted:
            self.attempts.append(time.monotonic())
            self._attempted.notify_all()
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def wait_attempts(self, count: int, timeout: float = 5.0) -> list[float]:
        async with asyncio.timeout(timeout), self._attempted:
            await self._attempted.wait_for(lambda: len(self.attempts) >= count)
        return self.attempts[:count]

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    sink.close()


@pytest.fixture
async def proxy_to() -> AsyncIterator[
    Callable[[RecordingCsms], Awaitable[tuple[str, CountingProxy]]]
]:
    proxies: list[CountingProxy] = []

    async def start(csms: RecordingCsms) -> tuple[str, CountingProxy]:
        assert csms.server is not None
        proxy = CountingProxy(csms.server.port)
        proxies.append(proxy)
        port = await proxy.start()
        return csms.url().replace(f":{csms.server.port}/", f":{port}/"), proxy

    yield start
    for proxy in proxies:
        await proxy.close()


def assert_backs_off(attempts: list[float], wait_minimum: float) -> None:
    """Retried, the n-th wait at least RetryBackOffWaitMinimum * 2^n (OCPP-J reconnection
    back-off, doubled per attempt; no jitter here)."""
    waits = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    for index, wait in enumerate(waits):
        assert wait >= wait_minimum * 2**index, waits


async def security_profile_variable(csms: RecordingCsms, identity: str) -> str:
    answer = await csms.call(
        identity,
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "SecurityProfile"}}
            ]
        },
    )
    value: str = answer["getVariableResult"][0]["attributeValue"]
    return value


async def boots(csms: RecordingCsms, station: Station) -> None:
    await station.wait_online(5)
    boot = await csms.recorder.expect("BootNotification")
    assert boot["reason"] == "PowerUp"
    assert csms.recorder.log[0][0] == station.identity
    await csms.recorder.expect("StatusNotification")


# -- each profile completes a boot --------------------------------------------------------------


async def test_profile_1_basic_auth_boots(
    secured_csms: SecuredCsmsFactory, make_station: StationFactory
) -> None:
    csms, gate = await secured_csms(1)
    assert csms.url().startswith("ws://")
    station = await make_station(url=csms.url(), password=PASSWORD)
    await boots(csms, station)
    assert gate.passwords == [PASSWORD]  # sent as Basic auth with the identity as user
    assert csms.server is not None
    conn = csms.server.stations["CS001"]
    assert conn.extra["security_profile"] is SecurityProfile.BASIC_AUTH
    assert conn.websocket.transport.get_extra_info("ssl_object") is None
    assert await security_profile_variable(csms, "CS001") == "1"


async def test_profile_2_tls_basic_auth_boots(
    pki: Pki, secured_csms: SecuredCsmsFactory, make_station: StationFactory
) -> None:
    csms, gate = await secured_csms(2)
    assert csms.url().startswith("wss://")
    station = await make_station(
        url=csms.url(), password=PASSWORD, ssl_context=client_ssl_context(pki.ca)
    )
    await boots(csms, station)
    assert gate.passwords == [PASSWORD]
    assert csms.server is not None
    tls = csms.server.stations["CS001"].websocket.transport.get_extra_info("ssl_object")
    assert tls is not None and tls.version() in ("TLSv1.2", "TLSv1.3")
    assert await security_profile_variable(csms, "CS001") == "2"


# -- refusals: never Accepted, retrying with back-off -----------------------------------------


RefusedAt = Callable[..., Awaitable[Gate]]


@pytest.fixture
def refused_at(
    secured_csms: SecuredCsmsFactory,
    proxy_to: Callable[[RecordingCsms], Awaitable[tuple[str, CountingProxy]]],
    make_station: StationFactory,
) -> RefusedAt:
    """`await refused_at(profile, **station_options)`: a station reaching a CSMS of that
    security profile through a counting proxy tries at least three times, each refused, waiting
    longer each time; nothing reaches the CSMS's OCPP layer. Returns the CSMS's gate (what each
    attempt presented)."""

    async def run(profile: int, **options: Any) -> Gate:
        csms, gate = await secured_csms(profile)
        url, proxy = await proxy_to(csms)
        station = await make_station(
            url=url, overrides=BACK_OFF, time_scale=REFUSED_TIME_SCALE, **options
        )
        assert_backs_off(await proxy.wait_attempts(3), wait_minimum=REFUSED_TIME_SCALE)
        assert station.registration is None and not station.connected
        assert csms.recorder.log == [] and csms.server is not None and not csms.server.stations
        return gate

    return run


async def test_profile_1_wrong_password_refused(refused_at: RefusedAt) -> None:
    gate = await refused_at(1, password="not the password")
    await until(lambda: len(gate.passwords) >= 3)  # each attempt reached the CSMS's check
    assert set(gate.passwords) == {"not the password"}


async def test_profile_2_wrong_password_refused(pki: Pki, refused_at: RefusedAt) -> None:
    gate = await refused_at(2, password="nope", ssl_context=client_ssl_context(pki.ca))
    await until(lambda: len(gate.passwords) >= 3)  # each attempt passed TLS, refused over HTTP
    assert set(gate.passwords) == {"nope"}


async def test_profile_2_untrusted_server_certificate_refused(
    pki: Pki, refused_at: RefusedAt
) -> None:
    assert pki.rogue_ca is not None
    distrusting = client_ssl_context(pki.rogue_ca)  # trusts another CA only
    gate = await refused_at(2, password=PASSWORD, ssl_context=distrusting)
    # the station dropped the server at the TLS handshake: its password never went out
    assert gate.requests == [] and gate.passwords == []


async def test_profile_3_certificate_of_another_identity_refused(
    pki: Pki, refused_at: RefusedAt
) -> None:
    other = pki.client("CS002")  # valid, signed by the trusted CA, but CN = CS002
    context = client_ssl_context(pki.ca, certificate=other.cert, key=other.key)
    gate = await refused_at(3, ssl_context=context)
    await gate.wait_requests("CS001", 3)  # each attempt passed TLS, then 403
    assert {identity for _, identity in gate.requests} == {"CS001"}


# -- the CLI ------------------------------------------------------------------------------------


async def test_profile_3_cli_boots_with_its_certificate_and_is_refused_with_another(
    pki: Pki, secured_csms: SecuredCsmsFactory, tmp_path: Path
) -> None:
    """`ocppgen station --ca --cert --key` as a process: CS001 with its own certificate boots;
    CS002 presenting CS001's certificate is refused, keeps retrying and keeps running."""
    csms, gate = await secured_csms(3)

    def args(identity: str, certificate: str) -> list[str]:
        pair = pki.client(certificate)
        return [
            "--url", csms.url(),
            "--id", identity,
            "--db", str(tmp_path / f"{identity}.db"),
            "--security-profile", "3",
            "--ca", str(pki.ca),
            "--cert", str(pair.cert),
            "--key", str(pair.key),
            "--time-scale", str(CLI_TIME_SCALE),
            *[f"--set={label}={value}" for label, value in BACK_OFF.items()],
        ]  # fmt: skip

    good, impostor = await asyncio.gather(
        launch(*args("CS001", "CS001")), launch(*args("CS002", "CS001"))
    )
    try:
        await good.wait_online()
        boot = await csms.recorder.expect("BootNotification")
        assert boot["chargingStation"]["vendorName"] == "ocppgen"
        assert csms.server is not None
        assert csms.server.stations["CS001"].extra["certificate_identity"] == "CS001"
        assert await security_profile_variable(csms, "CS001") == "3"

        attempts = await gate.wait_requests("CS002", 3)
        assert_backs_off(attempts, wait_minimum=CLI_TIME_SCALE)
        state = await impostor.command("status")
        assert (state["connected"], state["registration"]) == (False, None)
        assert impostor.proc.returncode is None
        assert {s for s, _, _ in csms.recorder.log} == {"CS001"}
        assert await good.stop() == 0 and await impostor.stop() == 0
    finally:
        await good.kill()
        await impostor.kill()
