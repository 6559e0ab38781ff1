"""Provisioning (B01-B04, B11, B12): the connection to the CSMS, BootNotification,
Heartbeat, the registration state, the status report on (re)connecting, and reboots.

On every connection: BootNotification until Accepted unless already Accepted (B01-B03; an
interval of 0 retries after `boot_retry`, and TriggerMessage(BootNotification) cuts the wait),
then the status report (every connector after a boot or an outage longer than
OCPPCommCtrlr.OfflineThreshold, B04.FR.01; else what changed), ahead of what was queued
offline; then Heartbeat every HeartbeatInterval. `Provisioning` is the components' `Link`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable

from ocppgen.generated import v201
from ocppgen.reference.station.device_model import VariableKey
from ocppgen.reference.station.site import CALL_FAILURES, Caller, Site, now
from ocppgen.reference.station.status import StatusReport
from ocppgen.runtime.client import BackOff, StationClient
from ocppgen.runtime.dispatch import Handler
from ocppgen.runtime.endpoint import Disconnected, OcppConnection
from ocppgen.runtime.errors import ErrorCode, OcppError
from ocppgen.runtime.model import OcppModel

__all__ = ["Provisioning"]

Reg = v201.RegistrationStatusEnumType


class Provisioning:
    """See the module docstring. `handler`: what answers the CSMS's CALLs."""

    def __init__(
        self,
        site: Site,
        *,
        url: str,
        identity: str,
        charging_station: v201.ChargingStationType,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        boot_retry: float = 60.0,
    ) -> None:
        self.site = site
        self.url = url
        self.identity = identity
        self.charging_station = charging_station
        self._password = password
        self._ssl = ssl_context
        self.boot_retry = boot_retry
        self.registration: Reg | None = None
        self.boot_reason = v201.BootReasonEnumType.PowerUp
        self.reboots = 0
        self.status: StatusReport
        self.handler: Handler
        self.running: Callable[[], bool] = lambda: False  # whether the station has started
        self._client: StationClient | None = None
        self._online = asyncio.Event()
        self._boot_now = asyncio.Event()
        self._session: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._full_status_report = True
        self._offline_since: float | None = time.monotonic()

    # -- Link ------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connection is not None

    @property
    def online(self) -> bool:
        return self._online.is_set() and self.connected

    async def call(self, request: OcppModel) -> OcppModel:
        if self._client is None:
            raise Disconnected(f"{self.identity} is not connected")
        return await self._client.call(request)

    def connection(self) -> Caller:
        conn = self._client.connection if self._client is not None else None
        if conn is None:
            raise OcppError(ErrorCode.INTERNAL_ERROR, "not connected")
        return conn

    @property
    def has_client(self) -> bool:
        """Connected or trying to (`disconnect` ends that)."""
        return self._client is not None

    async def wait_online(self) -> OcppConnection:
        while True:
            await self._online.wait()
            conn = self._client.connection if self._client is not None else None
            if conn is not None:
                return conn
            self._online.clear()

    # -- connection ------------------------------------------------------------------------------

    def bind(self) -> None:
        """The device-model variables that describe this station and its connection."""
        dm = self.site.dm
        dm.bind(
            VariableKey("ClockCtrlr", "DateTime"), lambda: now().isoformat().replace("+00:00", "Z")
        )
        dm.bind(VariableKey("SecurityCtrlr", "Identity"), lambda: self.identity)
        dm.bind(VariableKey("ChargingStation", "Model"), lambda: self.charging_station.model)
        dm.bind(
            VariableKey("ChargingStation", "VendorName"), lambda: self.charging_station.vendor_name
        )
        dm.bind(VariableKey("SecurityCtrlr", "SecurityProfile"), self._security_profile)

    def _security_profile(self) -> str:
        if self._ssl is None:
            return "1" if self._password else "0"
        return "2" if self._password else "3"

    def connect(self) -> None:
        self._online.clear()
        dm = self.site.dm
        scaled = self.site.scaled
        self._client = StationClient(
            self.url,
            self.identity,
            [(v201.VERSION, self.handler)],
            password=self._password,
            ssl_context=self._ssl,
            backoff=BackOff(
                wait_minimum=scaled(dm.get_int("OCPPCommCtrlr", "RetryBackOffWaitMinimum")),
                random_range=scaled(dm.get_int("OCPPCommCtrlr", "RetryBackOffRandomRange")),
                repeat_times=dm.get_int("OCPPCommCtrlr", "RetryBackOffRepeatTimes"),
            ),
            ping_interval=scaled(dm.get_int("OCPPCommCtrlr", "WebSocketPingInterval")),
            call_timeout=scaled(dm.get_int("OCPPCommCtrlr", "MessageTimeout", "Default")),
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
        )
        self._client.start()

    async def disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        self._went_offline()

    async def _on_connect(self, conn: OcppConnection) -> None:
        self._session = self.site.spawn(self.session(conn))

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
        started = self.running()
        if started:
            self.site.outbox.drop_volatile()
        self.status.went_offline(queue_open=started)

    async def session(self, conn: Caller) -> None:
        """What follows a connection: boot unless Accepted, status report, heartbeats."""
        try:
            if self.registration is not Reg.Accepted and not await self._boot(conn):
                return
            offline_for = time.monotonic() - (self._offline_since or time.monotonic())
            threshold = self.site.dm.get_int("OCPPCommCtrlr", "OfflineThreshold")
            if self._full_status_report or offline_for > self.site.scaled(threshold):
                self.status.full_report()  # B01 after boot, B04.FR.01 after a long outage
            self._full_status_report = False
            self._offline_since = None
            self._online.set()
            self.status.notify(front=True)  # before what was queued offline / while Pending
            self._heartbeat = self.site.spawn(self._heartbeats(conn))
        except Disconnected:
            pass

    # -- boot and heartbeat ----------------------------------------------------------------------

    async def _boot(self, conn: Caller) -> bool:
        """BootNotification until Accepted (B01-B03); False if the connection went away."""
        while True:
            self._boot_now.clear()
            request = v201.BootNotificationRequest(
                charging_station=self.charging_station, reason=self.boot_reason
            )
            try:
                response = await conn.call(request)
            except Disconnected:
                return False
            except CALL_FAILURES:
                response = None
            wait = self.boot_retry
            if isinstance(response, v201.BootNotificationResponse):
                self.registration = response.status
                if response.status is Reg.Accepted:
                    self._accepted(response.interval)
                    return True
                wait = response.interval if response.interval > 0 else self.boot_retry
            with contextlib.suppress(TimeoutError):  # TriggerMessage(BootNotification) cuts it
                await asyncio.wait_for(self._boot_now.wait(), self.site.scaled(wait))

    def _accepted(self, interval: int) -> None:
        if interval > 0:  # B01.FR.04
            self.site.dm.put(VariableKey("OCPPCommCtrlr", "HeartbeatInterval"), str(interval))
        self._full_status_report = True

    def boot_now(self) -> bool:
        """TriggerMessage(BootNotification): False once Accepted (F06.FR.17)."""
        if self.registration is Reg.Accepted:
            return False
        self.boot_reason = v201.BootReasonEnumType.Triggered
        self._boot_now.set()
        return True

    async def _heartbeats(self, conn: Caller) -> None:
        while True:
            interval = self.site.dm.get_int("OCPPCommCtrlr", "HeartbeatInterval")
            await asyncio.sleep(self.site.scaled(interval))
            await self._heartbeat_on(conn)

    def trigger_heartbeat(self) -> None:
        """TriggerMessage(Heartbeat): one now, on the current connection."""
        self.site.spawn(self._heartbeat_on(self.connection()))

    @staticmethod
    async def _heartbeat_on(conn: Caller) -> None:
        with contextlib.suppress(*CALL_FAILURES):
            await conn.call(v201.HeartbeatRequest())

    async def reboot(self, reason: v201.BootReasonEnumType) -> None:
        """Reconnect and boot again (Reset, B11/B12)."""
        await asyncio.sleep(self.site.scaled(0.5))  # let the answer to Reset go out first
        await self.disconnect()
        self.registration = None
        self.boot_reason = reason
        self.reboots += 1
        self._full_status_report = True
        self.status.forget_reported()
        self.connect()
