"""Handshake policy and security profiles, disconnects mid-transaction, PostgreSQL, the stored
schema and its migrations, the CLI and the demo."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
import websockets

from ocppgen.reference.csms import cli as csms_cli
from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.db import (
    MIGRATIONS_DIR,
    SqliteDatabase,
    migrate,
    migrations,
    open_database,
)
from ocppgen.reference.csms.store import Store, hash_password, verify_password
from ocppgen.reference.demo import OperatorClient, run_demo
from ocppgen.reference.station import Station
from ocppgen.runtime.security import basic_auth_header, client_ssl_context, server_ssl_context
from tests.certs import Pki
from tests.reference.csms.conftest import (
    OPERATOR,
    STATION_OVERRIDES,
    STATION_TIME_SCALE,
    ReferenceStationFactory,
    StationFactory,
    csms_config,
)
from tests.reference.csms.helpers import eventually, tx_event
from tests.reference.csms.ministation import MiniStation
from tests.runtime.ocpp_peers import connect_ocpp_station


async def test_unknown_or_wrongly_authenticated_stations_refused_at_the_handshake(
    csms: Csms, api: OperatorClient
) -> None:
    csms.store.add_station("CS1", password="right-password")
    # Under profile 1 an unknown identity gets the same 401 as a wrong password: a 404 would
    # tell anyone without credentials which identities are registered.
    for identity, password, status in [("GHOST", "any-password", 401), ("CS1", "wrong", 401)]:
        mini = MiniStation(csms.ocpp_url, identity, password)
        with pytest.raises(websockets.InvalidStatus) as caught:
            await mini.client.connect()
        assert caught.value.response.status_code == status
    assert dict(csms.server.stations) == {}
    # a password changed through the API: the old one is refused, the new one works
    status, _ = await api.request("PATCH", "/api/stations/CS1", {"password": "new-password"})
    assert status == 200
    with pytest.raises(websockets.InvalidStatus):
        await MiniStation(csms.ocpp_url, "CS1", "right-password").client.connect()
    mini = MiniStation(csms.ocpp_url, "CS1", "new-password")
    await mini.client.connect()
    assert (await mini.boot()).status == "Accepted"
    await mini.close()


def test_passwords_are_stored_salted_and_hashed() -> None:
    secret = "correct horse battery staple"
    first, second = hash_password(secret), hash_password(secret)
    assert first != second  # salted
    assert secret not in first and first.startswith("scrypt$")
    assert verify_password(first, secret) and not verify_password(first, secret.upper())
    assert not verify_password(None, "pw") and not verify_password("plain", "plain")


async def test_unknown_station_refused_at_the_handshake_without_basic_auth(
    tmp_path: Path,
) -> None:
    config = csms_config(str(tmp_path / "csms.sqlite3"))
    config.security_profile = 0
    async with Csms(config) as running:
        running.store.add_station("CS1", security_profile=0)
        with pytest.raises(websockets.InvalidStatus) as caught:
            await MiniStation(running.ocpp_url, "GHOST", None).client.connect()
        assert caught.value.response.status_code == 404
        mini = MiniStation(running.ocpp_url, "CS1", None)
        await mini.client.connect()
        assert (await mini.boot()).status == "Accepted"
        await mini.close()


async def test_e11_nothing_lost_when_a_station_disconnects_mid_transaction(
    csms: Csms, station: StationFactory
) -> None:
    mini = await station("CS1")
    csms.store.put_token("T1", "ISO14443", "Accepted")
    transaction_id, _ = await mini.start_transaction(1, "T1")
    await mini.meter(1, 500.0)
    connection = mini.client.connection
    assert connection is not None
    await connection.close()  # the link drops mid-transaction
    await eventually(lambda: "CS1" not in csms.server.stations)
    stored = csms.store.transaction("CS1", transaction_id)
    assert stored is not None
    assert (stored["state"], len(stored["event_log"]), stored["energy_wh"]) == ("Started", 2, 500.0)
    await mini.client.wait_connected(timeout=5)  # reconnects (back-off), no new boot needed
    await mini.meter(1, 900.0)
    await mini.stop_transaction(1, 1200.0)
    done = csms.store.transaction("CS1", transaction_id)
    assert done is not None
    assert (done["state"], done["complete"], done["energy_wh"]) == ("Ended", True, 1200.0)
    assert [e["seq_no"] for e in done["event_log"]] == [0, 1, 2, 3]


async def test_e11_reference_station_offline_mid_transaction_nothing_lost(
    csms: Csms, reference_station: ReferenceStationFactory, api: OperatorClient
) -> None:
    """The link drops while charging: the stored transaction stays, and what the station
    queued while offline arrives (offline=true) and is stored once it is back."""
    csms.store.put_token("T1", "ISO14443", "Accepted")
    station = await reference_station("CS1")
    await station.plug_in(1)
    assert await station.present_token("T1") == "Accepted"
    [ongoing] = await eventually(lambda: csms.store.transactions("CS1", active=True))
    path = f"/api/transactions/CS1/{ongoing['transaction_id']}"
    await station.go_offline()
    await eventually(lambda: "CS1" not in csms.server.stations)
    status, before = await api.request("GET", path)
    assert (status, before["state"], before["events"]) == (200, "Started", ongoing["events"])
    await station.unplug(1)  # the transaction ends while offline: queued
    await station.go_online()
    await csms.server.wait_for_station("CS1", timeout=5)
    await station.idle(timeout=5)
    status, after = await api.request("GET", path)
    assert status == 200
    assert (after["state"], after["complete"], after["stopped_reason"]) == (
        "Ended",
        True,
        "EVDisconnected",
    )
    log = after["event_log"]
    assert [e["seq_no"] for e in log] == list(range(len(log)))
    assert log[0]["offline"] is False
    assert (log[-1]["event_type"], log[-1]["offline"]) == ("Ended", True)
    assert after["offline_events"] >= 1
    assert [b["status"] for b in csms.store.boots("CS1")] == ["Accepted"]  # no new boot


async def test_station_needing_a_higher_security_profile_is_disconnected(csms: Csms) -> None:
    csms.store.add_station("CS2", password="cs2-password", security_profile=2)
    mini = MiniStation(csms.ocpp_url, "CS2", "cs2-password")
    conn = await mini.client.connect()  # the handshake passes (profile 1 credentials) ...
    await eventually(lambda: conn.closed)  # ... but the CSMS closes it: profile 1 < 2
    assert "CS2" not in csms.server.stations
    assert csms.store.boots("CS2") == []
    await mini.close()


async def test_profile_3_station_view_shows_the_certificate_identity(
    tmp_path: Path, pki: Pki
) -> None:
    config = csms_config(str(tmp_path / "csms.sqlite3"))
    config.security_profile = 3
    config.ssl_context = server_ssl_context(pki.server.cert, pki.server.key, client_ca=pki.ca)
    async with Csms(config) as running:
        running.store.add_station("CS001", security_profile=3)
        station = Station(
            running.server.url(host="localhost"),
            "CS001",
            db_path=tmp_path / "cs001.sqlite3",
            ssl_context=client_ssl_context(
                pki.ca, certificate=pki.client("CS001").cert, key=pki.client("CS001").key
            ),
            overrides=STATION_OVERRIDES,
            time_scale=STATION_TIME_SCALE,
        )
        api = OperatorClient(running.api_url, *OPERATOR)
        try:
            await station.start()
            await station.wait_online(timeout=5)
            status, view = await api.request("GET", "/api/stations/CS001")
            assert status == 200 and view["registration_status"] == "Accepted"
            connection = view["connection"]
            assert connection.pop("remote_address").startswith("127.0.0.1:")
            assert connection == {
                "security_profile": 3,
                "subprotocol": "ocpp2.0.1",
                "certificate_identity": "CS001",
            }
        finally:
            await api.close()
            await station.stop()


def test_migrations_are_numbered_applied_once_and_recorded(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "m.sqlite3")
    assert migrate(db) == [n for n, _, _ in migrations(db.dialect)]
    assert migrate(db) == []
    rows = db.query("SELECT version, name FROM schema_version ORDER BY version")
    assert rows[0] == {"version": 1, "name": "initial"}
    db.execute("INSERT INTO schema_version VALUES (999, 'future', 'now')")
    with pytest.raises(RuntimeError, match="newer than this code"):
        migrate(db)
    db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend: a SQLite file, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "old.sqlite3")
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_migration_0002_upgrades_a_version_1_database_keeping_its_data(
    tmp_path: Path, database_url: str
) -> None:
    first_only = tmp_path / "migrations"
    first_only.mkdir()
    for name in ("0001_initial.sql",):
        (first_only / name).write_text((MIGRATIONS_DIR / name).read_text())
    db = open_database(database_url)
    assert migrate(db, first_only) == [1]
    db.execute(
        "INSERT INTO stations (id, created_at, registration_status) VALUES ('OLD', 'x', 'Accepted')"
    )
    db.execute(
        "INSERT INTO transactions (station_id, transaction_id, state, id_token, token_type) "
        "VALUES ('OLD', 'TX', 'Started', 'T1', 'ISO14443')"
    )
    db.close()
    store = Store.open(database_url)  # applies 0002
    try:
        assert store.station("OLD")["registration_status"] == "Accepted"  # type: ignore[index]
        [old] = store.transactions("OLD")
        assert (old["transaction_id"], old["id_token_status"]) == ("TX", None)
        # answered before the upgrade: unknown, so it does not block the token (no ConcurrentTx)
        assert store.authorized_transactions("T1", "ISO14443") == []
        assert store.boots("OLD") == []
        store.record_boot("OLD", {"reason": "PowerUp"}, "Accepted")
        assert [(b["reason"], b["status"]) for b in store.boots("OLD")] == [("PowerUp", "Accepted")]
        assert store.delete_station("OLD")  # its boots go with it (ON DELETE CASCADE)
        assert store.db.query("SELECT COUNT(*) AS n FROM boot_notifications")[0]["n"] == 0
    finally:
        store.close()


def test_boots_listed_in_the_order_received(database_url: str) -> None:
    """Boots within one millisecond share received_at: the order they came in still holds
    (PostgreSQL returns ties in any order), and the limit keeps the latest."""
    store = Store.open(database_url)
    try:
        store.add_station("B")
        statuses = [f"Pending-{n}" for n in range(24)]
        for status in statuses:
            store.record_boot("B", {"reason": "PowerUp"}, status)
        assert [b["status"] for b in store.boots("B")] == statuses[-20:]
        assert [b["status"] for b in store.boots("B", limit=3)] == statuses[-3:]
    finally:
        store.close()


async def test_postgresql_store_end_to_end(postgres_url: str) -> None:
    async with Csms(csms_config(postgres_url)) as csms:
        assert csms.store.db.dialect == "postgresql"
        csms.store.add_station("PG1", password="pg-password")
        csms.store.put_token("T1", "ISO14443", "Accepted")
        mini = MiniStation(csms.ocpp_url, "PG1", "pg-password")
        try:
            await mini.start()
            assert (await mini.boot()).status == "Accepted"
            assert await mini.authorize("T1") == "Accepted"
            transaction_id, _ = await mini.start_transaction(1, "T1")
            await mini.meter(1, 250.0)
            await mini.stop_transaction(1, 700.0)
        finally:
            await mini.close()
    reopened = Store.open(postgres_url)  # the state survives the process
    try:
        stored = reopened.transaction("PG1", transaction_id)
        assert stored is not None
        assert (stored["state"], stored["complete"], stored["energy_wh"]) == ("Ended", True, 700.0)
        assert reopened.connectors("PG1")[0]["status"] == "Available"
        assert stored["id_token_status"] == "Accepted"  # the new column on PostgreSQL too
        latest = reopened.db.query("SELECT MAX(version) AS v FROM schema_version")[0]["v"]
        assert latest == len(migrations(reopened.db.dialect))
        assert [b["status"] for b in reopened.boots("PG1")] == ["Accepted"]
        # late, out-of-order events on PostgreSQL too
        reopened.add_transaction_event("PG1", tx_event("TX2", 1, "Ended", energy=10))
        assert reopened.transaction("PG1", "TX2")["missing_seq_nos"] == [0]  # type: ignore[index]
    finally:
        reopened.close()


async def test_interop_ocpp_package_stations(csms: Csms, api: OperatorClient) -> None:
    """Stations built with the `ocpp` package from PyPI boot, authorize, run a transaction and
    answer CSMS-initiated calls sent through the operator API."""
    from ocpp.v201 import call

    csms.store.put_token("PYPI", "ISO14443", "Accepted")
    handles = []
    try:
        for identity in ("PY1", "PY2"):
            csms.store.add_station(identity, password=f"{identity}-password")
            handle = await connect_ocpp_station(
                csms.ocpp_url + identity,
                identity,
                headers={"Authorization": basic_auth_header(identity, f"{identity}-password")},
            )
            handles.append(handle)
            boot = await handle.station.boot()
            assert boot.status == "Accepted"
            auth = await handle.station.call(
                call.Authorize(id_token={"id_token": "PYPI", "type": "ISO14443"}), suppress=False
            )
            assert auth.id_token_info["status"] == "Accepted"
            for seq, kind in enumerate(("Started", "Ended")):
                result = await handle.station.call(
                    call.TransactionEvent(
                        event_type=kind,
                        timestamp="2025-01-01T12:00:00Z",
                        trigger_reason="Authorized" if kind == "Started" else "StopAuthorized",
                        seq_no=seq,
                        transaction_info={"transaction_id": f"{identity}-TX"},
                        id_token={"id_token": "PYPI", "type": "ISO14443"},
                        meter_value=[
                            {
                                "timestamp": "2025-01-01T12:00:00Z",
                                "sampled_value": [{"value": 100.0 * (seq + 1)}],
                            }
                        ],
                    ),
                    suppress=False,
                )
                assert result.id_token_info["status"] == "Accepted"
            stored = csms.store.transaction(identity, f"{identity}-TX")
            assert stored is not None and stored["complete"] and stored["energy_wh"] == 200.0
            status, body = await api.call(
                identity,
                "GetVariables",
                {
                    "getVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                        }
                    ]
                },
            )
            assert status == 200
            assert body["payload"]["getVariableResult"][0]["attributeValue"] == "300"
            status, body = await api.call(identity, "Reset", {"type": "OnIdle"})
            assert (status, body["payload"]) == (200, {"status": "Accepted"})
            assert [name for name, _ in handle.station.received] == ["GetVariables", "Reset"]
    finally:
        for handle in handles:
            await handle.close()


def test_cli_registers_the_csms_subcommand() -> None:
    parser = argparse.ArgumentParser()
    csms_cli.register(parser.add_subparsers())
    args = parser.parse_args(["csms"])
    assert args.func is csms_cli.run
    assert (args.port, args.api_port, args.security_profile) == (9000, 9080, 1)
    assert args.database.endswith(".sqlite3")
    with pytest.raises(SystemExit, match="--tls-cert"):
        csms_cli._config(parser.parse_args(["csms", "--security-profile", "2"]))
    given = parser.parse_args(["csms", "--boot-policy", "CS2=Pending", "--token", "AB=Blocked"])
    assert (given.boot_policy, given.token) == ([("CS2", "Pending")], [("AB", "Blocked")])
    assert parser.parse_args(["csms", "--token", "CD"]).token == [("CD", "Accepted")]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--boot-policy", "CS2=Maybe", "POLICY one of Accepted, Pending, Rejected"),
        ("--boot-policy", "CS2", "expected ID=POLICY"),
        ("--token", "AB=Fine", "STATUS one of Accepted, Blocked"),
        ("--token", "=Blocked", "expected IDTOKEN"),
    ],
)
def test_cli_names_what_is_wrong_with_a_bad_argument(
    option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="ocppgen")
    csms_cli.register(parser.add_subparsers())
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["csms", option, value])
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


async def test_cli_serves_until_interrupted(tmp_path: Path) -> None:
    script = (
        "import argparse, sys\n"
        "from ocppgen.reference.csms import cli\n"
        "p = argparse.ArgumentParser(); cli.register(p.add_subparsers())\n"
        "a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        "csms",
        "--port",
        "0",
        "--api-port",
        "0",
        "--database",
        str(tmp_path / "cli.sqlite3"),
        "--station",
        "CLI1:cli-password",
        "--station",
        "CLI2:cli-password",
        "--boot-policy",
        "CLI2=Pending",
        "--token",
        "CLITOKEN1",
        "--token",
        "CLITOKEN2=Blocked",
        "--operator-password",
        OPERATOR[1],
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(20):
        while not lines or "Ctrl+C" not in lines[-1]:
            lines.append((await process.stdout.readline()).decode())
    api_url = next(line for line in lines if line.startswith("operator API")).split()[2]
    client = OperatorClient(api_url.removesuffix("/api"), *OPERATOR)
    try:
        status, stations = await client.request("GET", "/api/stations")
        assert status == 200 and [s["id"] for s in stations] == ["CLI1", "CLI2"]
        assert [s["boot_policy"] for s in stations] == ["Accepted", "Pending"]
        status, tokens = await client.request("GET", "/api/tokens")
        assert status == 200
        assert {t["id_token"]: t["status"] for t in tokens} == {
            "CLITOKEN1": "Accepted",
            "CLITOKEN2": "Blocked",
        }
    finally:
        await client.close()
    process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_demo_runs_the_basic_use_cases(tmp_path: Path) -> None:
    output: list[str] = []
    status = await asyncio.wait_for(run_demo(tmp_path, stations=2, out=output.append), 60)
    assert status == 0, "\n".join(output)
    assert not any(" FAIL " in line for line in output)
    assert (tmp_path / "demo.sqlite3").exists()
    # progress lines name the use cases the stations went through
    for shown in [
        "B01 boot: Accepted",
        "B02 boot: Pending, configured, Accepted",
        "C01 blocked token refused",
        "E05 token in use elsewhere refused",
        "E09 EV unplugged: transaction ended",
        "B11 Reset: rebooted and accepted",
    ]:
        assert any(shown in line for line in output), shown
    # the summary: one row per station, read back from the CSMS, then the verdict
    header = next(i for i, line in enumerate(output) if line.startswith("station "))
    rows = [line.split() for line in output[header + 1 : header + 3]]
    assert [row[0] for row in rows] == ["CS001", "CS002"]
    for row, transactions in zip(rows, ("1", "2"), strict=True):  # CS002's 2nd: ConcurrentTx
        assert row[1].startswith("127.0.0.1:") and row[2] == "Accepted"
        assert row[3].endswith("->Accepted(reset)") and row[4] == transactions
        assert float(row[5]) > 0
        passed, total = row[6].split("/")
        assert passed == total and int(total) > 10
    assert rows[1][3].startswith("Pending->Accepted")  # CS002 was registered Pending (B02)
    steps = sum(int(row[6].split("/")[1]) for row in rows)
    assert output[-1].startswith("demo OK: ") and "2 stations" in output[-1]
    assert int(output[-1].split()[2]) >= steps
