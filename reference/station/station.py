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

Component map (each owns its state and timers, and can be built and tested alone on a `Site`):

    site.py           Site: state file, device model, outbound queue, EVSEs, clock, tasks;
                      Link: what a component may ask of the connection
    provisioning.py   Provisioning (B01-B04, B11/B12): connection, BootNotification,
                      registration, Heartbeat, reconnect status report, reboot; the Link
    status.py         StatusReport (G01, B01, B04): which StatusNotifications to queue
    availability.py   Availability (G01-G05): station/EVSE/connector operative state,
                      ChangeAvailability, Scheduled changes, AvailabilityState variables
    authorization.py  Authorization (C01, C02, C04, C10): cache, groupIdTokens, Authorize
    transactions.py   Transactions (E01-E13): start/stop points, TransactionEvents, seqNo,
                      EVConnectionTimeOut, E05 on the CSMS's idTokenInfo
    driver.py         Driver: the EV and driver actions (cable, idToken, button, faults)
    reporting.py      Events (N07, G05): NotifyEvent, offline queuing severity
    configuration.py  Configuration (B05-B07): Get/SetVariables, GetBaseReport/NotifyReport
    remote.py         RemoteControl (F01-F06, B11/B12, P01): RequestStart/Stop, Reset,
                      TriggerMessage, UnlockConnector, DataTransfer
    sampling.py       Sampling (J01, J02): meter timers
    handlers.py       StationHandlers: the generated ChargingStationHandlers, one typed
                      on_<action> per supported CALL, the B02/B03 registration check in handle
    evse.py, meter.py, device_model.py, queue.py: the state they share

`Station` (this module) builds and wires them, and is the in-process API. How they meet:
connector status changes go to `StatusReport.notify` (a callback for those that change state);
a transaction's end applies Scheduled availability (`Availability.transaction_ended`) and runs
`Transactions.ended_hooks` (a Scheduled Reset); answers to queued messages come back through
`Station._on_answer` (StatusNotification to the status report, TransactionEvent to
transactions). Each component has a test of its own, without sockets, in
tests/reference/station/test_component_<name>.py.

State lives in one SQLite file (`db_path`, its folder created if missing): the device model
values the CSMS set, EVSE state and running transactions, the authorization cache and the
outbound queue (`queue.py`).
`time_scale` multiplies every configured interval and timeout (HeartbeatInterval,
TxUpdatedInterval, MessageAttemptInterval, EVConnectionTimeOut, boot retry, reconnect back-off,
MessageTimeout, AlignedDataCtrlr intervals): 1.0 is real time, tests use e.g. 0.02.
Clock-aligned instants are multiples of the scaled interval since midnight UTC."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.configuration import Configuration
from ocppgen.reference.station.device_model import DeviceModel
from ocppgen.reference.station.driver import Driver
from ocppgen.reference.station.evse import Evse
from ocppgen.reference.station.handlers import StationHandlers
from ocppgen.reference.station.provisioning import Provisioning
from ocppgen.reference.station.queue import DeliveryPolicy, Entry, Outbox
from ocppgen.reference.station.remote import RemoteControl
from ocppgen.reference.station.reporting import Events
from ocppgen.reference.station.sampling import Sampling, cancel_and_wait
from ocppgen.reference.station.site import Site, StationError
from ocppgen.reference.station.status import StatusReport
from ocppgen.reference.station.transactions import Transactions
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.model import OcppModel

__all__ = ["Station", "StationError"]

