"""Fixtures: a running reference CSMS on a fresh SQLite file, the operator's HTTP client, and
stations registered in it: `station` (a `MiniStation` that sends exactly what a test says) and
`reference_station` (the reference `Station`, driven by plug-in / token / unplug)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.app import Csms, CsmsConfig
from ocppgen.reference.demo import OperatorClient
from ocppgen.reference.station import Station
from tests.pg import throwaway_postgres
from tests.reference.csms.ministation import MiniStation

OPERATOR = ("operator", "operator-secret")

StationFactory = Callable[..., Awaitable[MiniStation]]
ReferenceStationFactory = Callable[..., Awaitable[Station]]

STATION_TIME_SCALE = 0.05
"""The reference stations' intervals run 20 times faster (MessageTimeout 30 s -> 1.5 s)."""
STATION_OVERRIDES = {
    "SampledDataCtrlr.TxUpdatedInterval": "0",  # no periodic meter values unless asked for
    "OCPPCommCtrlr.RetryBackOffWaitMinimum": "1",
    "OCPPCommCtrlr.RetryBackOffRandomRange": "1",
}


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
async def reference_station(csms: Csms, tmp_path: Path) -> AsyncIterator[ReferenceStationFactory]:
    """`await reference_station("CS1", evses=(1,), overrides={...}, **station_fields)`: a
    reference Station registered in the CSMS, started, and accepted (online)."""
    started: list[Station] = []

    async def make(
        identity: str,
        *,
        evses: tuple[int, ...] = (1,),
        overrides: dict[str, str] | None = None,
        **fields: object,
    ) -> Station:
        password = f"pw-{identity}-0123456789"
        csms.store.add_station(identity, password=password, **fields)  # type: ignore[arg-type]
        station = Station(
            csms.ocpp_url,
            identity,
            db_path=tmp_path / f"{identity}.station.sqlite3",
            evses=evses,
            password=password,
            overrides={**STATION_OVERRIDES, **(overrides or {})},
            time_scale=STATION_TIME_SCALE,
        )
        started.append(station)
        await station.start()
        await station.wait_online(timeout=5)
        return station

    yield make
    for station in started:
        await station.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    with throwaway_postgres("ocppgen_csms") as url:
        yield url
