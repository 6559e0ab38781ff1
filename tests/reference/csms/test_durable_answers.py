"""Every TransactionEvent the CSMS answered is stored, even when the process is killed (SIGKILL)
in the middle of a burst from several stations: the answer goes out after the COMMIT.

SIGKILL loses the process, not the operating system's page cache, so this checks the order
(answer after commit), not the fsync; `test_group_commit` checks the synchronous settings that
make a commit survive power loss."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import websockets
from websockets.typing import Subprotocol

from ocppgen.reference.csms.db import open_database
from tests.reference.csms.helpers import tx_event

STATIONS = 4
KILL_AFTER = 300  # answered events in all, then SIGKILL while the stations keep sending
BOOT = {
    "reason": "PowerUp",
    "chargingStation": {"model": "Durable", "vendorName": "ocppgen"},
}


async def _start_csms(database: str) -> tuple[asyncio.subprocess.Process, str]:
    """The CSMS as its own process (profile 0); its OCPP base URL."""
    stations = [arg for n in range(STATIONS) for arg in ("--station", f"DUR{n}")]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ocppgen",
        "csms",
        "--port",
        "0",
        "--api-port",
        "0",
        "--security-profile",
        "0",
        "--database",
        database,
        "--operator-password",
        "durable-operator",
        *stations,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    url = ""
    async with asyncio.timeout(20):
        while True:
            line = (await process.stdout.readline()).decode()
            assert line, "the CSMS exited before it was ready"
            if line.startswith("OCPP endpoint"):
                url = line.split()[2].removesuffix("<station")  # "...<station identity>"
            if "Ctrl+C" in line:
                return process, url


async def _call(
    ws: websockets.ClientConnection,
    ids: itertools.count[int],
    action: str,
    payload: Mapping[str, Any],
) -> list[Any]:
    message_id = str(next(ids))
    await ws.send(json.dumps([2, message_id, action, payload]))
    reply = json.loads(await ws.recv())
    assert reply[1] == message_id
    return list(reply)


async def _station(
    url: str, identity: str, answered: set[tuple[str, int]], enough: asyncio.Event
) -> None:
    """Send TransactionEvents one after another until the connection dies; record each seqNo
    answered with a CALLRESULT."""
    ids = itertools.count()
    try:
        async with websockets.connect(
            url + identity, subprotocols=[Subprotocol("ocpp2.0.1")]
        ) as ws:
            reply = await _call(ws, ids, "BootNotification", BOOT)
            assert reply[0] == 3 and reply[2]["status"] == "Accepted"
            for seq_no in itertools.count():
                event = tx_event(
                    f"TX-{identity}",
                    seq_no,
                    "Started" if seq_no == 0 else "Updated",
                    energy=seq_no * 10,
                )
                reply = await _call(ws, ids, "TransactionEvent", event)
                assert reply[0] == 3, reply
                answered.add((identity, seq_no))
                if len(answered) >= KILL_AFTER:
                    enough.set()
    except (websockets.ConnectionClosed, OSError):
        return  # the CSMS was killed


def _stored(database: str) -> set[tuple[str, int]]:
    db = open_database(database)
    try:
        rows = db.query("SELECT station_id, seq_no FROM transaction_events")
    finally:
        db.close()
    return {(row["station_id"], row["seq_no"]) for row in rows}


async def _kill_mid_burst(database: str) -> None:
    process, url = await _start_csms(database)
    answered: set[tuple[str, int]] = set()
    enough = asyncio.Event()
    try:
        stations = [
            asyncio.ensure_future(_station(url, f"DUR{n}", answered, enough))
            for n in range(STATIONS)
        ]
        async with asyncio.timeout(15):
            await enough.wait()
        process.send_signal(signal.SIGKILL)
        async with asyncio.timeout(10):
            await asyncio.gather(*stations)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    # (asyncio may report 255 rather than -9 for a killed child it could not wait for itself)
    assert process.returncode is not None
    stored = _stored(database)
    assert len(answered) >= KILL_AFTER
    assert answered <= stored, sorted(answered - stored)[:10]
    # each station's answered events are its first seqNos, 0, 1, 2, ... with no hole
    for n in range(STATIONS):
        seq_nos = sorted(s for station, s in answered if station == f"DUR{n}")
        assert seq_nos == list(range(len(seq_nos)))


async def test_answered_events_survive_sigkill_sqlite(tmp_path: Path) -> None:
    await _kill_mid_burst(str(tmp_path / "durable.sqlite3"))


async def test_answered_events_survive_sigkill_postgresql(postgres_url: str) -> None:
    await _kill_mid_burst(postgres_url)
