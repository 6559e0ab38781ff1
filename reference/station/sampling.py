"""The reference station's meter timers: J02 transaction samples and J01 clock-aligned data.

Per running transaction (`start_transaction` / `end_transaction`):
- SampledDataCtrlr.TxUpdatedInterval: an Updated event (MeterValuePeriodic) with the
  TxUpdatedMeasurands every interval (J02.FR.11);
- SampledDataCtrlr.TxEndedInterval: a Sample.Periodic sample of TxEndedMeasurands every interval
  since the transaction started, kept for its Ended event.

Station-wide (`start` / `stop`), at every clock-aligned instant (multiples of the scaled interval
since midnight UTC):
- AlignedDataCtrlr.Interval: MeterValues for an EVSE without a transaction, an Updated event
  (MeterValueClock) for one with a transaction (J01);
- AlignedDataCtrlr.TxEndedInterval: a Sample.Clock sample for the Ended event.

Intervals are device-model variables read again at least every (scaled) second, so a
SetVariables takes effect at once. A sample that fails is logged and the timer keeps running:
one bad sample must not end the metering of a transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from ocppgen.generated import v201
from ocppgen.reference.station.device_model import DeviceModel
from ocppgen.reference.station.evse import Evse
from ocppgen.reference.station.queue import Outbox

__all__ = ["Sampling", "SamplingHost", "cancel_and_wait", "sampled_now"]

logger = logging.getLogger("ocppgen.reference.station")

Context = v201.ReadingContextEnumType
_DAY = 86400.0


class SamplingHost(Protocol):
    """What the timers need from the station."""

    @property
    def dm(self) -> DeviceModel: ...

    @property
    def evses(self) -> dict[int, Evse]: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def online(self) -> bool: ...

    def scaled(self, seconds: float) -> float: ...

    def queue_all(self) -> bool: ...

    def save_evse(self, evse: Evse) -> None: ...

    def meter_event(
        self,
        evse: Evse,
        trigger: v201.TriggerReasonEnumType,
        meter_value: list[v201.MeterValueType],
    ) -> None:
        """Queue an Updated TransactionEvent of the EVSE's transaction with `meter_value`."""
        ...


