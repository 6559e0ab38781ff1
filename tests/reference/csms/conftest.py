"""Fixtures: a running reference CSMS on a fresh SQLite file, the operator's HTTP client, and
stations registered in it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from ocppgen.reference.csms.app import Csms, CsmsConfig
from ocppgen.reference.demo import MiniStation, OperatorClient

OPERATOR = ("operator", "operator-secret")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

StationFactory = Callable[..., Awaitable[MiniStation]]


def csms_config(database: str) -> CsmsConfig:
    return CsmsConfig(
        database=database,
        ocpp_port=0,
        api_port=0,
        operator_user=OPERATOR[0],
        operator_password=OPERATOR[1],
        boot_retry_interval=1,
        call_timeout=5.0,
        ping_interval=None,
    )


@pytest.fixture
async def csms(tmp_path: Path) -> AsyncIterator[Csms]:
    async with Csms(csms_config(str(tmp_path / "csms.sqlite3"))) as running:
        yield running


@pytest.fixture
async def api(csms: Csms) -> AsyncIterator[OperatorClient]:
    client = OperatorClient(csms.api_url, *OPERATOR)
    yield client
    await client.close()


@pytest.fixture
async def station(csms: Csms) -> AsyncIterator[StationFactory]:
    """`await station("CS1", boot=True, **station_fields)`: registered, connected (and booted)."""
    started: list[MiniStation] = []

    async def make(identity: str, *, boot: bool = True, **fields: object) -> MiniStation:
        password = f"pw-{identity}-0123456789"
        csms.store.add_station(identity, password=password, **fields)  # type: ignore[arg-type]
        mini = MiniStation(csms.ocpp_url, identity, password)
        started.append(mini)
        await mini.start()
        if boot:
            response = await mini.boot()
            assert response.status == "Accepted"
        return mini

    yield make
    for mini in started:
        await mini.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    name = f"ocppgen_csms_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
