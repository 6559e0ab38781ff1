"""Fixtures: recording CSMSs on loopback and a station factory with a fresh SQLite file.

`csms` is the CSMS on ocppgen's runtime; `any_csms` is that one and, as a second parameter, the
independent one built with the `ocpp` package. `make_station` connects to whichever of the two
the test asks for (`csms` when it asks for neither)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.station import Station
from tests.reference.station.csms import AnyCsms, OcppPackageCsms, RecordingCsms

TIME_SCALE = 0.05
"""Every configured interval runs 20 times faster (MessageTimeout 30 s -> 1.5 s)."""

BASE_OVERRIDES = {
    "SampledDataCtrlr.TxUpdatedInterval": "0",  # no periodic meter values unless a test asks
    "OCPPCommCtrlr.RetryBackOffRandomRange": "1",
    "OCPPCommCtrlr.RetryBackOffWaitMinimum": "1",
}

StationFactory = Callable[..., Awaitable[Station]]


@pytest.fixture
async def csms() -> AsyncIterator[RecordingCsms]:
    server = RecordingCsms()
    await server.start()
    yield server
    await server.close()


@pytest.fixture(params=["runtime", "ocpp"])
async def any_csms(
    request: pytest.FixtureRequest,
) -> AsyncIterator[RecordingCsms | OcppPackageCsms]:
    server = RecordingCsms() if request.param == "runtime" else OcppPackageCsms()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def station_csms(request: pytest.FixtureRequest) -> AnyCsms:
    """The CSMS the test asked for (sync, so that it may look the async fixture up)."""
    name = "any_csms" if "any_csms" in request.fixturenames else "csms"
    target: AnyCsms = request.getfixturevalue(name)
    return target


@pytest.fixture
async def make_station(tmp_path: Path, station_csms: AnyCsms) -> AsyncIterator[StationFactory]:
    stations: list[Station] = []

    async def make(
        identity: str = "CS001",
        *,
        url: str | None = None,
        overrides: dict[str, str] | None = None,
        start: bool = True,
        **kwargs: Any,
    ) -> Station:
        station = Station(
            url or station_csms.url(),
            identity,
            db_path=tmp_path / f"{identity}.db",
            overrides={**BASE_OVERRIDES, **(overrides or {})},
            time_scale=kwargs.pop("time_scale", TIME_SCALE),
            **kwargs,
        )
        stations.append(station)
        if start:
            await station.start()
        return station

    yield make
    for station in stations:
        await station.stop()


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for in-process station state that no message announces (polled)."""
    import asyncio

    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)
