"""The persistent queue under fire: the station runs as its own process (`ocppgen station`),
is killed with SIGKILL mid-transaction several times (once while offline, with events
queued), restarted on the same state file, and every TransactionEvent still reaches the CSMS
in order with continuous seqNo.

What "exactly once" means here: every event the station generated is acknowledged by the
CSMS exactly once. A kill can land after the CSMS received an event but before the station
recorded the answer; the restarted station then sends that same event again (same
transactionId, seqNo and payload) and the CSMS recognises the repeat by (transactionId,
seqNo). The test checks that this is the only kind of repeat there is, and at most one per kill.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.reference.station.csms import RecordingCsms
from tests.reference.station.process import StationProcess
from tests.reference.station.process import launch as launch_station


async def launch(url: str, db: Path) -> StationProcess:
    return await launch_station(
        "--url", url,
        "--id", "CSKILL",
        "--db", str(db),
        "--time-scale", "0.05",
        "--set", "SampledDataCtrlr.TxUpdatedInterval=1",
        "--set", "TxCtrlr.AllowEnergyTransferResumption=true",
        "--set", "OCPPCommCtrlr.RetryBackOffWaitMinimum=1",
        "--set", "OCPPCommCtrlr.RetryBackOffRandomRange=0",
        module=("ocppgen.reference.station.cli",),
    )  # fmt: skip


async def test_kill_and_restart_mid_transaction_delivers_every_event_once_in_order(
    csms: RecordingCsms, tmp_path: Path
) -> None:
    assert csms.server is not None
    url, db = csms.server.url(), tmp_path / "station.db"
    rec = csms.recorder

    def events() -> list[dict[str, Any]]:
        return rec.messages("TransactionEvent")

    async def wait_events(count: int) -> None:
        await rec.wait(lambda: len(events()) >= count, timeout=10)

    station = await launch(url, db)
    try:
        await station.wait_online()
        await station.command("plug_in", evse=1)
        assert await station.command("present_token", id_token="KILLME") == "Accepted"
        kills = 0
        for _ in range(2):  # killed while online, mid-transaction
            await wait_events(len(events()) + 3)
            await station.kill()
            kills += 1
            station = await launch(url, db)
        # offline: events pile up in the queue, then the process dies with them
        await wait_events(len(events()) + 1)  # the restarted station is back in the transaction
        await station.command("offline")
        # what was queued when the link dropped may have been generated online (on a loaded
        # machine, several events wait for their turn): wait for 3 generated offline
        online_backlog = (await station.command("status"))["queued"]
        snapshot: dict[str, Any] = {}
        while not snapshot or snapshot["queued"] < online_backlog + 3:
            snapshot = await station.command("status")
            await asyncio.sleep(0.05)
        await station.kill()
        kills += 1
        station = await launch(url, db)  # comes back online and delivers the backlog
        await station.command("unplug", evse=1)
        await station.command("idle", timeout=10)
        assert (await station.command("status"))["queued"] == 0
        assert await station.stop() == 0
    finally:
        await station.kill()

    received = events()
    assert {e["transactionInfo"]["transactionId"] for e in received} == {
        received[0]["transactionInfo"]["transactionId"]
    }
    unique: list[dict[str, Any]] = []
    repeats = 0
    for event in received:
        if unique and event["seqNo"] == unique[-1]["seqNo"]:
            assert event == unique[-1]  # a repeat is the very same message
            repeats += 1
            continue
        unique.append(event)
    assert repeats <= kills
    assert [e["seqNo"] for e in unique] == list(range(len(unique)))  # in order, no gaps
    assert unique[0]["eventType"] == "Started" and unique[-1]["eventType"] == "Ended"
    assert [e["eventType"] for e in unique[1:-1]] == ["Updated"] * (len(unique) - 2)
    assert sum(1 for e in unique if e.get("offline")) >= 3  # queued while offline
    assert len(rec.messages("BootNotification")) == kills + 1
    energy = [e["meterValue"][0]["sampledValue"][0]["value"] for e in unique if e.get("meterValue")]
    assert energy == sorted(energy)  # the meter never runs backwards across restarts
