"""Transactions (E01-E13): when one starts and stops, and the TransactionEvents it sends.

TxCtrlr.TxStartPoint / TxStopPoint decide when a transaction starts (`authorized`,
`plugged_in`) and whether losing its authorization ends it or only suspends it
(`deauthorize`). Every event is queued persistently with the next seqNo of its transaction,
taken in the same SQLite transaction (`queue.Outbox`), and the EVSE is saved with it. Before the
boot is Accepted a transaction starts only with TxCtrlr.TxBeforeAcceptedEnabled (B02.FR.03,
B03.FR.01). An authorization without a cable waits TxCtrlr.EVConnectionTimeOut (E03).
The CSMS's idTokenInfo in a TransactionEvent answer may deauthorize the transaction (E05,
`answered`). When a transaction ends, `ended_hooks` run (a Reset scheduled for it, B12).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.evse import Evse, Transaction
from ocppgen.reference.station.queue import Entry
from ocppgen.reference.station.sampling import Sampling, sampled_now
from ocppgen.reference.station.site import Link, Site, now
from ocppgen.runtime.model import OcppModel

__all__ = ["Transactions"]

logger = logging.getLogger("ocppgen.reference.station")

TxEvent = v201.TransactionEventEnumType
Trigger = v201.TriggerReasonEnumType
Reason = v201.ReasonEnumType
Auth = v201.AuthorizationStatusEnumType
Context = v201.ReadingContextEnumType
ChargingState = v201.ChargingStateEnumType
Token = v201.IdTokenType

_POWER_PATH = {"PowerPathClosed", "EnergyTransfer"}


class Transactions:
    """See the module docstring. `accepted`: whether the boot is Accepted; `notify`: report
    changed connector statuses."""

    def __init__(
        self,
        site: Site,
        link: Link,
        *,
        accepted: Callable[[], bool],
        availability: Availability,
        authorization: Authorization,
        sampling: Sampling,
        notify: Callable[[], None],
    ) -> None:
        self.site = site
        self.link = link
        self._accepted = accepted
        self.availability = availability
        self.authorization = authorization
        self.sampling = sampling
        self._notify = notify
        self.ended_hooks: list[Callable[[], None]] = []
        self._timeouts: dict[int, asyncio.Task[None]] = {}

    def resume(self) -> None:
        """After a restart: continue the saved transactions (TxCtrlr.
        AllowEnergyTransferResumption) or end them (PowerLoss)."""
        for evse in self.site.running():
            if self.site.dm.get_bool("TxCtrlr", "AllowEnergyTransferResumption"):
                self.sampling.start_transaction(evse)
                self._update_power(evse)
            else:
                self.end(evse, Trigger.AbnormalCondition, Reason.PowerLoss)

    def timers(self) -> list[asyncio.Task[None]]:
        """The EVConnectionTimeOut timers (the station cancels them when it stops)."""
        tasks = list(self._timeouts.values())
        self._timeouts.clear()
        return tasks

    # -- events ----------------------------------------------------------------------------------

    def charging_state(self, evse: Evse) -> ChargingState:
        tx = evse.transaction
        authorized = tx is not None and tx.id_token is not None and not tx.deauthorized
        if evse.plugged:
            if tx is not None and tx.deauthorized:
                return ChargingState.SuspendedEVSE
            operative = evse.operative and self.availability.operative
            if authorized and operative and not evse.lock_failure:
                return ChargingState.Charging
            return ChargingState.EVConnected
        return ChargingState.Idle

    def _update_power(self, evse: Evse) -> None:
        charging = evse.transaction is not None and (
            self.charging_state(evse) is ChargingState.Charging
        )
        evse.meter.set_charging(charging, time.monotonic())

    def event(
        self,
        evse: Evse,
        event_type: TxEvent,
        trigger: Trigger,
        *,
        token: Token | None = None,
        meter_value: list[v201.MeterValueType] | None = None,
        stopped_reason: Reason | None = None,
    ) -> None:
        """Queue one TransactionEvent of the EVSE's transaction; `token`: the idToken to send."""
        tx = evse.transaction
        assert tx is not None
        state = self.charging_state(evse)
        if event_type is TxEvent.Ended:
            state = ChargingState.EVConnected if evse.plugged else ChargingState.Idle
        changed = state is not tx.charging_state
        tx.charging_state = state
        self._update_power(evse)
        outbox = self.site.outbox
        with outbox.atomic():
            request = v201.TransactionEventRequest(
                event_type=event_type,
                timestamp=now(),
                trigger_reason=trigger,
                seq_no=outbox.next_seq_no(tx.id),
                offline=True if not self.link.connected else None,
                transaction_info=v201.TransactionType(
                    transaction_id=tx.id,
                    charging_state=state if changed or event_type is TxEvent.Started else None,
                    stopped_reason=stopped_reason,
                    remote_start_id=tx.remote_start_id if trigger is Trigger.RemoteStart else None,
                ),
                evse=v201.EVSEType(id=evse.id, connector_id=evse.plugged_connector),
                id_token=token,
                meter_value=meter_value or None,
            )
            self.site.put(request, "TransactionEvent", persistent=True)
            self.site.save_evse(evse)

    def meter_event(
        self, evse: Evse, trigger: Trigger, meter_value: list[v201.MeterValueType]
    ) -> None:
        """An Updated event with meter values (the sampling timers, `sampling.py`)."""
        self.event(evse, TxEvent.Updated, trigger, meter_value=meter_value)

    # -- start and end ---------------------------------------------------------------------------

    def start(
        self,
        evse: Evse,
        trigger: Trigger,
        *,
        token: Token | None = None,
        remote_start_id: int | None = None,
    ) -> None:
        evse.transaction = Transaction(
            id=str(uuid.uuid4()),
            started_at=now().isoformat(),
            id_token=token,
            group_id_token=self.authorization.group_of(token) if token else None,
            remote_start_id=remote_start_id,
        )
        evse.authorization = None
        meter = sampled_now(self.site.dm, evse, "TxStartedMeasurands", Context.Transaction_Begin)
        self.event(evse, TxEvent.Started, trigger, token=token, meter_value=meter)
        self.sampling.start_transaction(evse)

    def end(
        self, evse: Evse, trigger: Trigger, reason: Reason, *, token: Token | None = None
    ) -> None:
        """End the EVSE's transaction (if any); `token`: the idToken that stopped it."""
        tx = evse.transaction
        if tx is None:
            return
        meter = [v201.MeterValueType.from_json_dict(v) for v in tx.ended_samples]
        meter += sampled_now(self.site.dm, evse, "TxEndedMeasurands", Context.Transaction_End)
        self.event(
            evse, TxEvent.Ended, trigger, token=token, meter_value=meter, stopped_reason=reason
        )
        evse.transaction = None
        evse.authorization = None
        evse.meter.set_charging(False, time.monotonic())
        self.sampling.end_transaction(evse)
        self.availability.transaction_ended(evse)
        self.site.save_evse(evse)
        self._notify()
        for hook in self.ended_hooks:
            hook()

    def may_start(self) -> bool:
        """B02.FR.03 / B03.FR.01: before an Accepted boot a transaction starts only when
        TxCtrlr.TxBeforeAcceptedEnabled is true (its events wait in the queue until then)."""
        return self._accepted() or self.site.dm.get_bool("TxCtrlr", "TxBeforeAcceptedEnabled")

    def _points(self, variable: str) -> set[str]:
        return set(self.site.dm.get_members("TxCtrlr", variable))

    # -- authorization ---------------------------------------------------------------------------

    def authorized(
        self, evse: Evse, token: Token, trigger: Trigger, remote_start_id: int | None = None
    ) -> None:
        """An accepted idToken for `evse`: start, or authorize the running transaction."""
        tx = evse.transaction
        if tx is None:
            if not self.may_start():
                logger.info("EVSE %d: no transaction before the boot is Accepted", evse.id)
                return
            if not self.availability.may_start(evse):
                logger.info("EVSE %d: Unavailable, no new transaction", evse.id)
                return
            evse.authorization = token
            points = self._points("TxStartPoint")
            power_path = evse.plugged and not evse.lock_failure  # G05: no lock, no power
            if "Authorized" in points or (power_path and points & _POWER_PATH):
                self.start(evse, trigger, token=token, remote_start_id=remote_start_id)
            if not evse.plugged:
                self._arm_connection_timeout(evse)
        elif tx.id_token is None:
            tx.id_token = token
            tx.group_id_token = self.authorization.group_of(token)
            if remote_start_id is not None:
                tx.remote_start_id = remote_start_id
            self.event(evse, TxEvent.Updated, trigger, token=token)
        self.site.save_evse(evse)
        self._notify()

    def deauthorize(
        self, evse: Evse, trigger: Trigger, reason: Reason, stop_token: Token | None = None
    ) -> None:
        """The transaction's authorization ends (E07, E05, RequestStop); `stop_token`: the
        idToken the driver stopped it with, sent in the event (E07.FR.02)."""
        tx = evse.transaction
        assert tx is not None
        ends = self._points("TxStopPoint") & ({"Authorized"} | _POWER_PATH)
        if ends or trigger is Trigger.RemoteStop:
            self.end(evse, trigger, reason, token=stop_token)
        else:
            tx.deauthorized = True
            self.event(evse, TxEvent.Updated, trigger, token=stop_token)

    def stop_by_token(self, evse: Evse, token: Token) -> None:
        """The driver's idToken ends the transaction's authorization (C01.FR.03, E07)."""
        self.deauthorize(evse, Trigger.StopAuthorized, Reason.Local, stop_token=token)
        self.site.save_evse(evse)
        self._notify()

    def _arm_connection_timeout(self, evse: Evse) -> None:
        self.cancel_connection_timeout(evse)

        async def expire() -> None:
            timeout = self.site.dm.get_int("TxCtrlr", "EVConnectionTimeOut")
            await asyncio.sleep(self.site.scaled(timeout))
            self._timeouts.pop(evse.id, None)
            if evse.plugged:
                return
            if evse.transaction is not None:
                self.end(evse, Trigger.EVConnectTimeout, Reason.Timeout)
            evse.authorization = None
            self.site.save_evse(evse)

        self._timeouts[evse.id] = asyncio.get_running_loop().create_task(expire())

    def cancel_connection_timeout(self, evse: Evse) -> None:
        previous = self._timeouts.pop(evse.id, None)
        if previous is not None:
            previous.cancel()

    # -- the cable -------------------------------------------------------------------------------

    def plugged_in(self, evse: Evse) -> None:
        """The EV's cable is in and locked: start (EVConnected, or an earlier authorization with
        a power-path start point), or tell the running transaction."""
        tx = evse.transaction
        points = self._points("TxStartPoint")
        if tx is None:
            starts = points & {"EVConnected", "ParkingBayOccupancy"} or (
                evse.authorization is not None and points & _POWER_PATH
            )
            # B02.FR.03; an Unavailable connector takes no new session
            if starts and self.may_start() and self.availability.may_start(evse):
                self.start(evse, Trigger.CablePluggedIn, token=evse.authorization)
        else:
            self.event(evse, TxEvent.Updated, Trigger.CablePluggedIn)
        self.site.save_evse(evse)

    def unplugged(self, evse: Evse) -> None:
        """The EV's cable is out: E09 stop, or E10 suspend when StopTxOnEVSideDisconnect is
        false (until the EV is back or the driver stops it)."""
        if evse.transaction is None:
            return
        if self.site.dm.get_bool("TxCtrlr", "StopTxOnEVSideDisconnect"):
            self.end(evse, Trigger.EVCommunicationLost, Reason.EVDisconnected)
        else:
            self.event(evse, TxEvent.Updated, Trigger.EVCommunicationLost)

    # -- answers ---------------------------------------------------------------------------------

    def answered(self, entry: Entry, response: OcppModel) -> None:
        """The CSMS answered a TransactionEvent: remember its idTokenInfo; E05 if the idToken
        is not Accepted (StopTxOnInvalidId ends the transaction, else it is suspended)."""
        assert isinstance(response, v201.TransactionEventResponse)
        info = response.id_token_info
        sent = entry.payload.get("idToken")
        if info is None or sent is None:
            return
        token = Token.from_json_dict(sent)
        self.authorization.remember(token, info)
        tx_id = entry.payload["transactionInfo"]["transactionId"]
        for evse in self.site.evses.values():
            tx = evse.transaction
            if tx is not None and tx.id == tx_id and tx.id_token == token:
                tx.group_id_token = self.authorization.group_of(token)
                self.site.save_evse(evse)
        if info.status is Auth.Accepted:
            return
        for evse in self.site.evses.values():
            tx = evse.transaction
            if tx is not None and tx.id == tx_id and not tx.deauthorized:
                if self.site.dm.get_bool("TxCtrlr", "StopTxOnInvalidId"):
                    self.end(evse, Trigger.Deauthorized, Reason.DeAuthorized)
                else:
                    tx.deauthorized = True
                    self.event(evse, TxEvent.Updated, Trigger.ChargingStateChanged)
                    self.site.save_evse(evse)
