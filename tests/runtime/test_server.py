"""CsmsServer over real loopback sockets, with our StationClient and raw `websockets` peers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from ocppgen.generated import v16, v21, v201
from ocppgen.generated.v21.handlers import CsmsHandlers as CsmsHandlers21
from ocppgen.runtime.client import StationClient
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.endpoint import READ_SIZE, Disconnected
from ocppgen.runtime.errors import CallTimeout, OcppError, RemoteCallError
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.security import SecurityProfile, basic_auth_header, check_password
from ocppgen.runtime.server import CsmsServer, station_identity
from tests.runtime.peers import NOW, CsmsHandler, StationHandler, boot_request

V201 = [Subprotocol("ocpp2.0.1")]


@pytest.fixture
async def csms() -> AsyncIterator[tuple[CsmsServer, CsmsHandler]]:
    handler = CsmsHandler()
    server = CsmsServer([(v201.VERSION, handler)], path_prefix="/ocpp", call_timeout=2.0)
    await server.start()
    yield server, handler
    await server.close(grace=0.5)


def station(
    server: CsmsServer,
    identity: str = "CS001",
    *,
    password: str | None = None,
    ping_interval: float | None = 60.0,
) -> StationClient:
    return StationClient(
        server.url(),
        identity,
        [(v201.VERSION, StationHandler())],
        password=password,
        ping_interval=ping_interval,
    )


def test_identity_is_the_last_path_segment() -> None:
    assert station_identity("/ocpp/CS001", "/ocpp/") == "CS001"
    assert station_identity("/ocpp/CS%20001?x=1", "/ocpp/") == "CS 001"
    assert station_identity("/ocpp/RDAM%7C123", "/ocpp/") == "RDAM|123"  # OCPP-J's own example
    assert station_identity("/ocpp/", "/ocpp/") is None
    assert station_identity("/other/CS001", "/ocpp/") is None
    assert station_identity("/ocppx/CS001", "/ocpp/") is None  # a prefix is whole segments
    # the endpoint may be any path under the prefix: the identity is still the last segment
    assert station_identity("/ocpp/a/b", "/ocpp/") == "b"
    assert station_identity("/ocpp/site-7/v2/CS001", "/ocpp/") == "CS001"
    assert station_identity("/any/depth/CS001", "/") == "CS001"
    assert station_identity("/ocpp/" + "x" * 48, "/ocpp/") == "x" * 48
    assert station_identity("/ocpp/" + "x" * 49, "/ocpp/") is None
    assert station_identity("/ocpp/%C3%A9t%C3%A9", "/ocpp/") == "\u00e9t\u00e9"
    for refused in [
        "/ocpp/CS001/",  # empty last segment
        "/ocpp//CS001",  # empty endpoint segment
        "/ocpp/../CS001",  # leaves the prefix
        "/ocpp/./CS001",
        "/ocpp/..",
        "/ocpp/a%2Fb",  # an encoded '/' is not an identity character
        "/ocpp/CS%0A001",  # a control character (would forge log lines)
        "/ocpp/CS%00",
        "/ocpp/CS%ZZ1",  # not percent-encoding
        "/ocpp/CS%4",
        "/ocpp/CS%FF",  # not UTF-8
        "/ocpp/" + "%41" * 49,  # 49 characters once decoded
    ]:
        assert station_identity(refused, "/ocpp/") is None, refused


async def test_boot_gets_typed_response_and_identity_from_url(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, handler = csms
    async with station(server, "CS001") as client:
        conn = await client.connect()
        response = await conn.call(boot_request())
        assert isinstance(response, v201.BootNotificationResponse)
        assert response.interval == 300 and response.status == "Accepted"
        assert list(server.stations) == ["CS001"]
        assert server.stations["CS001"].subprotocol == "ocpp2.0.1"
    assert handler.received[0][:2] == ("CS001", "BootNotification")


async def test_csms_initiated_call_through_the_registry(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, _ = csms
    station_handler = StationHandler()
    async with StationClient(server.url(), "CS002", [(v201.VERSION, station_handler)]) as client:
        await client.connect()
        conn = await server.wait_for_station("CS002")
        response = await conn.call(v201.ResetRequest.from_json_dict({"type": "OnIdle"}))
        assert isinstance(response, v201.ResetResponse) and response.status == "Accepted"
        assert [action for action, _ in station_handler.received] == ["Reset"]
    await asyncio.sleep(0.05)
    assert "CS002" not in server.stations


async def test_wait_for_station_wakes_every_waiter_on_connect_and_forgets_timeouts(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, _ = csms
    with pytest.raises(TimeoutError):
        await server.wait_for_station("CS004", timeout=0.05)
    waiters = [asyncio.ensure_future(server.wait_for_station("CS004")) for _ in range(2)]
    await asyncio.sleep(0.01)
    assert not any(waiter.done() for waiter in waiters)
    async with station(server, "CS004") as client:
        await client.connect()
        first, second = await asyncio.gather(*waiters)
        assert first is second is server.stations["CS004"]
        assert await server.wait_for_station("CS004") is first  # already connected: at once
    assert server._arrivals == {}  # no waiter left behind, timed out or served


async def test_connection_extra_is_public_and_read_only(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, _ = csms
    async with station(server, "CS005") as client:
        await client.connect()
        conn = await server.wait_for_station("CS005")
        assert conn.extra["security_profile"] is SecurityProfile.NONE
        assert conn.extra["subprotocol"] == "ocpp2.0.1"
        assert conn.extra["remote_address"][0] == "127.0.0.1"
        with pytest.raises(TypeError):
            conn.extra["security_profile"] = SecurityProfile.BASIC_AUTH  # type: ignore[index]


async def test_station_client_send_needs_a_connection() -> None:
    client = StationClient("ws://127.0.0.1:1/", "CS001", [(v201.VERSION, None)])
    with pytest.raises(Disconnected):
        await client.send(v201.HeartbeatRequest())


class _StreamCsms(CsmsHandlers21):
    def __init__(self) -> None:
        self.streams: asyncio.Queue[v21.NotifyPeriodicEventStream] = asyncio.Queue()

    async def on_notify_periodic_event_stream(
        self, request: v21.NotifyPeriodicEventStream, context: CallContext
    ) -> None:
        await self.streams.put(request)


async def test_station_client_send_delivers_a_2_1_send_over_the_socket() -> None:
    handler = _StreamCsms()
    async with CsmsServer([(v21.VERSION, handler)]) as server:
        await server.start()
        async with StationClient(server.url(), "CS006", [(v21.VERSION, None)]) as client:
            await client.connect()
            stream = v21.NotifyPeriodicEventStream.from_json_dict(
                {
                    "id": 7,
                    "pending": 0,
                    "basetime": "2024-01-01T00:00:00Z",
                    "data": [{"t": 1.5, "v": "2"}],
                }
            )
            await client.send(stream)  # returns at once: a SEND has no answer
            received = await asyncio.wait_for(handler.streams.get(), 2)
            assert received.to_json_dict() == stream.to_json_dict()


async def test_callerror_raises_remote_call_error_with_code_description_details(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, handler = csms
    handler.fail_with["Heartbeat"] = OcppError("SecurityError", "not now", {"retry": 5})
    async with station(server) as client:
        conn = await client.connect()
        with pytest.raises(RemoteCallError) as raised:
            await conn.call(v201.HeartbeatRequest())
        assert raised.value.code == "SecurityError"
        assert raised.value.description == "not now"
        assert raised.value.details == {"retry": 5}
        # the connection stays usable
        assert isinstance(await conn.call(boot_request()), v201.BootNotificationResponse)


async def test_call_timeout_raises_and_the_next_call_works(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, _ = csms
    slow = StationHandler(delay={"Reset": 0.5})
    async with StationClient(server.url(), "CS003", [(v201.VERSION, slow)]) as client:
        await client.connect()
        conn = await server.wait_for_station("CS003")
        reset = v201.ResetRequest.from_json_dict({"type": "Immediate"})
        with pytest.raises(CallTimeout) as raised:
            await conn.call(reset, timeout=0.1)
        assert raised.value.action == "Reset"
        slow.delay.clear()
        await asyncio.sleep(0.5)  # the late answer arrives and is ignored
        assert isinstance(await conn.call(reset), v201.ResetResponse)


async def test_several_versions_on_one_endpoint_each_with_its_handler() -> None:
    seen: list[tuple[str, str]] = []

    class V16Csms:
        async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
            seen.append((context.version.name, action))
            return v16.HeartbeatResponse.from_json_dict({"currentTime": "2025-01-01T00:00:00Z"})

    handler201 = CsmsHandler()
    server = CsmsServer([(v201.VERSION, handler201), (v16.VERSION, V16Csms())])
    await server.start()
    try:
        old = StationClient(server.url(), "OLD", [(v16.VERSION, None)])
        new = StationClient(server.url(), "NEW", [(v201.VERSION, None)])
        both = StationClient(server.url(), "BOTH", [(v16.VERSION, None), (v201.VERSION, None)])
        async with old, new, both:
            old_conn = await old.connect()
            new_conn = await new.connect()
            both_conn = await both.connect()
            assert old_conn.subprotocol == "ocpp1.6"
            assert new_conn.subprotocol == "ocpp2.0.1"
            assert both_conn.subprotocol == "ocpp2.0.1"  # the server's order decides
            assert isinstance(await old_conn.call(v16.HeartbeatRequest()), v16.HeartbeatResponse)
            assert isinstance(await new_conn.call(v201.HeartbeatRequest()), v201.HeartbeatResponse)
        assert seen == [("1.6", "Heartbeat")]
        assert [action for _, action, _ in handler201.received] == ["Heartbeat"]
    finally:
        await server.close()


async def test_no_common_subprotocol_is_refused(csms: tuple[CsmsServer, CsmsHandler]) -> None:
    server, _ = csms
    with pytest.raises(InvalidStatus) as raised:
        await connect(server.url("CS001"), subprotocols=[Subprotocol("ocpp1.6")])
    assert raised.value.response.status_code == 400
    with pytest.raises(InvalidStatus):
        await connect(server.url("CS001"))  # no subprotocol at all
    client = StationClient(server.url(), "CS001", [(v16.VERSION, None)])
    with pytest.raises(InvalidStatus):
        await client.connect()
    assert not server.stations


async def test_url_without_identity_is_refused(csms: tuple[CsmsServer, CsmsHandler]) -> None:
    server, _ = csms
    with pytest.raises(InvalidStatus) as raised:
        await connect(server.url(""), subprotocols=V201)
    assert raised.value.response.status_code == 404


async def test_identity_hook_refuses_unknown_stations_at_the_handshake() -> None:
    asked: list[str] = []

    async def known(identity: str) -> bool:
        asked.append(identity)
        if identity == "BROKEN":
            raise RuntimeError("store unavailable")
        return identity == "CS001"

    server = CsmsServer([(v201.VERSION, CsmsHandler())], accept_identity=known)
    await server.start()
    try:
        for identity in ("GHOST", "BROKEN"):  # unknown, and a failing hook: both refused
            with pytest.raises(InvalidStatus) as raised:
                await connect(server.url(identity), subprotocols=V201)
            assert raised.value.response.status_code == 404
        async with StationClient(server.url(), "CS001", [(v201.VERSION, None)]) as client:
            await client.connect()
            await server.wait_for_station("CS001")
        assert asked == ["GHOST", "BROKEN", "CS001"]
    finally:
        await server.close()


async def test_basic_auth_wrong_password_refused_at_handshake() -> None:
    async def authenticate(identity: str, password: str) -> bool:
        return identity == "CS001" and check_password("s3cret-s3cret-s3cret", password)

    server = CsmsServer(
        [(v201.VERSION, CsmsHandler())],
        security_profile=SecurityProfile.BASIC_AUTH,
        authenticate=authenticate,
    )
    await server.start()
    try:
        for identity, password in [("CS001", "wrong"), ("CS002", "s3cret-s3cret-s3cret")]:
            with pytest.raises(InvalidStatus) as raised:
                await station(server, identity, password=password).connect()
            assert raised.value.response.status_code == 401
        # user name must be the identity in the URL
        with pytest.raises(InvalidStatus):
            await connect(
                server.url("CS002"),
                subprotocols=V201,
                additional_headers={
                    "Authorization": basic_auth_header("CS001", "s3cret-s3cret-s3cret")
                },
            )
        with pytest.raises(InvalidStatus):
            await connect(server.url("CS001"), subprotocols=V201)  # no credentials
        assert not server.stations
        async with station(server, "CS001", password="s3cret-s3cret-s3cret") as client:
            conn = await client.connect()
            assert isinstance(await conn.call(boot_request()), v201.BootNotificationResponse)
            assert server.stations["CS001"].core.version.name == "2.0.1"
    finally:
        await server.close()


def test_profiles_need_their_configuration() -> None:
    with pytest.raises(ValueError, match="authenticate"):
        CsmsServer([(v201.VERSION, CsmsHandler())], security_profile=1)
    with pytest.raises(ValueError, match="ssl_context"):
        CsmsServer([(v201.VERSION, CsmsHandler())], security_profile=3)


async def test_oversized_frame_refused_without_harm() -> None:
    server = CsmsServer([(v201.VERSION, CsmsHandler())], max_size=4096)
    await server.start()
    try:
        async with station(server, "GOOD") as good:
            good_conn = await good.connect()
            big = await connect(server.url("BIG"), subprotocols=V201)
            await big.send(json.dumps([2, "1", "DataTransfer", {"vendorId": "x" * 10_000}]))
            with pytest.raises(ConnectionClosed):
                await big.recv()
            assert big.close_code == 1009  # message too big
            await asyncio.sleep(0.05)
            assert "BIG" not in server.stations
            # the other station is unaffected, and the big one may come back
            assert isinstance(await good_conn.call(boot_request()), v201.BootNotificationResponse)
            async with station(server, "BIG") as again:
                conn = await again.connect()
                assert isinstance(await conn.call(boot_request()), v201.BootNotificationResponse)
    finally:
        await server.close()


async def test_garbage_is_answered_and_the_connection_stays_up(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, _ = csms
    async with connect(server.url("RAW"), subprotocols=V201) as raw:
        await raw.send("this is not json")
        reply = json.loads(await raw.recv())
        assert reply[0] == 4 and reply[1] == "-1"
        boot = {"chargingStation": {"model": "m", "vendorName": "v"}, "reason": "PowerUp"}
        await raw.send(json.dumps([2, "42", "BootNotification", boot]))
        reply = json.loads(await raw.recv())
        assert reply[:2] == [3, "42"] and reply[2]["status"] == "Accepted"


async def test_binary_frame_closes_with_unsupported_data(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, _ = csms
    async with connect(server.url("BIN"), subprotocols=V201) as raw:
        await raw.send(b"[2]")
        with pytest.raises(ConnectionClosed):
            await raw.recv()
        assert raw.close_code == 1003


async def test_reconnecting_station_replaces_its_previous_connection(
    csms: tuple[CsmsServer, CsmsHandler],
) -> None:
    server, _ = csms
    async with station(server, "CS001") as first, station(server, "CS001") as second:
        first_conn = await first.connect()
        await server.wait_for_station("CS001")
        second_conn = await second.connect()
        await first_conn.wait_closed()
        assert server.stations["CS001"].websocket is not None
        assert isinstance(await second_conn.call(boot_request()), v201.BootNotificationResponse)
        assert first_conn.closed


async def test_ping_keeps_measuring_latency() -> None:
    server = CsmsServer([(v201.VERSION, CsmsHandler())], ping_interval=0.05, ping_timeout=1)
    await server.start()
    try:
        async with station(server, "PING", ping_interval=0.05) as client:
            conn = await client.connect()
            await asyncio.sleep(0.3)
            assert conn.websocket.latency > 0  # client pings were answered
            assert server.stations["PING"].websocket.latency > 0  # and the server's
    finally:
        await server.close()


async def test_graceful_shutdown_answers_calls_in_progress_then_closes_1001() -> None:
    handler = CsmsHandler(delay={"Heartbeat": 0.3})
    server = CsmsServer([(v201.VERSION, handler)])
    await server.start()
    url = server.url("LATE")
    client = station(server, "CS001")
    conn = await client.connect()
    pending = asyncio.create_task(conn.call(v201.HeartbeatRequest()))
    await asyncio.sleep(0.1)  # the CALL is being handled
    await server.close(grace=2.0)
    assert isinstance(await pending, v201.HeartbeatResponse)
    await conn.wait_closed()
    assert conn.websocket.close_code == 1001
    with pytest.raises(OSError):
        await connect(url, subprotocols=V201)
    await client.close()


async def test_sockets_are_read_in_64_kib_chunks_and_bigger_messages_still_arrive() -> None:
    handler = CsmsHandler()
    server = CsmsServer([(v201.VERSION, handler)], path_prefix="/ocpp", max_size=2**18)
    await server.start()
    try:
        async with station(server, "CS001") as client:
            conn = await client.connect()
            peer = await server.wait_for_station("CS001")
            for end in (conn, peer):  # asyncio's default is 256 KiB (see _limit_reads)
                assert end.websocket.transport.max_size == READ_SIZE  # type: ignore[attr-defined]
            sample = {"value": 1.5, "measurand": "Energy.Active.Import.Register"}
            values = [{"timestamp": NOW, "sampledValue": [sample] * 40}] * 60
            request = v201.TransactionEventRequest.from_json_dict(
                {
                    "eventType": "Updated",
                    "timestamp": NOW,
                    "triggerReason": "MeterValuePeriodic",
                    "seqNo": 1,
                    "transactionInfo": {"transactionId": "T1"},
                    "meterValue": values,
                }
            )
            assert len(request.to_json()) > 2 * READ_SIZE
            response = await conn.call(request)
            assert isinstance(response, v201.TransactionEventResponse)
            assert handler.received[-1][2] == request
    finally:
        await server.close(grace=0.5)
