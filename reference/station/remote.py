"""What the CSMS asks the station to do (F01-F06, B11/B12, P01): RequestStart/
StopTransaction, Reset (immediate, or scheduled for when the transactions end),
TriggerMessage, UnlockConnector and DataTransfer.
"""

from __future__ import annotations

import time
from typing import Protocol

from ocppgen.generated import v201
from ocppgen.reference.station.authorization import Authorization
from ocppgen.reference.station.availability import Availability
from ocppgen.reference.station.evse import Evse
from ocppgen.reference.station.sampling import sampled_now
from ocppgen.reference.station.site import Site, now
from ocppgen.reference.station.status import StatusReport
from ocppgen.reference.station.transactions import Transactions

__all__ = ["RemoteControl"]

Reg = v201.RegistrationStatusEnumType
Trigger = v201.TriggerReasonEnumType
Reason = v201.ReasonEnumType
Auth = v201.AuthorizationStatusEnumType
StartStop = v201.RequestStartStopStatusEnumType
Triggered = v201.TriggerMessageStatusEnumType
M = v201.MessageTriggerEnumType
Context = v201.ReadingContextEnumType


class Provisioner(Protocol):
    """What remote control needs of provisioning (`provisioning.Provisioning`)."""

    @property
    def registration(self) -> Reg | None: ...

    def boot_now(self) -> bool:
        """TriggerMessage(BootNotification); False if the boot is already Accepted."""
        ...

    def trigger_heartbeat(self) -> None: ...

    async def reboot(self, reason: v201.BootReasonEnumType) -> None: ...


