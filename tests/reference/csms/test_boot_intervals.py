"""Boot answers after a storm (issue 15 item 4): intervals spread so that a fleet that booted
together does not heartbeat (or retry) together, and one station read per BootNotification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.handlers import spread_interval
from ocppgen.runtime.errors import ErrorCode, OcppError
from tests.reference.csms.conftest import StationFactory, csms_config
from tests.reference.csms.ministation import MiniStation


def test_heartbeat_intervals_spread_shorter_retry_intervals_longer() -> None:
    heartbeats = {spread_interval(300, -0.1) for _ in range(500)}
    assert min(heartbeats) >= 270 and max(heartbeats) <= 300  # never past the configured one
    assert len(heartbeats) > 20
    retries = {spread_interval(30, 0.1) for _ in range(500)}
    assert retries == set(range(30, 34))  # never shorter than the configured back-off
    assert {spread_interval(9, -0.1), spread_interval(9, 0.1)} == {9}  # short: as configured
    assert {spread_interval(300, 0.0) for _ in range(50)} == {300}


async def test_a_fleet_gets_heartbeat_intervals_that_drift_apart(
    csms: Csms, station: StationFactory
) -> None:
    intervals = []
    for n in range(30):
        mini = await station(f"CS{n}", boot=False, heartbeat_interval=600)
        response = await mini.boot()
        assert response.status == "Accepted"
        intervals.append(response.interval)
        await mini.close()
    assert all(540 <= interval <= 600 for interval in intervals)
    assert len(set(intervals)) > 10


async def test_rejected_and_pending_retry_intervals_are_at_least_the_configured(
    tmp_path: Path,
) -> None:
    config = csms_config(str(tmp_path / "csms.sqlite3"))
    config.boot_retry_interval = 60
    async with Csms(config) as csms:
        csms.store.add_station("CS1", password="pw-0123", boot_policy="Rejected")
        answers = []
        for _ in range(20):
            mini = MiniStation(csms.ocpp_url, "CS1", "pw-0123")
            await mini.client.connect()
            answers.append(await mini.boot())
            await mini.close()
        assert {answer.status for answer in answers} == {"Rejected"}
        assert all(60 <= answer.interval <= 66 for answer in answers)


async def test_a_boot_reads_the_station_once(csms: Csms, station: StationFactory) -> None:
    mini = await station("CS1", boot=False)
    reads: list[str] = []
    read = csms.store.station

    def counted(station_id: str) -> dict[str, Any] | None:
        reads.append(station_id)
        return read(station_id)

    csms.store.station = counted
    assert (await mini.boot()).status == "Accepted"
    assert reads == ["CS1"]
    await mini.heartbeat()
    # an accepted station's other CALLs read no row: one UPDATE is the check (touch_accepted)
    assert reads == ["CS1"]


async def test_a_station_deleted_while_connected_cannot_boot(
    csms: Csms, station: StationFactory
) -> None:
    mini = await station("CS1", boot=False)
    csms.store.delete_station("CS1")
    with pytest.raises(OcppError) as refused:
        await mini.boot()
    assert refused.value.code == ErrorCode.SECURITY_ERROR
