"""The J02 timer tasks of `Sampling` never outlive `stop()`, even once cancelled by
`end_transaction` (which does not wait for them)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocppgen.generated import v201
from ocppgen.reference.station.device_model import DeviceModel
from ocppgen.reference.station.evse import Connector, Evse, Transaction
from ocppgen.reference.station.queue import Outbox, open_db
from ocppgen.reference.station.sampling import Sampling


class Host:
    """The least a `Sampling` needs: a device model, EVSEs and an outbox on a real SQLite file."""

    def __init__(self, path: Path) -> None:
        db = open_db(path)
        self.dm = DeviceModel([1], db=db, overrides={"SampledDataCtrlr.TxUpdatedInterval": "1"})
        self.evses = {1: Evse(1, [Connector(1)])}
        self.outbox = Outbox(db)
        self.events: list[Any] = []

    @property
    def online(self) -> bool:
        return False

    def scaled(self, seconds: float) -> float:
        return seconds * 0.01

    def queue_all(self) -> bool:
        return True

    def save_evse(self, evse: Evse) -> None:
        pass

    def meter_event(
        self, evse: Evse, trigger: v201.TriggerReasonEnumType, meter_value: list[Any]
    ) -> None:
        self.events.append(trigger)


async def test_j02_stop_waits_for_cancelled_transaction_timers(tmp_path: Path) -> None:
    host = Host(tmp_path / "station.db")
    sampling = Sampling(host)
    evse = host.evses[1]
    evse.transaction = Transaction("tx-1", datetime.now(UTC).isoformat())
    before = asyncio.all_tasks()
    sampling.start()
    sampling.start_transaction(evse)
    await asyncio.sleep(0.05)  # let the timers run (and sample) for a while
    assert host.events, "the J02 timer never ran"
    sampling.end_transaction(evse)  # cancels, does not wait
    await sampling.stop()
    left = [task for task in asyncio.all_tasks() - before if not task.done()]
    assert left == []