class RemoteControl:
    """See the module docstring."""

    def __init__(
        self,
        site: Site,
        *,
        provisioning: Provisioner,
        transactions: Transactions,
        authorization: Authorization,
        availability: Availability,
        status: StatusReport,
    ) -> None:
        self.site = site
        self.provisioning = provisioning
        self.transactions = transactions
        self.authorization = authorization
        self.availability = availability
        self.status = status
        self._scheduled_reset = False
        transactions.ended_hooks.append(self._transaction_ended)

    def _accepted(self) -> bool:
        return self.provisioning.registration is Reg.Accepted

    # -- Reset -----------------------------------------------------------------------------------

    def reset(self, request: v201.ResetRequest) -> v201.ResetResponse:
        status = v201.ResetStatusEnumType
        immediate = request.type is v201.ResetEnumType.Immediate
        if request.evse_id is not None:
            evse = self.site.evses.get(request.evse_id)
            if evse is None:
                return v201.ResetResponse(status=status.Rejected)
            if evse.transaction is None:
                return v201.ResetResponse(status=status.Accepted)
            if immediate:  # B12.FR.08
                self.transactions.end(evse, Trigger.ResetCommand, Reason.ImmediateReset)
                return v201.ResetResponse(status=status.Accepted)
            return v201.ResetResponse(status=status.Scheduled)  # ends normally, then resets
        running = self.site.running()
        if running and not immediate:  # B12.FR.01
            self._scheduled_reset = True
            return v201.ResetResponse(status=status.Scheduled)
        self._scheduled_reset = False  # an Immediate reset replaces a scheduled one
        for evse in running:  # B12.FR.04
            self.transactions.end(evse, Trigger.ResetCommand, Reason.ImmediateReset)
        self._reboot()
        return v201.ResetResponse(status=status.Accepted)

    def _transaction_ended(self) -> None:
        if self._scheduled_reset and not self.site.running():
            self._scheduled_reset = False
            self._reboot()

    def _reboot(self) -> None:
        self.site.spawn(self.provisioning.reboot(v201.BootReasonEnumType.RemoteReset))

    # -- transactions ----------------------------------------------------------------------------

    def request_start(
        self, request: v201.RequestStartTransactionRequest
    ) -> v201.RequestStartTransactionResponse:
        evse = self._start_evse(request.evse_id)
        if (
            not self._accepted()
            or evse is None
            or evse.faulted
            or not self.availability.may_start(evse)
            or (evse.transaction is not None and evse.transaction.id_token is not None)
        ):
            return v201.RequestStartTransactionResponse(status=StartStop.Rejected)
        transaction_id = evse.transaction.id if evse.transaction is not None else None
        self.site.spawn(self._start(evse, request.id_token, request.remote_start_id))
        return v201.RequestStartTransactionResponse(
            status=StartStop.Accepted, transaction_id=transaction_id
        )

    def _start_evse(self, evse_id: int | None) -> Evse | None:
        if evse_id is not None:
            return self.site.evses.get(evse_id)
        free = [
            e
            for e in self.site.evses.values()
            if (e.transaction is None or e.plugged) and self.availability.may_start(e)
        ]
        return free[0] if free else None

    async def _start(self, evse: Evse, token: v201.IdTokenType, remote_start_id: int) -> None:
        if self.site.dm.get_bool("AuthCtrlr", "AuthorizeRemoteStart"):
            status, _ = await self.authorization.authorize(token)
            if status is not Auth.Accepted:
                return
        self.transactions.authorized(evse, token, Trigger.RemoteStart, remote_start_id)

    def request_stop(
        self, request: v201.RequestStopTransactionRequest
    ) -> v201.RequestStopTransactionResponse:
        for evse in self.site.evses.values():
            tx = evse.transaction
            if tx is not None and tx.id == request.transaction_id:
                if not self._accepted():
                    break
                self.transactions.end(evse, Trigger.RemoteStop, Reason.Remote)
                return v201.RequestStopTransactionResponse(status=StartStop.Accepted)
        return v201.RequestStopTransactionResponse(status=StartStop.Rejected)

    # -- TriggerMessage, UnlockConnector, DataTransfer -------------------------------------------

    def trigger_message(self, request: v201.TriggerMessageRequest) -> v201.TriggerMessageResponse:
        what = request.requested_message
        evse_id = request.evse.id if request.evse is not None else None
        if evse_id is not None and evse_id not in self.site.evses:
            return v201.TriggerMessageResponse(status=Triggered.Rejected)
        evse_ids = [evse_id] if evse_id is not None else list(self.site.evses)
        if what is M.BootNotification:
            accepted = self.provisioning.boot_now()
        elif what is M.Heartbeat:
            self.provisioning.trigger_heartbeat()
            accepted = True
        elif what is M.StatusNotification:
            connector_id = request.evse.connector_id if request.evse is not None else None
            self.status.trigger(evse_ids, connector_id)
            accepted = True
        elif what is M.MeterValues:
            self._trigger_meter_values(evse_ids)
            accepted = True
        elif what is M.TransactionEvent:
            accepted = self._trigger_transaction_events(evse_ids)
        else:
            return v201.TriggerMessageResponse(status=Triggered.NotImplemented)
        return v201.TriggerMessageResponse(
            status=Triggered.Accepted if accepted else Triggered.Rejected
        )

    def _trigger_meter_values(self, evse_ids: list[int]) -> None:
        measurands = self.site.dm.get_members("AlignedDataCtrlr", "Measurands")  # F06.FR.06
        for evse_id in evse_ids:
            evse = self.site.evses[evse_id]
            value = evse.meter.sample(measurands, Context.Trigger, now(), time.monotonic())
            if value is not None:
                meter = v201.MeterValuesRequest(evse_id=evse.id, meter_value=[value])
                self.site.put(meter, "MeterValues", persistent=self.site.queue_all())

    def _trigger_transaction_events(self, evse_ids: list[int]) -> bool:
        running = [self.site.evses[e] for e in evse_ids if self.site.evses[e].transaction]
        for evse in running:
            meter = sampled_now(self.site.dm, evse, "TxUpdatedMeasurands", Context.Trigger)
            self.transactions.event(
                evse, v201.TransactionEventEnumType.Updated, Trigger.Trigger, meter_value=meter
            )
        return bool(running)

    def unlock_connector(
        self, request: v201.UnlockConnectorRequest
    ) -> v201.UnlockConnectorResponse:
        status = v201.UnlockStatusEnumType
        evse = self.site.evses.get(request.evse_id)
        if evse is None or evse.connector(request.connector_id) is None:
            return v201.UnlockConnectorResponse(status=status.UnknownConnector)
        tx = evse.transaction
        if tx is not None and tx.id_token is not None and not tx.deauthorized:
            return v201.UnlockConnectorResponse(status=status.OngoingAuthorizedTransaction)
        if evse.lock_failure:
            return v201.UnlockConnectorResponse(status=status.UnlockFailed)
        return v201.UnlockConnectorResponse(status=status.Unlocked)

    @staticmethod
    def data_transfer(request: v201.DataTransferRequest) -> v201.DataTransferResponse:
        return v201.DataTransferResponse(status=v201.DataTransferStatusEnumType.UnknownVendorId)
