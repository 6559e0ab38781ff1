"""`MiniStation`: a small OCPP 2.0.1 Charging Station on the public runtime, for the CSMS tests
that need to send exact messages (out-of-order seqNos, chosen timestamps, a chosen idToken on a
chosen EVSE). Tests of whole driver flows use the reference `Station` instead."""

from __future__ import annotations

import asyncio
import itertools
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocppgen.generated import v201
from ocppgen.generated.v201.handlers import ChargingStationCalls, ChargingStationHandlers
from ocppgen.runtime.client import BackOff, StationClient
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.model import OcppModel

__all__ = ["MiniStation"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _MiniHandlers(ChargingStationHandlers):
    def __init__(self, station: MiniStation) -> None:
        self.station = station

    async def handle(
        self, action: str, request: OcppModel, context: CallContext
    ) -> OcppModel | None:
        """A canned answer (`MiniStation.answers`) where a test set one; the request is kept."""
        canned = self.station.answers.get(action)
        if canned is None:
            return await super().handle(action, request, context)
        self.station.received.append(action)
        self.station.requests.append((action, request))
        response = v201.ACTIONS[action].response
        assert response is not None  # every CSMS-initiated 2.0.1 action is a CALL
        return response.from_json_dict(canned)

    async def on_get_variables(
        self, request: v201.GetVariablesRequest, context: CallContext
    ) -> v201.GetVariablesResponse:
        self.station.received.append("GetVariables")
        results = []
        for item in request.get_variable_data:
            key = (item.component.name, item.variable.name)
            value = self.station.variables.get(key)
            results.append(
                v201.GetVariableResultType(
                    attribute_status="Accepted" if value is not None else "UnknownVariable",
                    attribute_value=value,
                    component=item.component,
                    variable=item.variable,
                )
            )
        return v201.GetVariablesResponse(get_variable_result=results)

    async def on_set_variables(
        self, request: v201.SetVariablesRequest, context: CallContext
    ) -> v201.SetVariablesResponse:
        self.station.received.append("SetVariables")
        results = []
        for item in request.set_variable_data:
            self.station.variables[(item.component.name, item.variable.name)] = item.attribute_value
            results.append(
                v201.SetVariableResultType(
                    attribute_status="Accepted", component=item.component, variable=item.variable
                )
            )
        return v201.SetVariablesResponse(set_variable_result=results)

    async def on_change_availability(
        self, request: v201.ChangeAvailabilityRequest, context: CallContext
    ) -> v201.ChangeAvailabilityResponse:
        self.station.received.append("ChangeAvailability")
        status = "Available" if request.operational_status == "Operative" else "Unavailable"
        evse = request.evse.id if request.evse is not None else None
        self.station.later(self.station.report_availability(evse, status))
        return v201.ChangeAvailabilityResponse(status="Accepted")

    async def on_reset(
        self, request: v201.ResetRequest, context: CallContext
    ) -> v201.ResetResponse:
        self.station.received.append("Reset")
        if self.station.transactions and request.type == "OnIdle":
            return v201.ResetResponse(status="Scheduled")
        self.station.later(self.station.reboot())
        return v201.ResetResponse(status="Accepted")

    async def on_get_base_report(
        self, request: v201.GetBaseReportRequest, context: CallContext
    ) -> v201.GetBaseReportResponse:
        self.station.received.append("GetBaseReport")
        self.station.later(self.station.send_report(request.request_id))
        return v201.GetBaseReportResponse(status="Accepted")

    async def on_data_transfer(
        self, request: v201.DataTransferRequest, context: CallContext
    ) -> v201.DataTransferResponse:
        self.station.received.append("DataTransfer")
        return v201.DataTransferResponse(status="UnknownVendorId")


@dataclass
class _Transaction:
    transaction_id: str
    evse_id: int
    seq_no: itertools.count[int] = field(default_factory=itertools.count)
    energy_wh: float = 0.0


class MiniStation:
    """A small OCPP 2.0.1 Charging Station on the public runtime (`StationClient`), enough to
    exercise the CSMS: boot, status, authorize, transactions with meter values, and answers to
    GetVariables, SetVariables, ChangeAvailability, Reset (reconnects and boots again) and
    GetBaseReport (sends a two-part NotifyReport)."""

    def __init__(
        self,
        url: str,
        identity: str,
        password: str | None = None,
        *,
        evses: int = 1,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.identity = identity
        self.evses = evses
        self.client = StationClient(
            url,
            identity,
            [(v201.VERSION, _MiniHandlers(self))],
            password=password,
            ssl_context=ssl_context,
            backoff=BackOff(wait_minimum=0.05, random_range=0.05, repeat_times=2),
            ping_interval=None,
            call_timeout=10.0,
            on_connect=self._on_connect,
        )
        self.calls = ChargingStationCalls(self.client)
        self.variables: dict[tuple[str, str], str] = {
            ("OCPPCommCtrlr", "HeartbeatInterval"): "300",
            ("SecurityCtrlr", "Identity"): identity,
            ("AuthCtrlr", "AuthorizeRemoteStart"): "true",
        }
        self.received: list[str] = []
        self.answers: dict[str, dict[str, Any]] = {}
        """Canned answers per CSMS-initiated action (wire payloads), e.g. for UpdateFirmware."""
        self.requests: list[tuple[str, OcppModel]] = []
        """The requests answered from `answers`, in order."""
        self.transactions: dict[int, _Transaction] = {}
        self.boots: list[v201.BootNotificationResponse] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._reconnected = asyncio.Event()
        self._reboot_reason = "PowerUp"

    # -- connection ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (and keep reconnecting after a loss) until `close`."""
        self.client.start()
        await self.client.wait_connected(timeout=10)

    async def _on_connect(self, conn: Any) -> None:
        self._reconnected.set()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.client.close()

    def later(self, coroutine: Any) -> None:
        """Run `coroutine` after the current CALL was answered."""

        async def run() -> None:
            await asyncio.sleep(0)
            await coroutine

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- what the station sends ----------------------------------------------------------------

    async def boot(self, reason: str = "PowerUp") -> v201.BootNotificationResponse:
        response = await self.calls.boot_notification(
            v201.BootNotificationRequest.from_json_dict(
                {
                    "chargingStation": {
                        "model": "Mini",
                        "vendorName": "ocppgen",
                        "serialNumber": f"SN-{self.identity}",
                        "firmwareVersion": "1.0",
                    },
                    "reason": reason,
                }
            )
        )
        self.boots.append(response)
        return response

    async def boot_until_accepted(self, attempts: int = 5) -> v201.BootNotificationResponse:
        """Boot; while Pending, wait the given interval (capped at 1 s for the demo) and boot
        again (B02.FR.08)."""
        response = await self.boot()
        for _ in range(attempts):
            if response.status != "Pending":
                break
            await asyncio.sleep(min(response.interval, 1.0))
            response = await self.boot()
        return response

    async def status(self, evse_id: int, status: str, connector_id: int = 1) -> None:
        await self.calls.status_notification(
            v201.StatusNotificationRequest.from_json_dict(
                {
                    "timestamp": _now(),
                    "connectorStatus": status,
                    "evseId": evse_id,
                    "connectorId": connector_id,
                }
            )
        )

    async def report_availability(self, evse_id: int | None, status: str) -> None:
        for evse in [evse_id] if evse_id is not None else range(1, self.evses + 1):
            await self.status(evse, status)

    async def send(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send any CALL by action name and wire payload; the answer's wire payload."""
        spec = v201.ACTIONS[action]
        response = await self.client.call(spec.request.from_json_dict(payload), action=action)
        answer: dict[str, Any] = response.to_json_dict()
        return answer

    async def heartbeat(self) -> v201.HeartbeatResponse:
        return await self.calls.heartbeat(v201.HeartbeatRequest())

    async def authorize(self, id_token: str, token_type: str = "ISO14443") -> str:
        response = await self.calls.authorize(
            v201.AuthorizeRequest.from_json_dict(
                {"idToken": {"idToken": id_token, "type": token_type}}
            )
        )
        return str(response.id_token_info.status)

    def _meter(self, transaction: _Transaction, context: str) -> list[dict[str, Any]]:
        return [
            {
                "timestamp": _now(),
                "sampledValue": [
                    {
                        "value": transaction.energy_wh,
                        "context": context,
                        "measurand": "Energy.Active.Import.Register",
                        "unitOfMeasure": {"unit": "Wh"},
                    },
                    {
                        "value": 7200.0,
                        "context": context,
                        "measurand": "Power.Active.Import",
                        "unitOfMeasure": {"unit": "W"},
                    },
                ],
            }
        ]

    async def transaction_event(
        self, transaction: _Transaction, event_type: str, trigger: str, **extra: Any
    ) -> v201.TransactionEventResponse:
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": _now(),
            "triggerReason": trigger,
            "seqNo": next(transaction.seq_no),
            "transactionInfo": {
                "transactionId": transaction.transaction_id,
                **extra.pop("info", {}),
            },
            "evse": {"id": transaction.evse_id, "connectorId": 1},
            **extra,
        }
        return await self.calls.transaction_event(
            v201.TransactionEventRequest.from_json_dict(payload)
        )

    async def start_transaction(
        self, evse_id: int, id_token: str, token_type: str = "ISO14443"
    ) -> tuple[str, str]:
        """E02: cable plugged in, then authorized; returns (transactionId, idTokenInfo status)."""
        transaction = _Transaction(str(uuid.uuid4()), evse_id)
        self.transactions[evse_id] = transaction
        await self.status(evse_id, "Occupied")
        response = await self.transaction_event(
            transaction,
            "Started",
            "Authorized",
            info={"chargingState": "Charging"},
            idToken={"idToken": id_token, "type": token_type},
            meterValue=self._meter(transaction, "Transaction.Begin"),
        )
        info = response.id_token_info
        return transaction.transaction_id, str(info.status) if info else "None"

    async def meter(self, evse_id: int, energy_wh: float) -> None:
        """J02: a periodic meter value in an Updated event."""
        transaction = self.transactions[evse_id]
        transaction.energy_wh = energy_wh
        await self.transaction_event(
            transaction,
            "Updated",
            "MeterValuePeriodic",
            meterValue=self._meter(transaction, "Sample.Periodic"),
        )

    async def stop_transaction(self, evse_id: int, energy_wh: float) -> None:
        """E06: stopped locally; the Ended event carries the final meter value."""
        transaction = self.transactions.pop(evse_id)
        transaction.energy_wh = energy_wh
        await self.transaction_event(
            transaction,
            "Ended",
            "StopAuthorized",
            info={"chargingState": "Idle", "stoppedReason": "Local"},
            meterValue=self._meter(transaction, "Transaction.End"),
        )
        await self.status(evse_id, "Available")

    async def send_report(self, request_id: int) -> None:
        """B07: the base report in two parts (seqNo 0 with tbc, seqNo 1 without)."""
        items = sorted(self.variables.items())
        half = max(1, len(items) // 2)
        for seq_no, chunk in enumerate([items[:half], items[half:]]):
            await self.calls.notify_report(
                v201.NotifyReportRequest.from_json_dict(
                    {
                        "requestId": request_id,
                        "generatedAt": _now(),
                        "seqNo": seq_no,
                        "tbc": seq_no == 0,
                        "reportData": [
                            {
                                "component": {"name": component},
                                "variable": {"name": variable},
                                "variableAttribute": [{"value": value}],
                            }
                            for (component, variable), value in chunk
                        ],
                    }
                )
            )

    async def reboot(self) -> None:
        """B11: after an accepted Reset, go offline, reconnect and boot with RemoteReset."""
        self._reconnected.clear()
        conn = self.client.connection
        if conn is not None:
            await conn.close()
        await asyncio.wait_for(self._reconnected.wait(), 10)
        await self.boot("RemoteReset")
        for evse in range(1, self.evses + 1):
            await self.status(evse, "Available")
