"""Small, correct OCPP 1.6 and 2.1 targets for the conformance tester, on our runtime and the
generated handler bases (`CsmsHandlers`, `ChargingStationHandlers` of generated/v16 and v21).

Each implements what the tester's core scenarios exercise, answers everything else of its role
with the generated default (NotSupported), and serves real loopback sockets (optionally TLS).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocppgen.generated import v16, v21
from ocppgen.generated.v16 import handlers as h16
from ocppgen.generated.v21 import handlers as h21
from ocppgen.runtime import BackOff, CsmsServer, Disconnected, OcppConnection, StationClient
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.security import SecurityProfile

__all__ = [
    "Csms16",
    "Csms21",
    "Station16",
    "Station21",
    "serve_csms",
    "station_client",
]

GOOD, BAD = "GOOD1", "BAD1"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _status(tag: str) -> str:
    return {GOOD: "Accepted", BAD: "Blocked"}.get(tag, "Invalid")


# -- OCPP 1.6 ------------------------------------------------------------------------------------


class Csms16(h16.CsmsHandlers):
    """A 1.6 Central System: accepts boots, knows GOOD1 (Accepted) and BAD1 (Blocked)."""

    def __init__(self) -> None:
        self.tx_ids = itertools.count(1)

    async def on_boot_notification(
        self, request: v16.BootNotificationRequest, context: CallContext
    ) -> v16.BootNotificationResponse:
        return v16.BootNotificationResponse.from_json_dict(
            {"status": "Accepted", "currentTime": now(), "interval": 300}
        )

    async def on_heartbeat(
        self, request: v16.HeartbeatRequest, context: CallContext
    ) -> v16.HeartbeatResponse:
        return v16.HeartbeatResponse.from_json_dict({"currentTime": now()})

    async def on_status_notification(
        self, request: v16.StatusNotificationRequest, context: CallContext
    ) -> v16.StatusNotificationResponse:
        return v16.StatusNotificationResponse()

    async def on_authorize(
        self, request: v16.AuthorizeRequest, context: CallContext
    ) -> v16.AuthorizeResponse:
        info = {"status": _status(request.id_tag)}
        return v16.AuthorizeResponse.from_json_dict({"idTagInfo": info})

    async def on_start_transaction(
        self, request: v16.StartTransactionRequest, context: CallContext
    ) -> v16.StartTransactionResponse:
        info = {"status": _status(request.id_tag)}
        return v16.StartTransactionResponse.from_json_dict(
            {"idTagInfo": info, "transactionId": next(self.tx_ids)}
        )

    async def on_stop_transaction(
        self, request: v16.StopTransactionRequest, context: CallContext
    ) -> v16.StopTransactionResponse:
        if request.id_tag is None:
            return v16.StopTransactionResponse()
        info = {"status": _status(request.id_tag)}
        return v16.StopTransactionResponse.from_json_dict({"idTagInfo": info})

    async def on_meter_values(
        self, request: v16.MeterValuesRequest, context: CallContext
    ) -> v16.MeterValuesResponse:
        return v16.MeterValuesResponse()

    async def on_data_transfer(
        self, request: v16.DataTransferRequest, context: CallContext
    ) -> v16.DataTransferResponse:
        return v16.DataTransferResponse.from_json_dict({"status": "UnknownVendorId"})


@dataclass
class _StationTarget:
    """What both station targets share: their client, background tasks, CALLs, booting on
    every connection, heartbeats and the restart after a Reset."""

    client: StationClient | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def later(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def call(self, request: OcppModel) -> Any:
        assert self.client is not None
        return await self.client.call(request)

    async def on_connect(self, conn: OcppConnection) -> None:
        with contextlib.suppress(Disconnected):  # the tester may end the run meanwhile
            await self.boot(conn)
            self.later(self.beat(conn))

    async def boot(self, conn: OcppConnection) -> None:
        raise NotImplementedError

    def heartbeat_interval(self) -> int:
        raise NotImplementedError

    def heartbeat(self) -> OcppModel:
        raise NotImplementedError

    async def beat(self, conn: OcppConnection) -> None:
        while not conn.closed:
            await asyncio.sleep(max(1, self.heartbeat_interval()))
            with contextlib.suppress(Exception):  # e.g. the tester's invalid CALLRESULT
                await self.call(self.heartbeat())

    async def restart(self) -> None:
        """Reboot: close the connection (after the Reset answer went out); the client
        reconnects and `on_connect` boots again."""
        await asyncio.sleep(0.1)
        assert self.client is not None
        conn = self.client.connection
        if conn is not None:
            await conn.close()


@dataclass
class Station16(_StationTarget, h16.ChargingStationHandlers):
    """A 1.6 Charge Point with one connector: boots, beats, keeps a small configuration, and
    runs remotely started transactions."""

    config: dict[str, str] = field(default_factory=lambda: {"HeartbeatInterval": "300"})
    transaction: int | None = None
    starting: asyncio.Task[None] | None = None

    async def boot(self, conn: OcppConnection) -> None:
        boot = await self.call(
            v16.BootNotificationRequest.from_json_dict(
                {"chargePointVendor": "ocppgen", "chargePointModel": "target16"}
            )
        )
        self.config["HeartbeatInterval"] = str(boot.interval)
        for connector in (0, 1):
            await self.status(connector, "Available")

    async def status(self, connector: int, status: str) -> None:
        await self.call(
            v16.StatusNotificationRequest.from_json_dict(
                {"connectorId": connector, "errorCode": "NoError", "status": status}
            )
        )

    def heartbeat_interval(self) -> int:
        return int(self.config["HeartbeatInterval"])

    def heartbeat(self) -> OcppModel:
        return v16.HeartbeatRequest()

    async def on_get_configuration(
        self, request: v16.GetConfigurationRequest, context: CallContext
    ) -> v16.GetConfigurationResponse:
        keys = request.key if request.key is not None else list(self.config)
        return v16.GetConfigurationResponse.from_json_dict(
            {
                "configurationKey": [
                    {"key": k, "readonly": False, "value": self.config[k]}
                    for k in keys
                    if k in self.config
                ],
                "unknownKey": [k for k in keys if k not in self.config],
            }
        )

    async def on_change_configuration(
        self, request: v16.ChangeConfigurationRequest, context: CallContext
    ) -> v16.ChangeConfigurationResponse:
        status = "NotSupported"
        if request.key in self.config:
            status = (
                "Accepted" if request.value.isdigit() and int(request.value) > 0 else "Rejected"
            )
            if status == "Accepted":
                self.config[request.key] = request.value
        return v16.ChangeConfigurationResponse.from_json_dict({"status": status})

    async def on_remote_start_transaction(
        self, request: v16.RemoteStartTransactionRequest, context: CallContext
    ) -> v16.RemoteStartTransactionResponse:
        ok = self.transaction is None and request.connector_id in (None, 1)
        if ok:
            self.transaction = -1  # starting
            self.starting = asyncio.get_running_loop().create_task(self.start(request.id_tag))
        status = "Accepted" if ok else "Rejected"
        return v16.RemoteStartTransactionResponse.from_json_dict({"status": status})

    async def start(self, tag: str) -> None:
        started = await self.call(
            v16.StartTransactionRequest.from_json_dict(
                {"connectorId": 1, "idTag": tag, "meterStart": 1000, "timestamp": now()}
            )
        )
        self.transaction = started.transaction_id

    async def on_remote_stop_transaction(
        self, request: v16.RemoteStopTransactionRequest, context: CallContext
    ) -> v16.RemoteStopTransactionResponse:
        if self.starting is not None:  # its StartTransaction may be answered but not yet seen
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self.starting), 5)
        ok = self.transaction is not None and request.transaction_id == self.transaction
        if ok:
            self.later(self.stop(request.transaction_id))
        status = "Accepted" if ok else "Rejected"
        return v16.RemoteStopTransactionResponse.from_json_dict({"status": status})

    async def stop(self, tx_id: int) -> None:
        await self.call(
            v16.StopTransactionRequest.from_json_dict(
                {"transactionId": tx_id, "meterStop": 1500, "timestamp": now(), "reason": "Remote"}
            )
        )
        self.transaction = None

    async def on_change_availability(
        self, request: v16.ChangeAvailabilityRequest, context: CallContext
    ) -> v16.ChangeAvailabilityResponse:
        """1.6 §5.2: the new status of each connector concerned (0: all) is reported."""
        if request.connector_id not in (0, 1):
            return v16.ChangeAvailabilityResponse.from_json_dict({"status": "Rejected"})
        word = "Available" if request.type == "Operative" else "Unavailable"
        for connector in (0, 1) if request.connector_id == 0 else (1,):
            self.later(self.status(connector, word))
        return v16.ChangeAvailabilityResponse.from_json_dict({"status": "Accepted"})

    async def on_reset(self, request: v16.ResetRequest, context: CallContext) -> v16.ResetResponse:
        self.later(self.restart())  # Soft or Hard: idle, so both just reboot
        return v16.ResetResponse.from_json_dict({"status": "Accepted"})

    async def on_clear_cache(
        self, request: v16.ClearCacheRequest, context: CallContext
    ) -> v16.ClearCacheResponse:
        return v16.ClearCacheResponse.from_json_dict({"status": "Accepted"})

    async def on_data_transfer(
        self, request: v16.DataTransferRequest, context: CallContext
    ) -> v16.DataTransferResponse:
        return v16.DataTransferResponse.from_json_dict({"status": "UnknownVendorId"})

    async def on_unlock_connector(
        self, request: v16.UnlockConnectorRequest, context: CallContext
    ) -> v16.UnlockConnectorResponse:
        return v16.UnlockConnectorResponse.from_json_dict({"status": "NotSupported"})


# -- OCPP 2.1 ------------------------------------------------------------------------------------


def _token_info(token: Any) -> dict[str, Any]:
    return {"status": _status(token.id_token) if token is not None else "Accepted"}


class Csms21(h21.CsmsHandlers):
    """A 2.1 CSMS: accepts boots, knows GOOD1 (Accepted) and BAD1 (Blocked)."""

    async def on_boot_notification(
        self, request: v21.BootNotificationRequest, context: CallContext
    ) -> v21.BootNotificationResponse:
        return v21.BootNotificationResponse.from_json_dict(
            {"status": "Accepted", "currentTime": now(), "interval": 300}
        )

    async def on_heartbeat(
        self, request: v21.HeartbeatRequest, context: CallContext
    ) -> v21.HeartbeatResponse:
        return v21.HeartbeatResponse.from_json_dict({"currentTime": now()})

    async def on_status_notification(
        self, request: v21.StatusNotificationRequest, context: CallContext
    ) -> v21.StatusNotificationResponse:
        return v21.StatusNotificationResponse()

    async def on_authorize(
        self, request: v21.AuthorizeRequest, context: CallContext
    ) -> v21.AuthorizeResponse:
        return v21.AuthorizeResponse.from_json_dict({"idTokenInfo": _token_info(request.id_token)})

    async def on_transaction_event(
        self, request: v21.TransactionEventRequest, context: CallContext
    ) -> v21.TransactionEventResponse:
        if request.id_token is None:
            return v21.TransactionEventResponse()
        return v21.TransactionEventResponse.from_json_dict(
            {"idTokenInfo": _token_info(request.id_token)}
        )

    async def on_notify_report(
        self, request: v21.NotifyReportRequest, context: CallContext
    ) -> v21.NotifyReportResponse:
        return v21.NotifyReportResponse()

    async def on_notify_event(
        self, request: v21.NotifyEventRequest, context: CallContext
    ) -> v21.NotifyEventResponse:
        return v21.NotifyEventResponse()

    async def on_data_transfer(
        self, request: v21.DataTransferRequest, context: CallContext
    ) -> v21.DataTransferResponse:
        return v21.DataTransferResponse.from_json_dict({"status": "UnknownVendorId"})


def _variable_key(item: Any) -> tuple[str, str]:
    return item.component.name, item.variable.name


@dataclass
class Station21(_StationTarget, h21.ChargingStationHandlers):
    """A 2.1 Charging Station with one EVSE: boots (again with RemoteReset after a Reset),
    beats, keeps a few variables, reports them, changes availability and runs remotely
    started transactions."""

    variables: dict[tuple[str, str], str] = field(
        default_factory=lambda: {
            ("OCPPCommCtrlr", "HeartbeatInterval"): "300",
            ("TxCtrlr", "TxStartPoint"): "Authorized",
        }
    )
    boot_reason: str = "PowerUp"
    transaction: str | None = None
    seq_no: itertools.count[int] = field(default_factory=itertools.count)

    async def boot(self, conn: OcppConnection) -> None:
        boot = await self.call(
            v21.BootNotificationRequest.from_json_dict(
                {
                    "chargingStation": {"model": "target21", "vendorName": "ocppgen"},
                    "reason": self.boot_reason,
                }
            )
        )
        self.variables[("OCPPCommCtrlr", "HeartbeatInterval")] = str(boot.interval)
        await self.status("Available")

    async def status(self, status: str) -> None:
        await self.call(
            v21.StatusNotificationRequest.from_json_dict(
                {"timestamp": now(), "connectorStatus": status, "evseId": 1, "connectorId": 1}
            )
        )

    def heartbeat_interval(self) -> int:
        return int(self.variables[("OCPPCommCtrlr", "HeartbeatInterval")])

    def heartbeat(self) -> OcppModel:
        return v21.HeartbeatRequest()

    async def on_get_variables(
        self, request: v21.GetVariablesRequest, context: CallContext
    ) -> v21.GetVariablesResponse:
        results = []
        for item in request.get_variable_data:
            value = self.variables.get(_variable_key(item))
            result = {
                "attributeStatus": "UnknownComponent" if value is None else "Accepted",
                "component": item.component.to_json_dict(),
                "variable": item.variable.to_json_dict(),
            }
            if value is not None:
                result["attributeValue"] = value
            results.append(result)
        return v21.GetVariablesResponse.from_json_dict({"getVariableResult": results})

    async def on_set_variables(
        self, request: v21.SetVariablesRequest, context: CallContext
    ) -> v21.SetVariablesResponse:
        results = []
        for item in request.set_variable_data:
            key = _variable_key(item)
            known = key in self.variables
            if known:
                self.variables[key] = item.attribute_value
            results.append(
                {
                    "attributeStatus": "Accepted" if known else "UnknownComponent",
                    "component": item.component.to_json_dict(),
                    "variable": item.variable.to_json_dict(),
                }
            )
        return v21.SetVariablesResponse.from_json_dict({"setVariableResult": results})

    async def on_get_base_report(
        self, request: v21.GetBaseReportRequest, context: CallContext
    ) -> v21.GetBaseReportResponse:
        self.later(self.report(request.request_id))
        return v21.GetBaseReportResponse.from_json_dict({"status": "Accepted"})

    async def report(self, request_id: int) -> None:
        items = list(self.variables.items())
        for seq_no, ((component, variable), value) in enumerate(items):
            await self.call(
                v21.NotifyReportRequest.from_json_dict(
                    {
                        "requestId": request_id,
                        "generatedAt": now(),
                        "seqNo": seq_no,
                        "tbc": seq_no < len(items) - 1,
                        "reportData": [
                            {
                                "component": {"name": component},
                                "variable": {"name": variable},
                                "variableAttribute": [{"value": value}],
                            }
                        ],
                    }
                )
            )

    async def on_change_availability(
        self, request: v21.ChangeAvailabilityRequest, context: CallContext
    ) -> v21.ChangeAvailabilityResponse:
        wanted = "Available" if request.operational_status == "Operative" else "Unavailable"
        self.later(self.status(wanted))
        return v21.ChangeAvailabilityResponse.from_json_dict({"status": "Accepted"})

    async def on_request_start_transaction(
        self, request: v21.RequestStartTransactionRequest, context: CallContext
    ) -> v21.RequestStartTransactionResponse:
        ok = self.transaction is None and request.evse_id in (None, 1)
        if ok:
            self.transaction = f"tx-{request.remote_start_id}"
            self.later(self.event("Started", "RemoteStart", request.id_token.to_json_dict()))
        status = "Accepted" if ok else "Rejected"
        return v21.RequestStartTransactionResponse.from_json_dict({"status": status})

    async def event(self, kind: str, trigger: str, token: dict[str, Any] | None) -> None:
        assert self.transaction is not None
        payload: dict[str, Any] = {
            "eventType": kind,
            "timestamp": now(),
            "triggerReason": trigger,
            "seqNo": next(self.seq_no),
            "transactionInfo": {"transactionId": self.transaction},
            "evse": {"id": 1, "connectorId": 1},
        }
        if token is not None:
            payload["idToken"] = token
        if kind == "Ended":
            payload["transactionInfo"]["stoppedReason"] = "Remote"
            self.transaction = None
        await self.call(v21.TransactionEventRequest.from_json_dict(payload))

    async def on_request_stop_transaction(
        self, request: v21.RequestStopTransactionRequest, context: CallContext
    ) -> v21.RequestStopTransactionResponse:
        ok = self.transaction is not None and request.transaction_id == self.transaction
        if ok:
            self.later(self.event("Ended", "RemoteStop", None))
        status = "Accepted" if ok else "Rejected"
        return v21.RequestStopTransactionResponse.from_json_dict({"status": status})

    async def on_data_transfer(
        self, request: v21.DataTransferRequest, context: CallContext
    ) -> v21.DataTransferResponse:
        return v21.DataTransferResponse.from_json_dict({"status": "UnknownVendorId"})

    async def on_trigger_message(
        self, request: v21.TriggerMessageRequest, context: CallContext
    ) -> v21.TriggerMessageResponse:
        ok = request.requested_message == "Heartbeat"
        if ok:
            self.later(self.triggered_heartbeat())
        status = "Accepted" if ok else "NotImplemented"
        return v21.TriggerMessageResponse.from_json_dict({"status": status})

    async def triggered_heartbeat(self) -> None:
        with contextlib.suppress(Exception):
            await self.call(v21.HeartbeatRequest())

    async def on_reset(self, request: v21.ResetRequest, context: CallContext) -> v21.ResetResponse:
        ok = request.evse_id is None
        if ok:
            self.boot_reason = "RemoteReset"
            self.later(self.restart())
        return v21.ResetResponse.from_json_dict({"status": "Accepted" if ok else "Rejected"})


# -- serving and connecting ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serve_csms(
    version: Any,
    handler: Any,
    *,
    ssl_context: ssl.SSLContext | None = None,
    profile: SecurityProfile = SecurityProfile.NONE,
    password: str | None = None,
) -> AsyncIterator[CsmsServer]:
    """A CsmsServer for one version on a free loopback port."""

    async def authenticate(identity: str, given: str) -> bool:
        return given == password

    server = CsmsServer(
        [(version, handler)],
        security_profile=profile,
        ssl_context=ssl_context,
        authenticate=authenticate if password is not None else None,
        ping_interval=None,
    )
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.close(grace=0.5)


@contextlib.asynccontextmanager
async def station_client(
    url: str,
    identity: str,
    version: Any,
    handler: Station16 | Station21,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[StationClient]:
    """A StationClient running `handler` (which boots in its `on_connect`), reconnecting fast."""
    client = StationClient(
        url,
        identity,
        [(version, handler)],
        ssl_context=ssl_context,
        backoff=BackOff(wait_minimum=0.05, random_range=0.05, repeat_times=2),
        ping_interval=None,
        on_connect=handler.on_connect,
    )
    handler.client = client
    client.start()
    try:
        yield client
    finally:
        for task in list(handler.tasks):
            task.cancel()
        await client.close()
