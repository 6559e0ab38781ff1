"""`ocppgen demo`: the reference CSMS and several Charging Stations running the basic use cases.

Everything runs in one process over real loopback sockets: the CSMS (OCPP endpoint with Basic
auth, security profile 1, and the operator HTTP API) on an SQLite file under ./demo-data/, and
three stations. Each station boots (one of them through B02 Pending, where the CSMS configures
it before accepting it), reports connector status, authorizes a token, runs a transaction with
meter values; then the operator, through the HTTP API only, sends GetVariables, SetVariables,
ChangeAvailability and Reset to each station, and reads back the stored state. Progress lines
go to stdout, then a summary table; the exit status is 0 only when every step worked.

The stations are `MiniStation`s: small Charging Stations built on `StationClient` and the
generated `ChargingStationHandlers` (the reference station in `reference/station/` is not ready
to be driven from here yet).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import logging
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from ocppgen.generated import v201
from ocppgen.generated.v201.handlers import ChargingStationCalls, ChargingStationHandlers
from ocppgen.reference.csms.app import Csms, CsmsConfig
from ocppgen.runtime.client import BackOff, StationClient
from ocppgen.runtime.dispatch import CallContext

__all__ = ["MiniStation", "OperatorClient", "register", "run", "run_demo"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- a minimal Charging Station -----------------------------------------------------------------


class _MiniHandlers(ChargingStationHandlers):
    def __init__(self, station: MiniStation) -> None:
        self.station = station

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
        self, url: str, identity: str, password: str | None = None, *, evses: int = 1
    ) -> None:
        self.identity = identity
        self.evses = evses
        self.client = StationClient(
            url,
            identity,
            [(v201.VERSION, _MiniHandlers(self))],
            password=password,
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


# -- the operator's HTTP client -----------------------------------------------------------------


class OperatorClient:
    """The operator API over HTTP (what a back-office script would do)."""

    def __init__(self, base_url: str, user: str, password: str) -> None:
        self.base_url = base_url
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Basic {token}"},
            timeout=aiohttp.ClientTimeout(total=30),
        )

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self._session.request(
            method, self.base_url + path, json=body if body is not None else None
        ) as response:
            text = await response.text()
            data = None
            if text:
                with contextlib.suppress(ValueError):
                    data = await response.json(content_type=None)
            return response.status, data

    async def call(self, station: str, action: str, payload: dict[str, Any]) -> tuple[int, Any]:
        return await self.request("POST", f"/api/stations/{station}/calls/{action}", payload)

    async def close(self) -> None:
        await self._session.close()


# -- the demo -----------------------------------------------------------------------------------


@dataclass
class _Step:
    station: str
    name: str
    ok: bool
    detail: str


class _Report:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.steps: list[_Step] = []
        self.out = out
        self.started = time.perf_counter()

    def __call__(self, station: str, name: str, ok: bool, detail: str = "") -> bool:
        self.steps.append(_Step(station, name, ok, detail))
        mark = "ok  " if ok else "FAIL"
        elapsed = time.perf_counter() - self.started
        self.out(f"[{elapsed:5.2f}s] {mark} {station:<8} {name:<38} {detail}")
        return ok


async def _station_flow(
    station: MiniStation, api: OperatorClient, report: _Report, token: str, energy: float
) -> None:
    sid = station.identity
    boot = await station.boot_until_accepted()
    pending = [b.status for b in station.boots]
    report(sid, "B01/B02 boot", boot.status == "Accepted", " -> ".join(pending))
    for evse in range(1, station.evses + 1):
        await station.status(evse, "Available")
    _, body = await api.request("GET", f"/api/stations/{sid}")
    statuses = [c["status"] for e in body["evses"] for c in e["connectors"]]
    report(
        sid,
        "G01 status notification",
        statuses == ["Available"] * station.evses,
        f"connectors {statuses}",
    )
    beat = await station.heartbeat()
    report(sid, "G02 heartbeat", beat.current_time is not None, beat.current_time.isoformat())
    auth = await station.authorize(token)
    report(sid, "C01 authorize", auth == "Accepted", f"{token}: {auth}")
    tx, info = await station.start_transaction(1, token)
    report(sid, "E02 start transaction", info == "Accepted", f"{tx[:8]} idTokenInfo {info}")
    for step in range(1, 4):
        await station.meter(1, energy * step / 4)
    await station.stop_transaction(1, energy)
    _, stored = await api.request("GET", f"/api/transactions/{sid}/{tx}")
    ok = (
        stored is not None
        and stored["state"] == "Ended"
        and stored["complete"]
        and stored["energy_wh"] == energy
        and len(stored["event_log"]) == 5
    )
    detail = (
        f"{len(stored['event_log'])} events, {len(stored['meter_values'])} samples, "
        f"{stored['energy_wh']:.0f} Wh"
        if stored
        else "not stored"
    )
    report(sid, "E06/J02 transaction + meter values", ok, detail)

    status, got = await api.call(
        sid,
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
            ]
        },
    )
    value = got["payload"]["getVariableResult"][0].get("attributeValue") if status == 200 else got
    report(sid, "B06 GetVariables (operator API)", status == 200 and value == "300", f"= {value}")
    status, got = await api.call(
        sid,
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeValue": "120",
                }
            ]
        },
    )
    result = got["payload"]["setVariableResult"][0]["attributeStatus"] if status == 200 else got
    ok = status == 200 and result == "Accepted"
    report(sid, "B05 SetVariables (operator API)", ok, f"{result}")
    status, got = await api.call(
        sid, "GetBaseReport", {"requestId": 7, "reportBase": "FullInventory"}
    )
    report(sid, "B07 GetBaseReport (operator API)", status == 200, str(got.get("payload")))
    status, got = await api.call(
        sid, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
    )
    report(
        sid,
        "G03 ChangeAvailability (operator API)",
        status == 200,
        str(got["payload"]["status"]) if status == 200 else str(got),
    )
    await _until(lambda: _connector_status(api, sid, 1), "Unavailable")
    report(sid, "G03 connector now Unavailable", True, "StatusNotification stored")
    stored_report = await _until(lambda: _report_complete(api, sid, 7), True)
    report(sid, "B07 NotifyReport collected", stored_report is True, "2 parts, complete")
    status, got = await api.call(sid, "Reset", {"type": "Immediate"})
    report(
        sid,
        "B11 Reset (operator API)",
        status == 200,
        str(got["payload"]["status"]) if status == 200 else str(got),
    )
    reason = await _until(lambda: _boot_reason(api, sid), "RemoteReset")
    report(sid, "B11 station rebooted", reason == "RemoteReset", f"boot reason {reason}")


async def _connector_status(api: OperatorClient, sid: str, evse: int) -> Any:
    _, body = await api.request("GET", f"/api/stations/{sid}")
    for item in body["evses"]:
        if item["evse_id"] == evse:
            return item["connectors"][0]["status"]
    return None


async def _report_complete(api: OperatorClient, sid: str, request_id: int) -> Any:
    status, body = await api.request("GET", f"/api/stations/{sid}/reports/{request_id}")
    return status == 200 and body["complete"]


async def _boot_reason(api: OperatorClient, sid: str) -> Any:
    _, body = await api.request("GET", f"/api/stations/{sid}")
    return body["boot_reason"] if body["connected"] else None


async def _until(probe: Callable[[], Any], expected: Any, timeout: float = 10.0) -> Any:
    """Poll the operator API until `probe()` returns `expected` (what an operator does)."""
    deadline = time.monotonic() + timeout
    value = await probe()
    while value != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        value = await probe()
    return value


async def run_demo(
    data_dir: Path = Path("demo-data"),
    *,
    stations: int = 3,
    out: Callable[[str], None] = print,
) -> int:
    """Run the demo; return the exit status (0 when every step worked)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    operator_password = secrets.token_urlsafe(12)
    config = CsmsConfig(
        database=str(database),
        ocpp_port=0,
        api_port=0,
        operator_password=operator_password,
        boot_retry_interval=1,
        security_profile=1,
        ping_interval=None,
    )
    report = _Report(out)
    async with Csms(config) as csms:
        out(
            f"CSMS: OCPP {csms.ocpp_url}<identity> (security profile 1, Basic auth), "
            f"operator API {csms.api_url} (OpenAPI at /openapi.json), store {database}"
        )
        api = OperatorClient(csms.api_url, config.operator_user, operator_password)
        minis: list[MiniStation] = []
        try:
            for index in range(1, stations + 1):
                sid = f"CS{index:03d}"
                password = secrets.token_urlsafe(16)
                body: dict[str, Any] = {"id": sid, "password": password, "heartbeat_interval": 300}
                if index == 2:
                    body["boot_policy"] = "Pending"
                    body["pending_variables"] = [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                            "attributeValue": "300",
                        }
                    ]
                status, _ = await api.request("POST", "/api/stations", body)
                report(
                    sid,
                    "register station (operator API)",
                    status == 201,
                    body.get("boot_policy", "Accepted"),
                )
                status, _ = await api.request(
                    "PUT", f"/api/tokens/ISO14443/TOKEN{index:03d}", {"status": "Accepted"}
                )
                report(sid, "add token (operator API)", status == 200, f"TOKEN{index:03d}")
                minis.append(MiniStation(csms.ocpp_url, sid, password))
            intruder = MiniStation(csms.ocpp_url, "CS001", "wrong password")
            try:
                await intruder.client.connect()
                report("CS001", "wrong password refused", False, "connected!")
            except Exception as exc:  # websockets.InvalidStatus: HTTP 401
                report("CS001", "wrong password refused", "401" in str(exc), type(exc).__name__)
            await asyncio.gather(*(mini.start() for mini in minis))
            results = await asyncio.gather(
                *(
                    _station_flow(mini, api, report, f"TOKEN{i:03d}", 1000.0 * (i + 4))
                    for i, mini in enumerate(minis, start=1)
                ),
                return_exceptions=True,
            )
            for mini, result in zip(minis, results, strict=True):
                if isinstance(result, BaseException):
                    report(mini.identity, "flow", False, repr(result))
            _, listed = await api.request("GET", "/api/stations")
            out("")
            out(
                f"{'station':<8} {'conn':<5} {'registration':<12} {'boots':<28} "
                f"{'transactions':<12} {'energy Wh':>9}  steps"
            )
            for item in listed:
                sid = item["id"]
                _, txs = await api.request("GET", f"/api/stations/{sid}/transactions")
                energy = sum(t["energy_wh"] or 0 for t in txs)
                mini = next(m for m in minis if m.identity == sid)
                boots = "->".join(str(b.status) for b in mini.boots)
                steps = [s for s in report.steps if s.station == sid]
                passed = sum(s.ok for s in steps)
                out(
                    f"{sid:<8} {'yes' if item['connected'] else 'no':<5} "
                    f"{item['registration_status'] or '-':<12} {boots:<28} {len(txs):<12} "
                    f"{energy:>9.0f}  {passed}/{len(steps)}"
                )
        finally:
            await api.close()
            await asyncio.gather(*(mini.close() for mini in minis), return_exceptions=True)
    failed = [s for s in report.steps if not s.ok]
    elapsed = time.perf_counter() - report.started
    out("")
    if failed:
        out(f"demo FAILED: {len(failed)} of {len(report.steps)} steps failed in {elapsed:.1f} s")
        return 1
    out(f"demo OK: {len(report.steps)} steps, {stations} stations, {elapsed:.1f} s")
    return 0


def run(args: argparse.Namespace) -> int:
    # The refused intruder is expected: keep the runtime's warning about it off the screen.
    logging.getLogger("ocppgen.runtime").setLevel(logging.ERROR)
    try:
        return asyncio.run(
            asyncio.wait_for(run_demo(Path(args.data_dir), stations=args.stations), 60)
        )
    except TimeoutError:
        print("demo FAILED: did not finish within 60 s", file=sys.stderr)
        return 1


def register(subparsers: Any) -> None:
    """Add the `demo` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="run the reference CSMS with several stations through the basic use cases",
        description="Start the reference CSMS and several Charging Stations in one process "
        "over loopback sockets, run boot, authorization, a transaction with meter values and "
        "operator calls (GetVariables, SetVariables, GetBaseReport, ChangeAvailability, "
        "Reset), and print a summary. Exit status 0 when every step worked.",
    )
    parser.add_argument("--data-dir", default="demo-data", help="where the SQLite file goes")
    parser.add_argument("--stations", type=int, default=3, help="number of stations (1-20)")
    parser.set_defaults(func=run)
