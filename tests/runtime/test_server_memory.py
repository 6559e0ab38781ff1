"""What an open connection keeps (issue 15 item 3): not the opening handshake's headers, which
hold the station's Basic-auth password and cost ~3 KiB per idle connection."""

from __future__ import annotations

from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from ocppgen.generated import v201
from ocppgen.runtime.security import SecurityProfile, basic_auth_header, check_password
from ocppgen.runtime.server import CsmsServer
from tests.runtime.peers import CsmsHandler

PASSWORD = "a-password-nobody-keeps-0123"


async def accept(identity: str, password: str) -> bool:
    return check_password(PASSWORD, password)


async def test_an_open_connection_keeps_no_handshake_headers() -> None:
    server = CsmsServer(
        [(v201.VERSION, CsmsHandler())],
        security_profile=SecurityProfile.BASIC_AUTH,
        authenticate=accept,
        path_prefix="/ocpp/",
    )
    await server.start()
    try:
        async with connect(
            server.url("CS001"),
            subprotocols=[Subprotocol("ocpp2.0.1")],
            additional_headers={"Authorization": basic_auth_header("CS001", PASSWORD)},
        ) as station:
            conn = await server.wait_for_station("CS001")
            websocket = conn.websocket
            assert websocket.request is not None
            assert websocket.request.path == "/ocpp/CS001"  # kept: websockets reads it
            assert "Authorization" not in websocket.request.headers
            assert list(websocket.request.headers.raw_items()) == []
            assert websocket.response is None
            assert conn.extra["path"] == "/ocpp/CS001"
            await station.send('[2,"1","Heartbeat",{}]')
            assert '"currentTime"' in str(await station.recv())  # still serving
    finally:
        await server.close()