Reg = v201.RegistrationStatusEnumType


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
        self.db_path = Path(db_path)
        self.site = site = Site(evses, time_scale=time_scale, overrides=overrides)
        charging_station = v201.ChargingStationType(
            model=model,
            vendor_name=vendor,
            serial_number=serial_number,
            firmware_version=firmware_version,
        )
        self.provisioning = link = Provisioning(
            site,
            url=url,
            identity=identity,
            charging_station=charging_station,
            password=password,
            ssl_context=ssl_context,
            boot_retry=boot_retry,
        )
        self.availability = Availability(site, self._notify)
        self.status = StatusReport(site, link, lambda: self.availability.operative)
        self.authorization = Authorization(site, link)
        self.events = Events(site, link)
        self.sampling = Sampling(self)
        self.transactions = Transactions(
            site,
            link,
            accepted=lambda: link.registration is Reg.Accepted,
            availability=self.availability,
            authorization=self.authorization,
            sampling=self.sampling,
            notify=self._notify,
        )
        self.driver = Driver(
            site,
            transactions=self.transactions,
            authorization=self.authorization,
            availability=self.availability,
            events=self.events,
            notify=self._notify,
        )
        self.configuration = Configuration(site, link)
        self.remote = RemoteControl(
            site,
            provisioning=link,
            transactions=self.transactions,
            authorization=self.authorization,
            availability=self.availability,
            status=self.status,
        )
        link.status = self.status
        link.running = lambda: self._started
        link.handler = StationHandlers(
            lambda: link.registration,
            configuration=self.configuration,
            remote=self.remote,
            availability=self.availability,
            authorization=self.authorization,
        )
        self._runner: asyncio.Task[None] | None = None  # the outbox's delivery loop
        self._started = False

    def _notify(self) -> None:
        self.status.notify()

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the state file, restore EVSEs and transactions, connect and boot."""
        if self._started:
            raise StationError("already started")
        self._started = True
        site = self.site
        site.open(self.db_path)
        self.provisioning.bind()
        self.availability.bind(site.dm)
        self.availability.load()
        self.authorization.load()
        self.events.load()
        self.transactions.resume()
        delivery = site.outbox.run(self.provisioning.wait_online, self._policy(), self._on_answer)
        self._runner = asyncio.get_running_loop().create_task(delivery)
        self.sampling.start()
        self.provisioning.connect()

    def _policy(self) -> DeliveryPolicy:
        dm = self.site.dm
        return DeliveryPolicy(
            attempts=lambda: dm.get_int("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
            interval=lambda: self.scaled(
                dm.get_int("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")
            ),
        )

    async def stop(self) -> None:
        """Disconnect and close the state file (the queue keeps what was not delivered)."""
        if not self._started:
            return
        self._started = False
        await self.provisioning.disconnect()
        await self.sampling.stop()
        await cancel_and_wait([self._runner, *self.transactions.timers(), *self.site.tasks])
        self.site.db.close()

    async def __aenter__(self) -> Station:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _on_answer(self, entry: Entry, response: OcppModel) -> None:
        if entry.action == "StatusNotification":
            self.status.answered(entry)
        elif entry.action == "TransactionEvent":
            self.transactions.answered(entry, response)

    # -- state -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.provisioning.url

    @property
    def identity(self) -> str:
        return self.provisioning.identity

    @property
    def registration(self) -> Reg | None:
        return self.provisioning.registration

    @property
    def reboots(self) -> int:
        return self.provisioning.reboots

    @property
    def operative(self) -> bool:
        """The station's availability (G04)."""
        return self.availability.operative

    @property
    def evses(self) -> dict[int, Evse]:
        return self.site.evses

    @property
    def db(self) -> Any:
        return self.site.db

    @property
    def dm(self) -> DeviceModel:
        return self.site.dm

    @property
    def outbox(self) -> Outbox:
        return self.site.outbox

    @property
    def connected(self) -> bool:
        return self.provisioning.connected

    @property
    def online(self) -> bool:
        """Connected and accepted by the CSMS: what the station may send on its own."""
        return self.provisioning.online

    def scaled(self, seconds: float) -> float:
        """A configured interval or timeout in seconds of this station's clock (`time_scale`)."""
        return self.site.scaled(seconds)

    def queue_all(self) -> bool:
        return self.site.queue_all()

    def save_evse(self, evse: Evse) -> None:
        self.site.save_evse(evse)

    def meter_event(
        self, evse: Evse, trigger: v201.TriggerReasonEnumType, meter_value: list[Any]
    ) -> None:
        """An Updated event with meter values (the sampling timers, `sampling.py`)."""
        self.transactions.meter_event(evse, trigger, meter_value)

    def connector_status(self, evse_id: int, connector_id: int) -> v201.ConnectorStatusEnumType:
        return self.availability.connector_status(evse_id, connector_id)

    async def authorize(self, token: v201.IdTokenType) -> v201.AuthorizationStatusEnumType:
        """Authorize an idToken (see `authorization.py`)."""
        status, _ = await self.authorization.authorize(token)
        return status

    def snapshot(self) -> dict[str, Any]:
        """The station's state as JSON-able data (for the control API and tests)."""
        operative = self.operative
        return {
            "identity": self.identity,
            "connected": self.connected,
            "registration": self.registration.value if self.registration else None,
            "operative": operative,
            "queued": len(self.outbox) if self._started else 0,
            "reboots": self.reboots,
            "evses": {
                str(evse.id): {
                    "plugged": evse.plugged,
                    "operative": evse.operative,
                    "faulted": evse.faulted,
                    "connectors": {
                        str(c.id): evse.connector_status(c, operative).value
                        for c in evse.connectors
                    },
                    "transaction": evse.transaction.to_json() if evse.transaction else None,
                    "energy_wh": round(evse.meter.energy_wh, 3),
                }
                for evse in self.evses.values()
            },
        }

    # -- connection ------------------------------------------------------------------------------

    async def wait_online(self, timeout: float | None = None) -> OcppConnection:
        async with asyncio.timeout(timeout):
            return await self.provisioning.wait_online()

    async def idle(self, timeout: float | None = 10.0) -> None:
        """Wait until every queued message has been delivered (or dropped)."""
        await self.outbox.wait_empty(timeout)

    async def go_offline(self) -> None:
        """Simulate a lost network: close the connection and do not reconnect."""
        await self.provisioning.disconnect()

    async def go_online(self) -> None:
        if not self.provisioning.has_client:
            self.provisioning.connect()

    # -- driver and EV actions (see `driver.py`) ------------------------------------------------

    async def plug_in(self, evse_id: int, connector_id: int = 1) -> None:
        """The EV's cable is plugged into `connector_id` of `evse_id` (E02)."""
        self.driver.plug_in(evse_id, connector_id)

    async def unplug(self, evse_id: int) -> None:
        """The EV's cable is removed (E09 stop, or E10 suspend when StopTxOnEVSideDisconnect is
        false)."""
        self.driver.unplug(evse_id)

    async def present_token(
        self, id_token: str, token_type: str = "ISO14443", evse_id: int | None = None
    ) -> str:
        """The driver presents an idToken (C01 RFID with ISO14443, C04 PIN with KeyCode, ...) at
        `evse_id` (None: the first EVSE free for it). Returns the authorization status
        (`Driver.present_token`)."""
        token = v201.IdTokenType(id_token=id_token, type=v201.IdTokenEnumType(token_type))
        return (await self.driver.present_token(token, evse_id)).value

    async def press_start_button(self, evse_id: int) -> None:
        """C02: a start button authorizes without an idToken (type NoAuthorization)."""
        self.driver.press_start_button(evse_id)

    async def fault(self, evse_id: int, tech_info: str = "simulated fault") -> None:
        """The EVSE becomes Faulted: StatusNotification Faulted and an N07 alert NotifyEvent."""
        self.driver.fault(evse_id, tech_info)

    async def clear_fault(self, evse_id: int) -> None:
        self.driver.clear_fault(evse_id)

    async def set_lock_failure(self, evse_id: int, failing: bool = True) -> None:
        """Simulate a connector lock that fails (G05 on the next plug-in; UnlockFailed)."""
        self.driver.set_lock_failure(evse_id, failing)
