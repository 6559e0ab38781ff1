"""The reference OCPP 2.0.1 Charging Station, built only on ocppgen's public API.

In-process use (several stations may share one event loop):

    station = Station("ws://127.0.0.1:9000/ocpp", "CS001", db_path="cs001.db", evses=(1, 1))
    await station.start()                 # connect, BootNotification, StatusNotification, ...
    await station.plug_in(1)              # the simulated EV plugs into EVSE 1
    await station.present_token("04A1B2C3")   # RFID (C01): Authorize, then the transaction
    await station.unplug(1)               # the transaction ends (TxStopPoint EVConnected)
    await station.stop()

Driver and EV actions: `plug_in(evse)`, `unplug(evse)`, `present_token(id_token, type, evse)`,
`press_start_button(evse)` (C02), `fault(evse)` / `clear_fault(evse)` (N07 alert + Faulted),
`set_lock_failure(evse, on)` (G05), `go_offline()` / `go_online()`. Each returns once the
station's state has changed and the resulting messages are queued; `await station.idle()`
waits until the queue is delivered. `snapshot()` gives the state as JSON-able data.

Behaviour: B01-B07, B11, B12, C01, C02, C04 (authorization cache), E01-E13 driven by
TxCtrlr.TxStartPoint/TxStopPoint, G01-G05, J01 (clock-aligned data, AlignedDataCtrlr), J02, N07,
P01, RequestStart/StopTransaction, TriggerMessage, UnlockConnector. Before the boot is Accepted a
transaction starts only with TxCtrlr.TxBeforeAcceptedEnabled (B02.FR.03, B03.FR.01); its events
wait in the queue until then. NotifyEvents raised offline are queued (N07.FR.04, up to
MonitoringCtrlr.OfflineQueuingSeverity) and sent after the reconnect's status report; with
OCPPCommCtrlr.QueueAllMessages StatusNotification and MeterValues are queued offline too.
A connector is Occupied only while an EV's cable is in it (a transaction started first leaves
it Available; the other connectors of its EVSE are not reported, G01.FR.08). ChangeAvailability
Inoperative with no transaction running makes connectors Unavailable at once, cable or not
(G03, G04); with one it is Scheduled for its end. An Unavailable connector takes no new
transaction. The Ended event carries the AlignedDataCtrlr (J01) and SampledDataCtrlr (J02)
TxEndedInterval samples.

State lives in one SQLite file (`db_path`, its folder created if missing): the device model
values the CSMS set, EVSE state and running transactions, the authorization cache and the
outbound queue (`queue.py`).
`time_scale` multiplies every configured interval and timeout (HeartbeatInterval,
TxUpdatedInterval, MessageAttemptInterval, EVConnectionTimeOut, boot retry, reconnect back-off,
MessageTimeout, AlignedDataCtrlr intervals): 1.0 is real time, tests use e.g. 0.02.
Clock-aligned instants are multiples of the scaled interval since midnight UTC. The meter
timers (J01, J02) live in `sampling.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
import time
import uuid
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocppgen.generated import v201
from ocppgen.reference.station.device_model import DeviceModel, VariableKey
from ocppgen.reference.station.evse import Connector, Evse, Transaction
from ocppgen.reference.station.handlers import StationHandlers
from ocppgen.reference.station.queue import DeliveryPolicy, Entry, Outbox, open_db
from ocppgen.reference.station.sampling import Sampling, cancel_and_wait, sampled_now
from ocppgen.runtime.client import BackOff, StationClient
from ocppgen.runtime.endpoint import Disconnected, OcppConnection
from ocppgen.runtime.errors import (
    CallTimeout,
    ErrorCode,
    InvalidResultError,
    OcppError,
    RemoteCallError,
)
from ocppgen.runtime.model import OcppModel

__all__ = ["Station"]

logger = logging.getLogger("ocppgen.reference.station")

TxEvent = v201.TransactionEventEnumType
Trigger = v201.TriggerReasonEnumType
Reason = v201.ReasonEnumType
Reg = v201.RegistrationStatusEnumType
Auth = v201.AuthorizationStatusEnumType
Context = v201.ReadingContextEnumType
ChargingState = v201.ChargingStateEnumType

_CALL_FAILURES = (Disconnected, CallTimeout, RemoteCallError, InvalidResultError)
_POWER_PATH = {"PowerPathClosed", "EnergyTransfer"}

# Severities of the events this station raises (0 Danger .. 9 Debug, as the severity field of
# spec/v201/schemas/SetVariableMonitoringRequest.json lists them); compared with
# MonitoringCtrlr.OfflineQueuingSeverity while offline (N07.FR.04).
SEVERITY_HARDWARE_FAILURE = 1  # G05 connector lock failure
SEVERITY_ERROR = 4  # an EVSE Faulted (N07 alert) and its clearing


def _now() -> datetime:
    return datetime.now(UTC)


def _token_key(token: Mapping[str, Any]) -> str:
    return f"{token['type']}:{token['idToken']}"


class StationError(RuntimeError):
    """A driver action that makes no sense in the current state (e.g. unplugging twice)."""


class Station:
    """A simulated OCPP 2.0.1 Charging Station. See the module docstring."""

    def __init__(
        self,
        url: str,
        identity: str,
        *,
        db_path: str | Path,
        evses: Sequence[int] = (1,),
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        model: str = "Reference",
        vendor: str = "ocppgen",
        serial_number: str | None = None,
        firmware_version: str = "0.1.0",
        overrides: Mapping[str, str] | None = None,
        time_scale: float = 1.0,
        boot_retry: float = 60.0,
    ) -> None:
        """`evses[i]` = number of connectors of EVSE i+1. `overrides`: vendor defaults for
        device-model variables by label (see `DeviceModel`). `boot_retry`: seconds before
        retrying a BootNotification the CSMS answered with interval 0 (B02.FR.07)."""
        self.url = url
        self.identity = identity
        self.db_path = Path(db_path)
        self._evse_layout = tuple(evses)
        self._password = password
        self._ssl = ssl_context
        self._charging_station = v201.ChargingStationType(
            model=model,
            vendor_name=vendor,
            serial_number=serial_number,
            firmware_version=firmware_version,
        )
        self._overrides = dict(overrides or {})
        self.time_scale = time_scale
        self.boot_retry = boot_retry
        self.registration: Reg | None = None
        self.boot_reason = v201.BootReasonEnumType.PowerUp
        self.operative = True
        self.evses: dict[int, Evse] = {}
        self.reboots = 0
        self._scheduled_station: bool | None = None
        self._scheduled_reset = False
        self._client: StationClient | None = None
        self._online = asyncio.Event()
        self._boot_now = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._session: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._runner: asyncio.Task[None] | None = None
        self.sampling = Sampling(self)
        self._timeouts: dict[int, asyncio.Task[None]] = {}
        self._queued_status: dict[tuple[int, int], str] = {}
        self._reported: dict[tuple[int, int], str] = {}
        self._full_status_report = True
        self._offline_since: float | None = time.monotonic()
        self._event_ids = 0
        self._report_seq = 0
        self._auth_cache: dict[str, dict[str, Any]] = {}
        self._groups: dict[str, dict[str, Any]] = {}  # idToken key -> last groupIdToken known
        self._started = False
        self.db: Any = None
        self.dm: DeviceModel
        self.outbox: Outbox

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the state file, restore EVSEs and transactions, connect and boot."""
        if self._started:
            raise StationError("already started")
        self._started = True
        self.db = open_db(self.db_path)
        self.dm = DeviceModel(self._evse_layout, db=self.db, overrides=self._overrides)
        self.outbox = Outbox(self.db)
        self._bind_variables()
        self.operative = bool(self.outbox.load_state("station_operative") is not False)
        self._auth_cache = self.outbox.load_state("auth_cache") or {}
        self._event_ids = int(self.outbox.load_state("event_id") or 0)
        for evse_id, connectors in enumerate(self._evse_layout, start=1):
            evse = Evse(evse_id, [Connector(c) for c in range(1, connectors + 1)])
            saved = self.outbox.load_state(f"evse:{evse_id}")
            if saved is not None:
                evse.restore(saved)
            self.evses[evse_id] = evse
        for evse in self.evses.values():
            if evse.transaction is None:
                continue
            if self.dm.get_bool("TxCtrlr", "AllowEnergyTransferResumption"):
                self.sampling.start_transaction(evse)
                self._update_power(evse)
            else:
                self._end_transaction(evse, Trigger.AbnormalCondition, Reason.PowerLoss)
        self._runner = asyncio.get_running_loop().create_task(
            self.outbox.run(
                self._wait_online,
                DeliveryPolicy(
                    attempts=lambda: self.dm.get_int(
                        "OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"
                    ),
                    interval=lambda: self.scaled(
                        self.dm.get_int(
                            "OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"
                        )
                    ),
                ),
                self._on_answer,
            )
        )
        self.sampling.start()
        await self._connect()

    async def stop(self) -> None:
        """Disconnect and close the state file (the queue keeps what was not delivered)."""
        if not self._started:
            return
        self._started = False
        await self._disconnect()
        await self.sampling.stop()
        await cancel_and_wait([self._runner, *self._timeouts.values(), *self._tasks])
        self._timeouts.clear()
        self.db.close()

    async def __aenter__(self) -> Station:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def scaled(self, seconds: float) -> float:
        """A configured interval or timeout in seconds of this station's clock (`time_scale`)."""
        return seconds * self.time_scale

    async def _connect(self) -> None:
        self._online.clear()
        dm = self.dm
        self._client = StationClient(
            self.url,
            self.identity,
            [(v201.VERSION, StationHandlers(self))],
            password=self._password,
            ssl_context=self._ssl,
            backoff=BackOff(
                wait_minimum=self.scaled(dm.get_int("OCPPCommCtrlr", "RetryBackOffWaitMinimum")),
                random_range=self.scaled(dm.get_int("OCPPCommCtrlr", "RetryBackOffRandomRange")),
                repeat_times=dm.get_int("OCPPCommCtrlr", "RetryBackOffRepeatTimes"),
            ),
            ping_interval=self.scaled(dm.get_int("OCPPCommCtrlr", "WebSocketPingInterval")),
            call_timeout=self.scaled(dm.get_int("OCPPCommCtrlr", "MessageTimeout", "Default")),
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
        )
        self._client.start()

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        self._went_offline()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connection is not None

    @property
    def online(self) -> bool:
        """Connected and accepted by the CSMS: what the station may send on its own."""
        return self._online.is_set() and self.connected

    async def wait_online(self, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            await self._wait_online()

    async def idle(self, timeout: float | None = 10.0) -> None:
        """Wait until every queued message has been delivered (or dropped)."""
        await self.outbox.wait_empty(timeout)

    async def go_offline(self) -> None:
        """Simulate a lost network: close the connection and do not reconnect."""
        await self._disconnect()

    async def go_online(self) -> None:
        if self._client is None:
            await self._connect()

    async def _wait_online(self) -> OcppConnection:
        while True:
            await self._online.wait()
            conn = self._client.connection if self._client is not None else None
            if conn is not None:
                return conn
            self._online.clear()

    def _spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        async def run() -> Any:
            return await coroutine

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- connection, boot, heartbeat -----------------------------------------------------------

    async def _on_connect(self, conn: OcppConnection) -> None:
        self._session = self._spawn(self._run_session(conn))

    async def _on_disconnect(self, conn: OcppConnection) -> None:
        self._went_offline()

    def _went_offline(self) -> None:
        self._online.clear()
        for task in (self._session, self._heartbeat):
            if task is not None:
                task.cancel()
        self._session = self._heartbeat = None
        if self._offline_since is None:
            self._offline_since = time.monotonic()
        self._queued_status = dict(self._reported)
        if self._started:
            self.outbox.drop_volatile()
            for entry in self.outbox.entries():  # kept by QueueAllMessages: still to be sent
                if entry.action == "StatusNotification":
                    key = (entry.payload["evseId"], entry.payload["connectorId"])
                    self._queued_status[key] = entry.payload["connectorStatus"]

    async def _run_session(self, conn: OcppConnection) -> None:
        try:
            if self.registration is not Reg.Accepted and not await self._boot(conn):
                return
            offline_for = time.monotonic() - (self._offline_since or time.monotonic())
            threshold = self.scaled(self.dm.get_int("OCPPCommCtrlr", "OfflineThreshold"))
            if self._full_status_report or offline_for > threshold:
                self._queued_status = {}  # B01 after boot, B04.FR.01 after a long outage
            self._full_status_report = False
            self._offline_since = None
            self._online.set()
            self._notify_statuses(front=True)  # before what was queued offline / while Pending
            self._heartbeat = self._spawn(self._heartbeats(conn))
        except Disconnected:
            pass

    async def _boot(self, conn: OcppConnection) -> bool:
        """BootNotification until Accepted (B01-B03); False if the connection went away."""
        while True:
            self._boot_now.clear()
            request = v201.BootNotificationRequest(
                charging_station=self._charging_station, reason=self.boot_reason
            )
            try:
                response = await conn.call(request)
            except Disconnected:
                return False
            except _CALL_FAILURES:
                response = None
            if isinstance(response, v201.BootNotificationResponse):
                self.registration = response.status
                if response.status is Reg.Accepted:
                    if response.interval > 0:  # B01.FR.04
                        self.dm.put(
                            VariableKey("OCPPCommCtrlr", "HeartbeatInterval"),
                            str(response.interval),
                        )
                    self._full_status_report = True
                    return True
                wait = response.interval if response.interval > 0 else self.boot_retry
            else:
                wait = self.boot_retry
            with contextlib.suppress(TimeoutError):  # TriggerMessage(BootNotification) cuts it
                await asyncio.wait_for(self._boot_now.wait(), self.scaled(wait))

    async def _heartbeats(self, conn: OcppConnection) -> None:
        while True:
            interval = self.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval")
            await asyncio.sleep(self.scaled(interval))
            with contextlib.suppress(*_CALL_FAILURES):
                await conn.call(v201.HeartbeatRequest())

    # -- device model bindings --------------------------------------------------------------------

    def _bind_variables(self) -> None:
        dm = self.dm
        dm.bind(
            VariableKey("ClockCtrlr", "DateTime"), lambda: _now().isoformat().replace("+00:00", "Z")
        )
        dm.bind(VariableKey("SecurityCtrlr", "Identity"), lambda: self.identity)
        dm.bind(VariableKey("ChargingStation", "Model"), lambda: self._charging_station.model)
        dm.bind(
            VariableKey("ChargingStation", "VendorName"),
            lambda: self._charging_station.vendor_name,
        )
        dm.bind(VariableKey("SecurityCtrlr", "SecurityProfile"), self._security_profile)
        dm.bind(VariableKey("ChargingStation", "AvailabilityState"), self._station_state)
        dm.bind(VariableKey("ChargingStation", "Available"), lambda: _flag(self.operative))
        for evse_id, connectors in enumerate(self._evse_layout, start=1):
            dm.bind(
                VariableKey("EVSE", "AvailabilityState", evse=evse_id),
                functools.partial(self._evse_state, evse_id),
            )
            dm.bind(
                VariableKey("EVSE", "Available", evse=evse_id),
                functools.partial(self._evse_available, evse_id),
            )
            for c in range(1, connectors + 1):
                dm.bind(
                    VariableKey("Connector", "AvailabilityState", evse=evse_id, connector=c),
                    functools.partial(self._connector_state, evse_id, c),
                )
                dm.bind(
                    VariableKey("Connector", "Available", evse=evse_id, connector=c),
                    functools.partial(self._connector_available, evse_id, c),
                )

    def _evse_available(self, evse_id: int) -> str:
        return _flag(self.evses[evse_id].operative)

    def _connector_state(self, evse_id: int, connector_id: int) -> str:
        return self.connector_status(evse_id, connector_id).value

    def _connector_available(self, evse_id: int, connector_id: int) -> str:
        status = self.connector_status(evse_id, connector_id)
        return _flag(status is not v201.ConnectorStatusEnumType.Unavailable)

    def _security_profile(self) -> str:
        if self._ssl is None:
            return "1" if self._password else "0"
        return "2" if self._password else "3"

    def _station_state(self) -> str:
        if not self.operative:
            return "Unavailable"
        states = {self._evse_state(e) for e in self.evses}
        return "Occupied" if "Occupied" in states else "Available"

    def _evse_state(self, evse_id: int) -> str:
        evse = self.evses[evse_id]
        statuses = {self.connector_status(evse_id, c.id).value for c in evse.connectors}
        for state in ("Faulted", "Occupied", "Unavailable"):
            if state in statuses:
                return state
        return "Available"

    # -- status ----------------------------------------------------------------------------------

    def connector_status(self, evse_id: int, connector_id: int) -> v201.ConnectorStatusEnumType:
        evse = self.evses[evse_id]
        connector = evse.connector(connector_id)
        if connector is None:
            raise StationError(f"no connector {connector_id} on EVSE {evse_id}")
        return evse.connector_status(connector, self.operative)

    def queue_all(self) -> bool:
        """OCPPCommCtrlr.QueueAllMessages: every message is queued until it is delivered, so
        StatusNotification and MeterValues are queued offline too and kept across disconnects
        (persistent entries). When false only TransactionEvent and NotifyEvent are."""
        return self.dm.get_bool("OCPPCommCtrlr", "QueueAllMessages")

    def _notify_statuses(self, *, front: bool = False) -> None:
        """Queue a StatusNotification for every connector whose status changed (G01); `front`:
        ahead of the messages already queued (the StatusNotifications sent on coming online,
        B01/B04). Offline only with QueueAllMessages (else those sent on reconnecting tell the
        CSMS, B04)."""
        queue_all = self.queue_all()
        if not (self.online or queue_all):
            return
        batch: list[tuple[str, dict[str, Any]]] = []
        for evse in self.evses.values():
            for connector in evse.connectors:
                status = evse.connector_status(connector, self.operative)
                key = (evse.id, connector.id)
                if self._queued_status.get(key) == status.value:
                    continue
                self._queued_status[key] = status.value
                request = v201.StatusNotificationRequest(
                    timestamp=_now(),
                    connector_status=status,
                    evse_id=evse.id,
                    connector_id=connector.id,
                )
                batch.append(("StatusNotification", request.to_json_dict()))
        if front:
            self.outbox.put_front(batch, persistent=queue_all)
            return
        for action, payload in batch:
            self.outbox.put(action, payload, persistent=queue_all)

    def _notify_event(
        self,
        component: v201.ComponentType,
        variable: str,
        actual_value: str,
        trigger: v201.EventTriggerEnumType,
        kind: v201.EventNotificationEnumType,
        *,
        severity: int,
        cleared: bool | None = None,
        tech_info: str | None = None,
    ) -> None:
        """NotifyEvent (G05, N07), queued persistently. Offline (or before the boot is
        Accepted) only events with `severity` <= MonitoringCtrlr.OfflineQueuingSeverity are
        queued, to be sent after the reconnect's status report (N07.FR.04); others are
        dropped."""
        limit = self.dm.get_int("MonitoringCtrlr", "OfflineQueuingSeverity")
        if not self.online and severity > limit:
            logger.info("dropping a NotifyEvent (severity %d) raised offline", severity)
            return
        self._event_ids += 1
        self.outbox.save_state("event_id", self._event_ids)
        request = v201.NotifyEventRequest(
            generated_at=_now(),
            seq_no=0,
            event_data=[
                v201.EventDataType(
                    event_id=self._event_ids,
                    timestamp=_now(),
                    trigger=trigger,
                    actual_value=actual_value,
                    tech_info=tech_info,
                    cleared=cleared,
                    component=component,
                    variable=v201.VariableType(name=variable),
                    event_notification_type=kind,
                )
            ],
        )
        self.outbox.put("NotifyEvent", request.to_json_dict(), persistent=True)

    def save_evse(self, evse: Evse) -> None:
        """Persist the EVSE and its transaction (a restart resumes from here)."""
        self.outbox.save_state(f"evse:{evse.id}", evse.to_json())

    def meter_event(
        self, evse: Evse, trigger: v201.TriggerReasonEnumType, meter_value: list[Any]
    ) -> None:
        """An Updated event with meter values (the sampling timers, `sampling.py`)."""
        self._transaction_event(evse, TxEvent.Updated, trigger, meter_value=meter_value)

    # -- transactions ----------------------------------------------------------------------------

    def _charging_state(self, evse: Evse) -> ChargingState:
        tx = evse.transaction
        authorized = tx is not None and tx.id_token is not None and not tx.deauthorized
        if evse.plugged:
            if tx is not None and tx.deauthorized:
                return ChargingState.SuspendedEVSE
            if authorized and evse.operative and self.operative and not evse.lock_failure:
                return ChargingState.Charging
            return ChargingState.EVConnected
        return ChargingState.Idle

    def _update_power(self, evse: Evse) -> None:
        charging = evse.transaction is not None and (
            self._charging_state(evse) is ChargingState.Charging
        )
        evse.meter.set_charging(charging, time.monotonic())

    def _transaction_event(
        self,
        evse: Evse,
        event_type: v201.TransactionEventEnumType,
        trigger: v201.TriggerReasonEnumType,
        *,
        with_token: bool | dict[str, Any] = False,
        meter_value: list[v201.MeterValueType] | None = None,
        stopped_reason: v201.ReasonEnumType | None = None,
    ) -> None:
        """Queue one TransactionEvent (persistent; seqNo from the same SQLite transaction).
        `with_token`: True for the transaction's idToken, or the idToken (wire form) to send."""
        tx = evse.transaction
        assert tx is not None
        state = self._charging_state(evse)
        if event_type is TxEvent.Ended:
            state = ChargingState.EVConnected if evse.plugged else ChargingState.Idle
        changed = state.value != tx.charging_state
        tx.charging_state = state.value
        self._update_power(evse)
        token = with_token if isinstance(with_token, dict) else tx.id_token if with_token else None
        with self.outbox.atomic():
            seq_no = self.outbox.next_seq_no(tx.id)
            request = v201.TransactionEventRequest(
                event_type=event_type,
                timestamp=_now(),
                trigger_reason=trigger,
                seq_no=seq_no,
                offline=True if not self.connected else None,
                transaction_info=v201.TransactionType(
                    transaction_id=tx.id,
                    charging_state=state if changed or event_type is TxEvent.Started else None,
                    stopped_reason=stopped_reason,
                    remote_start_id=tx.remote_start_id if trigger is Trigger.RemoteStart else None,
                ),
                evse=v201.EVSEType(id=evse.id, connector_id=evse.plugged_connector),
                id_token=v201.IdTokenType.from_json_dict(token) if token else None,
                meter_value=meter_value or None,
            )
            self.outbox.put("TransactionEvent", request.to_json_dict(), persistent=True)
            self.save_evse(evse)

    def _start_transaction(
        self,
        evse: Evse,
        trigger: v201.TriggerReasonEnumType,
        *,
        token: dict[str, Any] | None = None,
        remote_start_id: int | None = None,
    ) -> None:
        evse.transaction = Transaction(
            id=str(uuid.uuid4()),
            started_at=_now().isoformat(),
            id_token=token,
            group_id_token=self._groups.get(_token_key(token)) if token else None,
            remote_start_id=remote_start_id,
        )
        evse.authorization = None
        self._transaction_event(
            evse,
            TxEvent.Started,
            trigger,
            with_token=token is not None,
            meter_value=sampled_now(
                self.dm, evse, "TxStartedMeasurands", Context.Transaction_Begin
            ),
        )
        self.sampling.start_transaction(evse)

    def _end_transaction(
        self,
        evse: Evse,
        trigger: v201.TriggerReasonEnumType,
        reason: v201.ReasonEnumType,
        *,
        with_token: bool | dict[str, Any] = False,
    ) -> None:
        tx = evse.transaction
        if tx is None:
            return
        meter = [v201.MeterValueType.from_json_dict(v) for v in tx.ended_samples]
        meter += sampled_now(self.dm, evse, "TxEndedMeasurands", Context.Transaction_End)
        self._transaction_event(
            evse,
            TxEvent.Ended,
            trigger,
            with_token=with_token,
            meter_value=meter,
            stopped_reason=reason,
        )
        evse.transaction = None
        evse.authorization = None
        evse.meter.set_charging(False, time.monotonic())
        self.sampling.end_transaction(evse)
        if evse.scheduled_operative is not None:
            self._apply_availability(evse, evse.scheduled_connector, evse.scheduled_operative)
            evse.scheduled_operative = evse.scheduled_connector = None
        if self._scheduled_station is not None and not self._transactions():
            self.operative = self._scheduled_station
            self.outbox.save_state("station_operative", self.operative)
            self._scheduled_station = None
        self.save_evse(evse)
        self._notify_statuses()
        if self._scheduled_reset and not self._transactions():
            self._scheduled_reset = False
            self._spawn(self._reboot(v201.BootReasonEnumType.RemoteReset))

    def _may_start_transaction(self) -> bool:
        """B02.FR.03 / B03.FR.01: before an Accepted boot a transaction starts only when
        TxCtrlr.TxBeforeAcceptedEnabled is true (its events wait in the queue until then)."""
        if self.registration is Reg.Accepted:
            return True
        return self.dm.get_bool("TxCtrlr", "TxBeforeAcceptedEnabled")

    def _transactions(self) -> list[Evse]:
        return [evse for evse in self.evses.values() if evse.transaction is not None]

    def _start_points(self) -> set[str]:
        return set(self.dm.get_members("TxCtrlr", "TxStartPoint"))

    def _stop_points(self) -> set[str]:
        return set(self.dm.get_members("TxCtrlr", "TxStopPoint"))

    def _authorized(
        self,
        evse: Evse,
        token: dict[str, Any],
        trigger: v201.TriggerReasonEnumType,
        remote_start_id: int | None = None,
    ) -> None:
        """An accepted idToken for `evse`: start, or authorize the running transaction."""
        tx = evse.transaction
        if tx is None:
            if not self._may_start_transaction():
                logger.info("EVSE %d: no transaction before the boot is Accepted", evse.id)
                return
            if not evse.may_start_transaction(self.operative):
                logger.info("EVSE %d: Unavailable, no new transaction", evse.id)
                return
            evse.authorization = token
            points = self._start_points()
            power_path = evse.plugged and not evse.lock_failure  # G05: no lock, no power
            if "Authorized" in points or (power_path and points & _POWER_PATH):
                self._start_transaction(evse, trigger, token=token, remote_start_id=remote_start_id)
            if not evse.plugged:
                self._arm_connection_timeout(evse)
        elif tx.id_token is None:
            tx.id_token = token
            tx.group_id_token = self._groups.get(_token_key(token))
            if remote_start_id is not None:
                tx.remote_start_id = remote_start_id
            self._transaction_event(evse, TxEvent.Updated, trigger, with_token=True)
        self.save_evse(evse)
        self._notify_statuses()

    def _arm_connection_timeout(self, evse: Evse) -> None:
        previous = self._timeouts.pop(evse.id, None)
        if previous is not None:
            previous.cancel()

        async def expire() -> None:
            await asyncio.sleep(self.scaled(self.dm.get_int("TxCtrlr", "EVConnectionTimeOut")))
            self._timeouts.pop(evse.id, None)
            if evse.plugged:
                return
            if evse.transaction is not None:
                self._end_transaction(evse, Trigger.EVConnectTimeout, Reason.Timeout)
            evse.authorization = None
            self.save_evse(evse)

        self._timeouts[evse.id] = asyncio.get_running_loop().create_task(expire())

    def _deauthorize(
        self,
        evse: Evse,
        trigger: v201.TriggerReasonEnumType,
        reason: Reason,
        stop_token: dict[str, Any] | None = None,
    ) -> None:
        """The transaction's authorization ends (E07, E05, RequestStop); `stop_token`: the
        idToken the driver stopped it with, sent in the event (E07.FR.02)."""
        tx = evse.transaction
        assert tx is not None
        token: bool | dict[str, Any] = stop_token if stop_token is not None else False
        if self._stop_points() & ({"Authorized"} | _POWER_PATH) or trigger is Trigger.RemoteStop:
            self._end_transaction(evse, trigger, reason, with_token=token)
        else:
            tx.deauthorized = True
            self._transaction_event(evse, TxEvent.Updated, trigger, with_token=token)

    # -- driver and EV actions -------------------------------------------------------------------

    def _evse(self, evse_id: int) -> Evse:
        evse = self.evses.get(evse_id)
        if evse is None:
            raise StationError(f"no EVSE {evse_id}")
        return evse

    async def plug_in(self, evse_id: int, connector_id: int = 1) -> None:
        """The EV's cable is plugged into `connector_id` of `evse_id` (E02)."""
        evse = self._evse(evse_id)
        if evse.plugged:
            raise StationError(f"EVSE {evse_id} already has an EV plugged in")
        if evse.connector(connector_id) is None:
            raise StationError(f"no connector {connector_id} on EVSE {evse_id}")
        evse.plugged = True
        evse.plugged_connector = connector_id
        timeout = self._timeouts.pop(evse.id, None)
        if timeout is not None:
            timeout.cancel()
        self.save_evse(evse)
        self._notify_statuses()
        if evse.lock_failure:  # G05: the connector does not lock; no charging
            self._notify_event(
                v201.ComponentType(
                    name="ConnectorPlugRetentionLock",
                    evse=v201.EVSEType(id=evse.id, connector_id=connector_id),
                ),
                "Problem",
                "true",
                v201.EventTriggerEnumType.Delta,
                v201.EventNotificationEnumType.HardWiredNotification,
                severity=SEVERITY_HARDWARE_FAILURE,
                tech_info="connector lock failed",
            )
            return
        tx = evse.transaction
        points = self._start_points()
        if tx is None:
            starts = points & {"EVConnected", "ParkingBayOccupancy"} or (
                evse.authorization is not None and points & _POWER_PATH
            )
            startable = self._may_start_transaction() and evse.may_start_transaction(
                self.operative
            )  # B02.FR.03; an Unavailable connector takes no new session
            if starts and startable:
                self._start_transaction(evse, Trigger.CablePluggedIn, token=evse.authorization)
        else:
            self._transaction_event(evse, TxEvent.Updated, Trigger.CablePluggedIn)
        self.save_evse(evse)

    async def unplug(self, evse_id: int) -> None:
        """The EV's cable is removed (E09 stop, or E10 suspend when StopTxOnEVSideDisconnect is
        false)."""
        evse = self._evse(evse_id)
        if not evse.plugged:
            raise StationError(f"EVSE {evse_id} has no EV plugged in")
        evse.plugged = False
        if evse.transaction is not None:
            if self.dm.get_bool("TxCtrlr", "StopTxOnEVSideDisconnect"):  # E09
                self._end_transaction(evse, Trigger.EVCommunicationLost, Reason.EVDisconnected)
            else:  # E10: suspended until the EV is back or the driver stops it
                self._transaction_event(evse, TxEvent.Updated, Trigger.EVCommunicationLost)
        self.save_evse(evse)
        self._notify_statuses()

    async def present_token(
        self, id_token: str, token_type: str = "ISO14443", evse_id: int | None = None
    ) -> str:
        """The driver presents an idToken (C01 RFID with ISO14443, C04 PIN with KeyCode, ...) at
        `evse_id` (None: the first EVSE free for it). Returns the authorization status.

        The idToken of a running authorized transaction, or a valid cached one with the same
        groupIdToken, ends that transaction's authorization without an Authorize (C01.FR.03,
        E07.FR.01). Any other idToken is authorized (C01.FR.02); when the CSMS answers with the
        groupIdToken of a running transaction, that one ends too. With no EVSE free (each has a
        transaction) nothing starts: the status is returned, and the station logs it."""
        token = {"idToken": id_token, "type": v201.IdTokenEnumType(token_type).value}
        target = self._evse(evse_id) if evse_id is not None else None
        running = self._authorized_by(token, self._cached_group(token), evse_id)
        if running is not None:
            self._stop_by_token(running, token)
            return Auth.Accepted.value
        status, group = await self._authorize(token)
        if status is Auth.Accepted:
            running = self._authorized_by(token, group, evse_id)
            if running is not None:
                self._stop_by_token(running, token)
                return status.value
            target = target or self._free_evse()
            if target is None:
                logger.info("idToken %s authorized, but no EVSE is free", id_token)
            else:
                self._authorized(target, token, Trigger.Authorized)
        return status.value  # not Accepted (E05 if a transaction waits for it): no charging

    def _authorized_by(
        self, token: dict[str, Any], group: dict[str, Any] | None, evse_id: int | None
    ) -> Evse | None:
        """The EVSE whose authorized transaction `token` may stop: one it started (C01.FR.03)
        before one of its `group` (E07.FR.01 b), so a driver's card ends their own charge."""
        running: list[tuple[Evse, Transaction]] = []
        for evse in self.evses.values():
            tx = evse.transaction
            if evse_id not in (None, evse.id) or tx is None:
                continue
            if tx.id_token is not None and not tx.deauthorized:
                running.append((evse, tx))
        # Keys, not dicts: the held idToken may carry additionalInfo the presented one lacks.
        key = _token_key(token)
        for evse, tx in running:
            if tx.id_token is not None and _token_key(tx.id_token) == key:
                return evse
        for evse, tx in running:
            held = tx.group_id_token
            if group is not None and held is not None and _token_key(held) == _token_key(group):
                return evse
        return None

    def _stop_by_token(self, evse: Evse, token: dict[str, Any]) -> None:
        self._deauthorize(evse, Trigger.StopAuthorized, Reason.Local, stop_token=token)
        self.save_evse(evse)
        self._notify_statuses()

    async def press_start_button(self, evse_id: int) -> None:
        """C02: a start button authorizes without an idToken (type NoAuthorization)."""
        self._authorized(
            self._evse(evse_id), {"idToken": "", "type": "NoAuthorization"}, Trigger.Authorized
        )

    def _free_evse(self) -> Evse | None:
        """Where a presented idToken goes: a plugged EVSE waiting for one, a transaction
        without one (E05 retry), then any idle EVSE; None if every EVSE is busy or
        Unavailable."""
        idle = [
            e
            for e in self.evses.values()
            if e.transaction is None and e.may_start_transaction(self.operative)
        ]
        candidates = [e for e in idle if e.plugged]
        candidates += [
            e
            for e in self.evses.values()
            if e.transaction is not None and e.transaction.id_token is None
        ]
        candidates += [e for e in idle if e.authorization is None and not e.faulted]
        return candidates[0] if candidates else None

    async def authorize(self, token: Mapping[str, Any]) -> v201.AuthorizationStatusEnumType:
        """Authorize an idToken: NoAuthorization, the cache (LocalPreAuthorize), the CSMS, or
        offline rules (LocalAuthorizeOffline, OfflineTxForUnknownIdEnabled)."""
        status, _ = await self._authorize(token)
        return status

    async def _authorize(
        self, token: Mapping[str, Any]
    ) -> tuple[v201.AuthorizationStatusEnumType, dict[str, Any] | None]:
        """`authorize`, with the groupIdToken known for the idToken (wire form, or None)."""
        if token["type"] == "NoAuthorization":
            return Auth.Accepted, None
        dm = self.dm
        cached = self._cached(token)
        group = self._cached_group(token)
        cache_on = dm.get_bool("AuthCacheCtrlr", "Enabled")
        if cached is Auth.Accepted and cache_on and dm.get_bool("AuthCtrlr", "LocalPreAuthorize"):
            return Auth.Accepted, group
        if self.online and self._client is not None:
            request = v201.AuthorizeRequest(id_token=v201.IdTokenType.from_json_dict(token))
            try:
                response = await self._client.call(request)
            except _CALL_FAILURES:
                pass
            else:
                assert isinstance(response, v201.AuthorizeResponse)
                info = response.id_token_info
                self._cache(token, info)
                return info.status, self._groups.get(_token_key(token))
        if cached is Auth.Accepted and dm.get_bool("AuthCtrlr", "LocalAuthorizeOffline"):
            return Auth.Accepted, group
        if dm.get_bool("AuthCtrlr", "OfflineTxForUnknownIdEnabled") and cached is None:
            return Auth.Accepted, None
        return cached or Auth.Unknown, None

    def _cached(self, token: Mapping[str, Any]) -> v201.AuthorizationStatusEnumType | None:
        entry = self._auth_cache.get(_token_key(token))
        if entry is None:
            return None
        if entry["expires"] < time.time():
            return None
        return Auth(entry["status"])

    def _cached_group(self, token: Mapping[str, Any]) -> dict[str, Any] | None:
        """The groupIdToken of a valid (Accepted, unexpired) cached idToken (E07.FR.01 b)."""
        if not self.dm.get_bool("AuthCacheCtrlr", "Enabled"):
            return None
        if self._cached(token) is not Auth.Accepted:
            return None
        group: dict[str, Any] | None = self._auth_cache[_token_key(token)].get("group")
        return group

    def _cache(self, token: Mapping[str, Any], info: v201.IdTokenInfoType) -> None:
        """Remember an idTokenInfo: its groupIdToken (for the transactions this idToken
        starts) and, with AuthCacheCtrlr.Enabled, the authorization cache entry (C10)."""
        group = info.group_id_token.to_json_dict() if info.group_id_token else None
        key = _token_key(token)
        if group is None:
            self._groups.pop(key, None)
        else:
            self._groups[key] = group
        if not self.dm.get_bool("AuthCacheCtrlr", "Enabled"):
            return
        lifetime = self.dm.get_int("AuthCacheCtrlr", "LifeTime")
        expires = time.time() + lifetime
        if info.cache_expiry_date_time is not None:
            expires = min(expires, info.cache_expiry_date_time.timestamp())
        self._auth_cache[key] = {"status": info.status.value, "expires": expires, "group": group}
        self.outbox.save_state("auth_cache", self._auth_cache)

    def clear_cache(self) -> None:
        self._auth_cache = {}
        self.outbox.save_state("auth_cache", None)

    async def fault(self, evse_id: int, tech_info: str = "simulated fault") -> None:
        """The EVSE becomes Faulted: StatusNotification Faulted and an N07 alert NotifyEvent."""
        evse = self._evse(evse_id)
        evse.faulted = True
        self.save_evse(evse)
        self._notify_statuses()
        self._notify_event(
            v201.ComponentType(name="EVSE", evse=v201.EVSEType(id=evse.id)),
            "AvailabilityState",
            "Faulted",
            v201.EventTriggerEnumType.Alerting,
            v201.EventNotificationEnumType.HardWiredMonitor,
            severity=SEVERITY_ERROR,
            tech_info=tech_info,
        )

    async def clear_fault(self, evse_id: int) -> None:
        evse = self._evse(evse_id)
        evse.faulted = False
        self.save_evse(evse)
        self._notify_statuses()
        self._notify_event(
            v201.ComponentType(name="EVSE", evse=v201.EVSEType(id=evse.id)),
            "AvailabilityState",
            self._evse_state(evse.id),
            v201.EventTriggerEnumType.Alerting,
            v201.EventNotificationEnumType.HardWiredMonitor,
            severity=SEVERITY_ERROR,
            cleared=True,
        )

    async def set_lock_failure(self, evse_id: int, failing: bool = True) -> None:
        """Simulate a connector lock that fails (G05 on the next plug-in; UnlockFailed)."""
        evse = self._evse(evse_id)
        evse.lock_failure = failing
        self.save_evse(evse)

    def snapshot(self) -> dict[str, Any]:
        """The station's state as JSON-able data (for the control API and tests)."""
        return {
            "identity": self.identity,
            "connected": self.connected,
            "registration": self.registration.value if self.registration else None,
            "operative": self.operative,
            "queued": len(self.outbox) if self._started else 0,
            "reboots": self.reboots,
            "evses": {
                str(evse.id): {
                    "plugged": evse.plugged,
                    "operative": evse.operative,
                    "faulted": evse.faulted,
                    "connectors": {
                        str(c.id): evse.connector_status(c, self.operative).value
                        for c in evse.connectors
                    },
                    "transaction": evse.transaction.to_json() if evse.transaction else None,
                    "energy_wh": round(evse.meter.energy_wh, 3),
                }
                for evse in self.evses.values()
            },
        }

    # -- answers to our own messages -------------------------------------------------------------

    def _on_answer(self, entry: Entry, response: OcppModel) -> None:
        if entry.action == "StatusNotification":
            payload = entry.payload
            self._reported[(payload["evseId"], payload["connectorId"])] = payload["connectorStatus"]
            return
        if entry.action != "TransactionEvent":
            return
        assert isinstance(response, v201.TransactionEventResponse)
        info = response.id_token_info
        token = entry.payload.get("idToken")
        if info is None or token is None:
            return
        self._cache(token, info)
        tx_id = entry.payload["transactionInfo"]["transactionId"]
        for evse in self.evses.values():
            tx = evse.transaction
            if tx is not None and tx.id == tx_id and tx.id_token == token:
                tx.group_id_token = self._groups.get(_token_key(token))
                self.save_evse(evse)
        if info.status is Auth.Accepted:
            return
        for evse in self.evses.values():  # E05: the CSMS did not accept the idToken
            tx = evse.transaction
            if tx is not None and tx.id == tx_id and not tx.deauthorized:
                if self.dm.get_bool("TxCtrlr", "StopTxOnInvalidId"):
                    self._end_transaction(evse, Trigger.Deauthorized, Reason.DeAuthorized)
                else:
                    tx.deauthorized = True
                    self._transaction_event(evse, TxEvent.Updated, Trigger.ChargingStateChanged)
                    self.save_evse(evse)

    # -- reset and availability ------------------------------------------------------------------

    async def _reboot(self, reason: v201.BootReasonEnumType) -> None:
        await asyncio.sleep(self.scaled(0.5))  # let the answer to Reset go out first
        await self._disconnect()
        self.registration = None
        self.boot_reason = reason
        self.reboots += 1
        self._full_status_report = True
        self._reported.clear()
        await self._connect()

    def _apply_availability(self, evse: Evse, connector_id: int | None, operative: bool) -> None:
        if connector_id is None:
            evse.operative = operative
        else:
            connector = evse.connector(connector_id)
            if connector is not None:
                connector.operative = operative
        self.save_evse(evse)

    # -- CSMS-initiated calls ----------------------------------------------------------------------

    def on_reset(self, request: v201.ResetRequest) -> v201.ResetResponse:
        status = v201.ResetStatusEnumType
        immediate = request.type is v201.ResetEnumType.Immediate
        if request.evse_id is not None:
            evse = self.evses.get(request.evse_id)
            if evse is None:
                return v201.ResetResponse(status=status.Rejected)
            if evse.transaction is None:
                return v201.ResetResponse(status=status.Accepted)
            if immediate:  # B12.FR.08
                self._end_transaction(evse, Trigger.ResetCommand, Reason.ImmediateReset)
                return v201.ResetResponse(status=status.Accepted)
            return v201.ResetResponse(status=status.Scheduled)  # ends normally, then resets
        running = self._transactions()
        if running and not immediate:  # B12.FR.01
            self._scheduled_reset = True
            return v201.ResetResponse(status=status.Scheduled)
        self._scheduled_reset = False  # an Immediate reset replaces a scheduled one
        for evse in running:  # B12.FR.04
            self._end_transaction(evse, Trigger.ResetCommand, Reason.ImmediateReset)
        self._spawn(self._reboot(v201.BootReasonEnumType.RemoteReset))
        return v201.ResetResponse(status=status.Accepted)

    def on_change_availability(
        self, request: v201.ChangeAvailabilityRequest
    ) -> v201.ChangeAvailabilityResponse:
        status = v201.ChangeAvailabilityStatusEnumType
        operative = request.operational_status is v201.OperationalStatusEnumType.Operative
        if request.evse is None or request.evse.id == 0:  # G04: the whole station
            if not operative and self._transactions():
                self._scheduled_station = False
                return v201.ChangeAvailabilityResponse(status=status.Scheduled)
            self.operative = operative
            self._scheduled_station = None
            self.outbox.save_state("station_operative", operative)
            self._notify_statuses()
            return v201.ChangeAvailabilityResponse(status=status.Accepted)
        evse = self.evses.get(request.evse.id)  # G03: one EVSE or connector
        connector_id = request.evse.connector_id
        if evse is None or (connector_id is not None and evse.connector(connector_id) is None):
            return v201.ChangeAvailabilityResponse(status=status.Rejected)
        if not operative and evse.transaction is not None:
            evse.scheduled_operative = False
            evse.scheduled_connector = connector_id
            self.save_evse(evse)
            return v201.ChangeAvailabilityResponse(status=status.Scheduled)
        if evse.scheduled_connector == connector_id:  # the latest request for it wins
            evse.scheduled_operative = evse.scheduled_connector = None
        self._apply_availability(evse, connector_id, operative)
        self._notify_statuses()
        return v201.ChangeAvailabilityResponse(status=status.Accepted)

    def _check_items_per_message(self, action: str, count: int) -> None:
        limit = self.dm.get_int("DeviceDataCtrlr", "ItemsPerMessage", action)
        if count > limit:
            raise OcppError(
                ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
                f"at most {limit} variables per {action}Request",
            )

    def on_get_variables(self, request: v201.GetVariablesRequest) -> v201.GetVariablesResponse:
        self._check_items_per_message("GetVariables", len(request.get_variable_data))
        return v201.GetVariablesResponse(
            get_variable_result=[self.dm.get_variable(d) for d in request.get_variable_data]
        )

    def on_set_variables(self, request: v201.SetVariablesRequest) -> v201.SetVariablesResponse:
        self._check_items_per_message("SetVariables", len(request.set_variable_data))
        return v201.SetVariablesResponse(
            set_variable_result=[self.dm.set_variable(d) for d in request.set_variable_data]
        )

    def on_get_base_report(
        self, request: v201.GetBaseReportRequest, conn: OcppConnection
    ) -> v201.GetBaseReportResponse:
        entries = self.dm.report(request.report_base)
        per_message = max(1, self.dm.get_int("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"))
        chunks = [entries[i : i + per_message] for i in range(0, len(entries), per_message)]

        async def send() -> None:
            generated_at = _now()
            for seq_no, chunk in enumerate(chunks):
                request_out = v201.NotifyReportRequest(
                    request_id=request.request_id,
                    generated_at=generated_at,
                    report_data=chunk,
                    tbc=seq_no < len(chunks) - 1,
                    seq_no=seq_no,
                )
                try:
                    await conn.call(request_out)
                except _CALL_FAILURES:
                    return

        self._spawn(send())
        return v201.GetBaseReportResponse(status=v201.GenericDeviceModelStatusEnumType.Accepted)

    def on_request_start_transaction(
        self, request: v201.RequestStartTransactionRequest
    ) -> v201.RequestStartTransactionResponse:
        status = v201.RequestStartStopStatusEnumType
        evse: Evse | None
        if request.evse_id is not None:
            evse = self.evses.get(request.evse_id)
        else:
            free = [
                e
                for e in self.evses.values()
                if (e.transaction is None or e.plugged) and e.may_start_transaction(self.operative)
            ]
            evse = free[0] if free else None
        if (
            self.registration is not Reg.Accepted
            or evse is None
            or evse.faulted
            or not evse.may_start_transaction(self.operative)
            or (evse.transaction is not None and evse.transaction.id_token is not None)
        ):
            return v201.RequestStartTransactionResponse(status=status.Rejected)
        token = request.id_token.to_json_dict()
        transaction_id = evse.transaction.id if evse.transaction is not None else None

        async def start() -> None:
            check = self.dm.get_bool("AuthCtrlr", "AuthorizeRemoteStart")
            if check and await self.authorize(token) is not Auth.Accepted:
                return
            self._authorized(evse, token, Trigger.RemoteStart, request.remote_start_id)

        self._spawn(start())
        return v201.RequestStartTransactionResponse(
            status=status.Accepted, transaction_id=transaction_id
        )

    def on_request_stop_transaction(
        self, request: v201.RequestStopTransactionRequest
    ) -> v201.RequestStopTransactionResponse:
        status = v201.RequestStartStopStatusEnumType
        for evse in self.evses.values():
            tx = evse.transaction
            if tx is not None and tx.id == request.transaction_id:
                if self.registration is not Reg.Accepted:
                    break
                self._end_transaction(evse, Trigger.RemoteStop, Reason.Remote)
                return v201.RequestStopTransactionResponse(status=status.Accepted)
        return v201.RequestStopTransactionResponse(status=status.Rejected)

    def on_trigger_message(
        self, request: v201.TriggerMessageRequest, conn: OcppConnection
    ) -> v201.TriggerMessageResponse:
        status = v201.TriggerMessageStatusEnumType
        M = v201.MessageTriggerEnumType
        what = request.requested_message
        evse_id = request.evse.id if request.evse is not None else None
        if evse_id is not None and evse_id not in self.evses:
            return v201.TriggerMessageResponse(status=status.Rejected)
        evses = [self.evses[evse_id]] if evse_id is not None else list(self.evses.values())
        if what is M.BootNotification:
            if self.registration is Reg.Accepted:  # F06.FR.17
                return v201.TriggerMessageResponse(status=status.Rejected)
            self.boot_reason = v201.BootReasonEnumType.Triggered
            self._boot_now.set()
        elif what is M.Heartbeat:

            async def beat() -> None:
                with contextlib.suppress(*_CALL_FAILURES):
                    await conn.call(v201.HeartbeatRequest())

            self._spawn(beat())
        elif what is M.StatusNotification:
            for evse in evses:
                for connector in evse.connectors:
                    wanted = request.evse.connector_id if request.evse is not None else None
                    if wanted is not None and wanted != connector.id:
                        continue
                    self._queued_status.pop((evse.id, connector.id), None)
            self._notify_statuses()
        elif what is M.MeterValues:
            measurands = self.dm.get_members("AlignedDataCtrlr", "Measurands")  # F06.FR.06
            for evse in evses:
                value = evse.meter.sample(measurands, Context.Trigger, _now(), time.monotonic())
                if value is not None:
                    meter = v201.MeterValuesRequest(evse_id=evse.id, meter_value=[value])
                    self.outbox.put(
                        "MeterValues", meter.to_json_dict(), persistent=self.queue_all()
                    )
        elif what is M.TransactionEvent:
            running = [e for e in evses if e.transaction is not None]
            if not running:
                return v201.TriggerMessageResponse(status=status.Rejected)
            for evse in running:
                self._transaction_event(
                    evse,
                    TxEvent.Updated,
                    Trigger.Trigger,
                    meter_value=sampled_now(self.dm, evse, "TxUpdatedMeasurands", Context.Trigger),
                )
        else:
            return v201.TriggerMessageResponse(status=status.NotImplemented)
        return v201.TriggerMessageResponse(status=status.Accepted)

    def on_unlock_connector(
        self, request: v201.UnlockConnectorRequest
    ) -> v201.UnlockConnectorResponse:
        status = v201.UnlockStatusEnumType
        evse = self.evses.get(request.evse_id)
        if evse is None or evse.connector(request.connector_id) is None:
            return v201.UnlockConnectorResponse(status=status.UnknownConnector)
        tx = evse.transaction
        if tx is not None and tx.id_token is not None and not tx.deauthorized:
            return v201.UnlockConnectorResponse(status=status.OngoingAuthorizedTransaction)
        if evse.lock_failure:
            return v201.UnlockConnectorResponse(status=status.UnlockFailed)
        return v201.UnlockConnectorResponse(status=status.Unlocked)

    def on_data_transfer(self, request: v201.DataTransferRequest) -> v201.DataTransferResponse:
        return v201.DataTransferResponse(status=v201.DataTransferStatusEnumType.UnknownVendorId)

    def on_clear_cache(self, request: v201.ClearCacheRequest) -> v201.ClearCacheResponse:
        self.clear_cache()
        return v201.ClearCacheResponse(status=v201.ClearCacheStatusEnumType.Accepted)


def _flag(value: bool) -> str:
    return "true" if value else "false"