def sampled_now(dm: DeviceModel, evse: Evse, variable: str, context: Context) -> list[Any]:
    """A sample of SampledDataCtrlr.`variable` (a measurand list) now; [] when sampling is off."""
    if not dm.get_bool("SampledDataCtrlr", "Enabled"):
        return []
    measurands = dm.get_members("SampledDataCtrlr", variable)
    value = evse.meter.sample(measurands, context, datetime.now(UTC), time.monotonic())
    return [value] if value is not None else []


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any] | None]) -> None:
    """Cancel the tasks and wait until each has finished (its failure is not ours to raise)."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


class Sampling:
    """The timers of one station (see the module docstring)."""

    def __init__(self, host: SamplingHost) -> None:
        self._host = host
        self._clock: asyncio.Task[None] | None = None
        self._per_transaction: dict[int, asyncio.Task[None]] = {}
        # Cancelled but maybe not yet finished: `stop` waits for these too.
        self._cancelled: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._clock = asyncio.get_running_loop().create_task(self._clock_aligned())

    async def stop(self) -> None:
        """Cancel every timer and wait for it to finish (no task outlives the station)."""
        tasks = [self._clock, *self._per_transaction.values(), *self._cancelled]
        self._clock = None
        self._per_transaction.clear()
        self._cancelled.clear()
        await cancel_and_wait(tasks)

    def start_transaction(self, evse: Evse) -> None:
        """Start the J02 timers of the EVSE's (new or restored) transaction."""
        self.end_transaction(evse)
        loop = asyncio.get_running_loop()
        self._per_transaction[evse.id] = loop.create_task(self._transaction_timers(evse))

    def end_transaction(self, evse: Evse) -> None:
        task = self._per_transaction.pop(evse.id, None)
        if task is None:
            return
        task.cancel()
        if not task.done():
            self._cancelled.add(task)
            task.add_done_callback(self._cancelled.discard)

    # -- J02 ------------------------------------------------------------------------------------

    async def _transaction_timers(self, evse: Evse) -> None:
        # A TaskGroup, not gather: cancelling it cancels both loops, and neither outlives it.
        async with asyncio.TaskGroup() as group:
            group.create_task(self._keep_running(self._updated_step, evse))
            group.create_task(self._keep_running(self._ended_step, evse))

    async def _keep_running(self, step: Callable[[Evse, Any], Awaitable[Any]], evse: Evse) -> None:
        """Run `step(evse, state)` while the EVSE has a transaction; a failing step is logged
        and the loop goes on after a (scaled) second."""
        state: Any = None
        while evse.transaction is not None:
            try:
                state = await step(evse, state)
            except Exception:
                logger.exception("EVSE %d: meter sample failed", evse.id)
                state = None
                await asyncio.sleep(self._host.scaled(1.0))

    async def _updated_step(self, evse: Evse, state: Any) -> None:
        """J02.FR.11: an Updated event with the TxUpdatedMeasurands every TxUpdatedInterval."""
        host = self._host
        interval = host.dm.get_int("SampledDataCtrlr", "TxUpdatedInterval")
        await asyncio.sleep(host.scaled(interval if interval > 0 else 1))
        if interval > 0 and evse.transaction is not None:
            values = sampled_now(host.dm, evse, "TxUpdatedMeasurands", Context.Sample_Periodic)
            host.meter_event(evse, v201.TriggerReasonEnumType.MeterValuePeriodic, values)

    async def _ended_step(self, evse: Evse, done: tuple[str, int] | None) -> tuple[str, int] | None:
        """SampledDataCtrlr.TxEndedInterval: one sample per interval since the transaction
        started (0: none; the Ended event then carries only its Transaction.End value). `done`:
        (transaction, index) of the last sample taken; a restarted station resumes at the next
        multiple."""
        host = self._host
        tx = evse.transaction
        assert tx is not None
        period = host.scaled(host.dm.get_int("SampledDataCtrlr", "TxEndedInterval"))
        wait = host.scaled(1.0)
        if period > 0 and host.dm.get_bool("SampledDataCtrlr", "Enabled"):
            start = datetime.fromisoformat(tx.started_at).timestamp()
            now = time.time()
            index = math.floor((now - start) / period)
            if done is not None and done[0] == tx.id and index > done[1]:
                at = start + index * period
                self._keep_ended_sample(evse, "SampledDataCtrlr", Context.Sample_Periodic, at)
            done = (tx.id, index)
            wait = min(wait, start + (index + 1) * period - now)
        else:
            done = None
        await asyncio.sleep(max(0.001, wait))
        return done

    def _keep_ended_sample(self, evse: Evse, controller: str, context: Context, at: float) -> None:
        """One sample of `controller`.TxEndedMeasurands at `at` (epoch seconds) for the Ended
        event of the EVSE's transaction; saved with the transaction (a restart keeps it)."""
        tx = evse.transaction
        if tx is None:
            return
        measurands = self._host.dm.get_members(controller, "TxEndedMeasurands")
        moment = datetime.fromtimestamp(at, UTC)
        value = evse.meter.sample(measurands, context, moment, time.monotonic())
        if value is not None:
            tx.ended_samples.append(value.to_json_dict())
            self._host.save_evse(evse)

    # -- J01 ------------------------------------------------------------------------------------

    def _aligned_period(self, variable: str) -> float:
        """The scaled AlignedDataCtrlr interval in seconds (0: off)."""
        dm = self._host.dm
        if not dm.get_bool("AlignedDataCtrlr", "Enabled"):
            return 0.0
        return self._host.scaled(dm.get_int("AlignedDataCtrlr", variable))

    async def _clock_aligned(self) -> None:
        """Wake at every clock-aligned instant of AlignedDataCtrlr.Interval and TxEndedInterval.
        An instant that passed before an interval was set is not sent, and a late wake-up sends
        only the latest instant."""
        last: dict[str, float] = {}
        while True:
            now = time.time()
            midnight = now - now % _DAY
            waits = [self._host.scaled(1.0)]
            for variable in ("Interval", "TxEndedInterval"):
                period = self._aligned_period(variable)
                if period <= 0:
                    last.pop(variable, None)
                    continue
                instant = midnight + math.floor((now - midnight) / period) * period
                if variable in last and instant > last[variable]:
                    self._aligned_instant(variable, datetime.fromtimestamp(instant, UTC))
                last[variable] = instant
                waits.append(instant + period - now)
            await asyncio.sleep(max(0.001, min(waits)))

    def _aligned_instant(self, variable: str, at: datetime) -> None:
        try:
            if variable == "Interval":
                self._send_aligned(at)
            else:
                self._collect_ended_samples(at)
        except Exception:  # keep the clock running for the next instant
            logger.exception("clock-aligned %s at %s failed", variable, at)

    def _running(self) -> list[Evse]:
        return [evse for evse in self._host.evses.values() if evse.transaction is not None]

    def _send_aligned(self, at: datetime) -> None:
        """J01.FR.14: MeterValues for each EVSE without a transaction; J01.FR.22: an Updated
        event (MeterValueClock) for each one with a transaction; J01.FR.20: none at all while
        a transaction runs and SendDuringIdle is true (a station-wide variable here)."""
        host = self._host
        if host.dm.get_bool("AlignedDataCtrlr", "SendDuringIdle") and self._running():
            return
        measurands = host.dm.get_members("AlignedDataCtrlr", "Measurands")
        queue_all = host.queue_all()
        for evse in host.evses.values():
            if evse.transaction is None and not (host.online or queue_all):
                continue  # MeterValues is queued offline only with QueueAllMessages
            value = evse.meter.sample(measurands, Context.Sample_Clock, at, time.monotonic())
            if value is None:
                continue
            if evse.transaction is not None:
                host.meter_event(evse, v201.TriggerReasonEnumType.MeterValueClock, [value])
            else:
                request = v201.MeterValuesRequest(evse_id=evse.id, meter_value=[value])
                host.outbox.put("MeterValues", request.to_json_dict(), persistent=queue_all)

    def _collect_ended_samples(self, at: datetime) -> None:
        """AlignedDataCtrlr.TxEndedInterval: a Sample.Clock sample of TxEndedMeasurands for
        each running transaction, sent in its Ended event."""
        for evse in self._running():
            self._keep_ended_sample(evse, "AlignedDataCtrlr", Context.Sample_Clock, at.timestamp())
