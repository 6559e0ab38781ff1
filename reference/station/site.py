"""What every component of one station shares: the state file, the device model, the outbound
queue, the EVSEs, the station's clock (`time_scale`) and its background tasks; and `Link`, what a
component may ask of the connection to the CSMS (`provisioning.Provisioning` implements it).

A `Site` is built empty and `open`ed by `Station.start` (components are built before, and read
`site.dm`, `site.outbox` only while the station runs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ocppgen.reference.station.device_model import DeviceModel
from ocppgen.reference.station.evse import Connector, Evse
from ocppgen.reference.station.queue import Outbox, open_db
from ocppgen.runtime.endpoint import Disconnected
from ocppgen.runtime.errors import CallTimeout, InvalidResultError, RemoteCallError
from ocppgen.runtime.model import OcppModel

__all__ = ["CALL_FAILURES", "Caller", "Link", "Site", "StationError", "now"]

# What a CALL of ours may end with instead of an answer.
CALL_FAILURES = (Disconnected, CallTimeout, RemoteCallError, InvalidResultError)


def now() -> datetime:
    return datetime.now(UTC)


class StationError(RuntimeError):
    """A driver action that makes no sense in the current state (e.g. unplugging twice)."""


class Caller(Protocol):
    """One connection's `call` (an `OcppConnection`, or a test's fake)."""

    async def call(self, request: OcppModel) -> OcppModel: ...


class Link(Protocol):
    """The connection to the CSMS as the components see it."""

    @property
    def online(self) -> bool:
        """Connected and accepted: what the station may send on its own."""
        ...

    @property
    def connected(self) -> bool: ...

    async def call(self, request: OcppModel) -> OcppModel:
        """A CALL on the live connection (one of `CALL_FAILURES` if it fails)."""
        ...

    def connection(self) -> Caller:
        """The live connection (for a task bound to it); an InternalError CALLERROR if none."""
        ...


class Site:
    """See the module docstring."""

    def __init__(
        self,
        evses: Sequence[int],
        *,
        time_scale: float = 1.0,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        """`evses[i]` = number of connectors of EVSE i+1; `overrides`: vendor defaults of the
        device model by label."""
        self.layout = tuple(evses)
        self.time_scale = time_scale
        self.overrides = dict(overrides or {})
        self.evses: dict[int, Evse] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.db: Any = None
        self.dm: DeviceModel
        self.outbox: Outbox

    def open(self, path: str | Path) -> None:
        """Open the state file: device model values, queue, EVSEs as they were saved."""
        self.db = open_db(path)
        self.dm = DeviceModel(self.layout, db=self.db, overrides=self.overrides)
        self.outbox = Outbox(self.db)
        for evse_id, connectors in enumerate(self.layout, start=1):
            evse = Evse(evse_id, [Connector(c) for c in range(1, connectors + 1)])
            saved = self.outbox.load_state(f"evse:{evse_id}")
            if saved is not None:
                evse.restore(saved)
            self.evses[evse_id] = evse

    def scaled(self, seconds: float) -> float:
        """A configured interval or timeout in seconds of this station's clock (`time_scale`)."""
        return seconds * self.time_scale

    def queue_all(self) -> bool:
        """OCPPCommCtrlr.QueueAllMessages: every message is queued until it is delivered, so
        StatusNotification and MeterValues are queued offline too and kept across disconnects
        (persistent entries). When false only TransactionEvent and NotifyEvent are."""
        return self.dm.get_bool("OCPPCommCtrlr", "QueueAllMessages")

    def save_evse(self, evse: Evse) -> None:
        """Persist the EVSE and its transaction (a restart resumes from here)."""
        self.outbox.save_state(f"evse:{evse.id}", evse.to_json())

    def evse(self, evse_id: int) -> Evse:
        evse = self.evses.get(evse_id)
        if evse is None:
            raise StationError(f"no EVSE {evse_id}")
        return evse

    def running(self) -> list[Evse]:
        """The EVSEs with a transaction."""
        return [evse for evse in self.evses.values() if evse.transaction is not None]

    def put(self, request: OcppModel, action: str, *, persistent: bool) -> None:
        """Queue a station-initiated message (`queue.Outbox`)."""
        self.outbox.put(action, request.to_json_dict(), persistent=persistent)

    def spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        """A background task the station cancels when it stops."""

        async def run() -> Any:
            return await coroutine

        task = asyncio.get_running_loop().create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task
