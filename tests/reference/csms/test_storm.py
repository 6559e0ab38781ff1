"""A reconnect storm on security profile 1 (issue 15 item 4): stations that were connected lose
their connections at once (a network blip) and all reconnect and boot at once. Each reconnect
is served from the verified-credential cache (no scrypt), none is refused, and all are booted
again (how fast: `bench/bench_csms.py --scenarios storm`)."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.store import hash_password
from ocppgen.runtime.security import basic_auth_header
from tests.reference.csms.conftest import csms_config

STATIONS = 80
BOOT = {"reason": "PowerUp", "chargingStation": {"model": "Storm", "vendorName": "ocppgen"}}
_ids = itertools.count()


def identity(n: int) -> str:
    return f"STORM{n:04d}"


def password(n: int) -> str:
    return f"storm-password-{n:04d}-x7Kq"  # stands for 16-40 machine-generated characters


def source(n: int) -> str:
    """Each station connects from an address of its own, as a fleet does."""
    return f"127.0.{1 + n // 250}.{1 + n % 250}"


async def register(csms: Csms) -> None:
    """STATIONS stations with passwords; the scrypt hashes made on every core at once."""
    hashes = await asyncio.gather(
        *(asyncio.to_thread(hash_password, password(n)) for n in range(STATIONS))
    )
    for n, stored in enumerate(hashes):
        csms.store.add_station(identity(n))
        # add_station(password=...) would hash again, one at a time on the event loop
        csms.store.db.execute(
            "UPDATE stations SET password_hash = ? WHERE id = ?", (stored, identity(n))
        )


async def boot(csms: Csms, n: int) -> tuple[ClientConnection, str]:
    """Connect station n and send its BootNotification; the connection and the status."""
    websocket = await connect(
        csms.server.url(identity(n)),
        subprotocols=[Subprotocol("ocpp2.0.1")],
        additional_headers={"Authorization": basic_auth_header(identity(n), password(n))},
        local_addr=(source(n), 0),
        ping_interval=None,
        open_timeout=60,  # the first connections queue for scrypt: slow on a loaded machine
    )
    message_id = f"boot-{next(_ids)}"
    await websocket.send(json.dumps([2, message_id, "BootNotification", BOOT]))
    kind, answered, payload = json.loads(await websocket.recv())
    assert (kind, answered) == (3, message_id), payload
    return websocket, str(payload["status"])


async def boot_all(csms: Csms, batch: int) -> list[ClientConnection]:
    """Every station connected and booted, `batch` at a time."""
    connections: list[ClientConnection] = []
    for start in range(0, STATIONS, batch):
        booted = await asyncio.gather(
            *(boot(csms, n) for n in range(start, min(start + batch, STATIONS)))
        )
        assert {status for _, status in booted} == {"Accepted"}
        connections.extend(websocket for websocket, _ in booted)
    return connections


async def test_a_reconnect_storm_on_profile_1_costs_no_scrypt(tmp_path: Path) -> None:
    async with Csms(csms_config(str(tmp_path / "csms.sqlite3"))) as csms:
        assert csms.server.security_profile == 1
        await register(csms)
        # First connections: one scrypt each, in batches the check queue takes (32 waiting).
        connections = await boot_all(csms, batch=25)
        assert (csms.verified.hits, len(csms.verified)) == (0, STATIONS)

        for websocket in connections:  # the blip: every connection lost at once
            websocket.transport.abort()
        connections = await boot_all(csms, batch=STATIONS)  # all reconnect at once
        # not one scrypt (the time it saves is bench_csms's storm figure, not a timed test)
        assert csms.verified.hits == STATIONS
        async with asyncio.timeout(5):
            while len(csms.server.stations) < STATIONS:  # replaced connections cleared
                await asyncio.sleep(0.01)
        assert {len(csms.store.boots(identity(n))) for n in range(STATIONS)} == {2}
        for websocket in connections:
            await websocket.close()
