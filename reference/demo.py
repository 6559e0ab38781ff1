"""`ocppgen demo`: the reference CSMS and several reference Charging Stations running the basic
use cases.

Everything runs in one process over real loopback sockets: the CSMS (OCPP endpoint with Basic
auth, security profile 1, and the operator HTTP API) on an SQLite file under ./demo-data/, and
three reference `Station`s (two EVSEs each, their state files under ./demo-data/stations/), whose
intervals run 20 times faster (`time_scale`). The operator registers the stations and tokens
through the HTTP API; CS002 is registered Pending, so the CSMS configures it (B02) before
accepting it. Then the simulated drivers act: a refused (blocked) token, an EV plugged in and a
token presented (the transaction starts and sends meter values), the same token presented at
another station while in use (Authorize Accepted, its transaction refused ConcurrentTx and
ended), the EV unplugged (the transaction ends). Then the
operator sends GetVariables, SetVariables, GetBaseReport, ChangeAvailability, DataTransfer and
Reset through the API. Every step is checked the way an operator would: by reading the CSMS's
stored state back through the HTTP API, never the stations' internals. Progress lines go to
stdout, then a summary table; the exit status is 0 only when every step worked.

Only the stations' configured intervals are scaled: the simulated meter integrates power over
real time, so the second or so of charging shows as a few Wh.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import logging
import secrets
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import websockets

from ocppgen.generated import v201
from ocppgen.reference.csms.app import Csms, CsmsConfig
from ocppgen.reference.station import Station
from ocppgen.runtime.security import basic_auth_header

__all__ = ["OperatorClient", "register", "run", "run_demo"]

TIME_SCALE = 0.05
"""The stations' intervals and timeouts run 20 times faster (see `Station`)."""
HEARTBEAT_INTERVAL = 10
"""The heartbeat interval the CSMS gives at boot (B01.FR.04): 0.5 s at TIME_SCALE."""
METER_INTERVAL = "4"
"""SampledDataCtrlr.TxUpdatedInterval (0.2 s at TIME_SCALE); CS002 gets it from the CSMS."""
BOOT_RETRY = 5
"""The interval a Pending answer carries (0.25 s at TIME_SCALE)."""
WAIT = 10.0
"""How long the operator waits for stored state to show a step's effect."""

_HEARTBEAT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
_METER = {"component": {"name": "SampledDataCtrlr"}, "variable": {"name": "TxUpdatedInterval"}}


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
        self.out(f"[{elapsed:5.2f}s] {mark} {station:<6} {name:<40} {detail}")
        return ok

    @property
    def failed(self) -> list[_Step]:
        return [step for step in self.steps if not step.ok]


@dataclass
class _Demo:
    csms: Csms
    api: OperatorClient
    report: _Report
    stations: dict[str, Station] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)

    async def until(
        self, path: str, done: Callable[[Any], bool], timeout: float = WAIT
    ) -> tuple[bool, Any]:
        """Poll the operator API until `done(body)` holds: what an operator watching does."""
        deadline = time.monotonic() + timeout
        while True:
            status, body = await self.api.request("GET", path)
            if status == 200 and done(body):
                return True, body
            if time.monotonic() > deadline:
                return False, body
            await asyncio.sleep(0.05)

    async def station_view(self, sid: str, done: Callable[[Any], bool]) -> tuple[bool, Any]:
        return await self.until(f"/api/stations/{sid}", done)

    async def call(self, sid: str, action: str, payload: dict[str, Any]) -> tuple[bool, Any]:
        """An operator call; (answered, the station's payload or the API's error)."""
        status, body = await self.api.call(sid, action, payload)
        if status != 200:
            return False, body
        return True, body["payload"]


def _connectors(view: Any) -> list[str]:
    return [c["status"] for evse in view["evses"] for c in evse["connectors"]]


def _connector(view: Any, evse_id: int) -> str | None:
    for evse in view["evses"]:
        if evse["evse_id"] == evse_id:
            return str(evse["connectors"][0]["status"])
    return None


def _evse_1_is(status: str) -> Callable[[Any], bool]:
    return lambda view: _connector(view, 1) == status


# Each phase runs for every station at once; a phase with a failed step ends the demo.


async def _boot(demo: _Demo, sid: str) -> None:
    report = demo.report
    await demo.stations[sid].start()
    conn = await demo.csms.server.wait_for_station(sid, timeout=WAIT)
    address = conn.extra["remote_address"]
    report(
        sid,
        "connected (Basic auth)",
        int(conn.extra["security_profile"]) == 1,
        f"from {address[0]}:{address[1]}, security profile {int(conn.extra['security_profile'])}",
    )
    ok, view = await demo.station_view(sid, lambda v: v["registration_status"] == "Accepted")
    boots = [b["status"] for b in view["boots"]]
    pending = view["boot_policy"] == "Pending"
    expected = boots[:1] == ["Pending"] and view["provisioned"] if pending else True
    name = "B02 boot: Pending, configured, Accepted" if pending else "B01 boot: Accepted"
    report(sid, name, ok and bool(expected), " -> ".join(boots))
    ok, view = await demo.station_view(
        sid, lambda v: _connectors(v) == ["Available"] * len(demo.stations[sid].evses)
    )
    report(sid, "G01 status notifications", ok, f"connectors {_connectors(view)}")
    ok, view = await demo.station_view(sid, lambda v: v["last_heartbeat_at"] is not None)
    report(sid, "G02 heartbeat", ok, f"last at {view['last_heartbeat_at']}")


async def _refused_token(demo: _Demo, sid: str) -> None:
    status = await demo.stations[sid].present_token("STOLEN01")
    _, view = await demo.api.request("GET", f"/api/stations/{sid}")
    ok = status == "Blocked" and view["active_transactions"] == []
    demo.report(sid, "C01 blocked token refused", ok, f"STOLEN01: {status}, no transaction")


async def _start(demo: _Demo, sid: str) -> None:
    station, token = demo.stations[sid], demo.tokens[sid]
    await station.plug_in(1)
    ok, view = await demo.station_view(sid, lambda v: _connector(v, 1) == "Occupied")
    demo.report(sid, "E02 EV plugged in", ok, "EVSE 1 Occupied")
    status = await station.present_token(token)

    def started(view: Any) -> bool:
        return any(
            t["id_token"] == token and t["id_token_status"] == "Accepted"
            for t in view["active_transactions"]
        )

    ok, view = await demo.station_view(sid, started)
    ok = ok and status == "Accepted"
    if ok:
        demo.transactions[sid] = view["active_transactions"][0]["transaction_id"]
    detail = f"{token}: {status}, transaction {demo.transactions.get(sid, '-')[:8]}"
    demo.report(sid, "C01/E02 token presented: charging", ok, detail)


async def _concurrent(demo: _Demo, sid: str, other: str) -> None:
    """The token of the transaction on `other` is presented at `sid` (EVSE 2, EV plugged in):
    Authorize gets the token's own status (Accepted); the Started that follows is answered
    ConcurrentTx (OCPP 2.0.1 Part 2 gives that status only there) and the station ends it."""
    token = demo.tokens[other]
    station = demo.stations[sid]
    await station.plug_in(2)
    status = await station.present_token(token, evse_id=2)

    def refused(body: Any) -> bool:
        return any(t["id_token"] == token and t["id_token_status"] == "ConcurrentTx" for t in body)

    ok, _ = await demo.until(f"/api/transactions?active=false&station_id={sid}", refused)
    await station.unplug(2)
    ok = ok and status == "Accepted"
    detail = f"{token}: Authorize {status}, Started " + ("ConcurrentTx" if ok else "not refused")
    demo.report(sid, "E05 token in use elsewhere refused", ok, detail)


async def _meter_values(demo: _Demo, sid: str) -> None:
    path = f"/api/transactions/{sid}/{demo.transactions[sid]}"

    def sampled(body: Any) -> bool:
        periodic = [m for m in body["meter_values"] if m["context"] == "Sample.Periodic"]
        return len(periodic) >= 4

    ok, body = await demo.until(path, sampled)
    samples = len(body["meter_values"]) if body else 0
    updated = sum(1 for e in body["event_log"] if e["event_type"] == "Updated") if body else 0
    detail = f"{updated} Updated events, {samples} samples, {body['energy_wh'] or 0:.1f} Wh"
    demo.report(sid, "J02 meter values while charging", ok, detail)


async def _unplug(demo: _Demo, sid: str) -> None:
    await demo.stations[sid].unplug(1)
    path = f"/api/transactions/{sid}/{demo.transactions[sid]}"
    ok, body = await demo.until(path, lambda b: b["complete"])
    ok = ok and body["stopped_reason"] == "EVDisconnected" and (body["energy_wh"] or 0) > 0
    detail = (
        f"{body['events']} events, seqNo 0..{body['last_seq_no']} complete, "
        f"{body['energy_wh'] or 0:.1f} Wh, {body['stopped_reason']}"
    )
    demo.report(sid, "E09 EV unplugged: transaction ended", ok, detail)


async def _operator(demo: _Demo, sid: str) -> None:
    report = demo.report
    ok, got = await demo.call(sid, "GetVariables", {"getVariableData": [_HEARTBEAT, _METER]})
    values = [r.get("attributeValue") for r in got["getVariableResult"]] if ok else got
    # the CSMS answered the boot with the configured interval or up to 10% less (it spreads
    # a fleet's heartbeats; see reference.csms.handlers)
    heartbeats = {
        str(spread) for spread in range(HEARTBEAT_INTERVAL * 9 // 10, HEARTBEAT_INTERVAL + 1)
    }
    ok = ok and values[0] in heartbeats and values[1] == METER_INTERVAL
    report(sid, "B06 GetVariables", ok, f"HeartbeatInterval, TxUpdatedInterval = {values}")
    ok, got = await demo.call(
        sid, "SetVariables", {"setVariableData": [{**_HEARTBEAT, "attributeValue": "20"}]}
    )
    result = got["setVariableResult"][0]["attributeStatus"] if ok else got
    report(sid, "B05 SetVariables", ok and result == "Accepted", f"HeartbeatInterval=20: {result}")
    ok, got = await demo.call(sid, "GetBaseReport", {"requestId": 7, "reportBase": "FullInventory"})
    ok = ok and got["status"] == "Accepted"
    ok, body = await demo.until(f"/api/stations/{sid}/reports/7", lambda b: b["complete"])
    detail = (
        f"{body['parts']} NotifyReport parts, {len(body['report_data'])} variables" if ok else ""
    )
    report(sid, "B07 GetBaseReport collected", ok, detail)
    for wanted, status in (("Inoperative", "Unavailable"), ("Operative", "Available")):
        answered, got = await demo.call(
            sid, "ChangeAvailability", {"operationalStatus": wanted, "evse": {"id": 1}}
        )
        ok, view = await demo.station_view(sid, _evse_1_is(status))
        ok = ok and answered and got["status"] == "Accepted"
        report(sid, f"G03 ChangeAvailability {wanted}", ok, f"EVSE 1 {_connector(view, 1)}")
    ok, got = await demo.call(sid, "DataTransfer", {"vendorId": "com.example.demo", "data": 1})
    report(sid, "P01 DataTransfer", ok, f"answered {got.get('status')}")
    ok, got = await demo.call(sid, "Reset", {"type": "Immediate"})
    ok = ok and got["status"] == "Accepted"

    def rebooted(view: Any) -> bool:
        last = view["boots"][-1]
        return bool(view["connected"]) and (last["reason"], last["status"]) == (
            "RemoteReset",
            "Accepted",
        )

    ok, view = await demo.station_view(sid, rebooted) if ok else (False, None)
    last = view["boots"][-1] if view else {}
    detail = f"boot {last.get('reason')}: {last.get('status')}"
    report(sid, "B11 Reset: rebooted and accepted", ok, detail)


async def _phase(
    demo: _Demo, step: Callable[[_Demo, str], Awaitable[None]], sids: list[str]
) -> bool:
    """Run `step` for the stations at once; True if every step so far worked."""
    results = await asyncio.gather(*(step(demo, sid) for sid in sids), return_exceptions=True)
    for sid, result in zip(sids, results, strict=True):
        if isinstance(result, BaseException):
            demo.report(sid, step.__name__.strip("_"), False, repr(result))
    return not demo.report.failed


async def _register(demo: _Demo, data_dir: Path, count: int) -> None:
    """The operator registers stations (CS002 Pending with a configuration) and tokens."""
    status, _ = await demo.api.request(
        "PUT", "/api/tokens/ISO14443/STOLEN01", {"status": "Blocked"}
    )
    demo.report("-", "add blocked token STOLEN01", status == 200)
    for index in range(1, count + 1):
        sid, token = f"CS{index:03d}", f"TOKEN{index:03d}"
        password = secrets.token_urlsafe(16)
        body: dict[str, Any] = {
            "id": sid,
            "password": password,
            "heartbeat_interval": HEARTBEAT_INTERVAL,
        }
        overrides = {
            "SampledDataCtrlr.TxUpdatedInterval": METER_INTERVAL,
            "OCPPCommCtrlr.RetryBackOffWaitMinimum": "1",
            "OCPPCommCtrlr.RetryBackOffRandomRange": "1",
        }
        if index == 2:
            body["boot_policy"] = "Pending"
            body["pending_variables"] = [{**_METER, "attributeValue": METER_INTERVAL}]
            overrides["SampledDataCtrlr.TxUpdatedInterval"] = "60"  # until the CSMS sets it
        status, _ = await demo.api.request("POST", "/api/stations", body)
        demo.report(sid, "register station", status == 201, body.get("boot_policy", "Accepted"))
        status, _ = await demo.api.request(
            "PUT", f"/api/tokens/ISO14443/{token}", {"status": "Accepted"}
        )
        demo.report(sid, "add token", status == 200, token)
        demo.tokens[sid] = token
        demo.stations[sid] = Station(
            demo.csms.ocpp_url,
            sid,
            db_path=data_dir / "stations" / f"{sid}.sqlite3",
            evses=(1, 1),
            password=password,
            serial_number=f"SN-{sid}",
            overrides=overrides,
            time_scale=TIME_SCALE,
        )


async def _intruder(demo: _Demo) -> None:
    """A station that knows the identity but not the password is refused at the handshake."""
    headers = {"Authorization": basic_auth_header("CS001", "wrong password")}
    try:
        async with websockets.connect(
            demo.csms.ocpp_url + "CS001",
            subprotocols=[websockets.Subprotocol(v201.VERSION.subprotocol)],
            additional_headers=headers,
        ):
            demo.report("CS001", "wrong password refused", False, "connected!")
    except websockets.InvalidStatus as exc:
        code = exc.response.status_code
        demo.report("CS001", "wrong password refused", code == 401, f"HTTP {code}")


async def _summary(demo: _Demo, out: Callable[[str], None]) -> None:
    """The stored state, read back through the operator API."""
    _, listed = await demo.api.request("GET", "/api/stations")
    out("")
    out(
        f"{'station':<7} {'connected from':<16} {'registration':<12} {'boots':<36} "
        f"{'txs':>3} {'energy Wh':>9}  steps"
    )
    for item in listed:
        sid = item["id"]
        _, view = await demo.api.request("GET", f"/api/stations/{sid}")
        _, txs = await demo.api.request("GET", f"/api/stations/{sid}/transactions")
        energy = sum(t["energy_wh"] or 0 for t in txs)
        boots = "->".join(
            b["status"] + ("(reset)" if b["reason"] == "RemoteReset" else "") for b in view["boots"]
        )
        connection = item["connection"] or {}
        steps = [s for s in demo.report.steps if s.station == sid]
        passed = sum(s.ok for s in steps)
        out(
            f"{sid:<7} {connection.get('remote_address') or '-':<16} "
            f"{item['registration_status'] or '-':<12} {boots:<36} {len(txs):>3} "
            f"{energy:>9.1f}  {passed}/{len(steps)}"
        )


async def run_demo(
    data_dir: Path = Path("demo-data"),
    *,
    stations: int = 3,
    out: Callable[[str], None] = print,
) -> int:
    """Run the demo; return the exit status (0 when every step worked)."""
    if not 2 <= stations <= 20:
        raise ValueError("the demo runs 2 to 20 stations")
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "demo.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(data_dir / "stations", ignore_errors=True)  # every run starts fresh
    (data_dir / "stations").mkdir()
    operator_password = secrets.token_urlsafe(12)
    config = CsmsConfig(
        database=str(database),
        ocpp_port=0,
        api_port=0,
        operator_password=operator_password,
        boot_retry_interval=BOOT_RETRY,
        security_profile=1,
        ping_interval=None,
    )
    report = _Report(out)
    async with Csms(config) as csms:
        out(
            f"CSMS: OCPP {csms.ocpp_url}<identity> (security profile 1, Basic auth), "
            f"operator API {csms.api_url} (OpenAPI at /openapi.json), store {database}"
        )
        demo = _Demo(
            csms, OperatorClient(csms.api_url, config.operator_user, operator_password), report
        )
        try:
            await _register(demo, data_dir, stations)
            await _intruder(demo)
            sids = list(demo.stations)

            async def concurrent(demo: _Demo, sid: str) -> None:
                await _concurrent(demo, sid, sids[0])

            phases: list[tuple[Callable[[_Demo, str], Awaitable[None]], list[str]]] = [
                (_boot, sids),
                (_refused_token, sids[:1]),
                (_start, sids),
                (concurrent, sids[1:2]),
                (_meter_values, sids),
                (_unplug, sids),
                (_operator, sids),
            ]
            for step, which in phases:
                if not await _phase(demo, step, which):
                    break
            await _summary(demo, out)
        finally:
            await demo.api.close()
            await asyncio.gather(
                *(station.stop() for station in demo.stations.values()), return_exceptions=True
            )
    elapsed = time.perf_counter() - report.started
    out("")
    if report.failed:
        out(
            f"demo FAILED: {len(report.failed)} of {len(report.steps)} steps failed "
            f"in {elapsed:.1f} s"
        )
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


def _station_count(text: str) -> int:
    count = int(text)
    if not 2 <= count <= 20:
        raise argparse.ArgumentTypeError("the demo runs 2 to 20 stations")
    return count


def register(subparsers: Any) -> None:
    """Add the `demo` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="run the reference CSMS with several reference stations through the basic use cases",
        description="Start the reference CSMS and several reference Charging Stations in one "
        "process over loopback sockets: boot (one station Pending and configured first), "
        "status, heartbeat, a blocked token, a transaction driven by plug-in, token and unplug "
        "with meter values, a transaction refused ConcurrentTx for a token in use elsewhere, and "
        "operator "
        "calls through the HTTP API (GetVariables, SetVariables, GetBaseReport, "
        "ChangeAvailability, DataTransfer, Reset). Every step is checked against the CSMS's "
        "stored state through the operator API; a summary table follows. Exit status 0 when "
        "every step worked.",
    )
    parser.add_argument(
        "--data-dir",
        default="demo-data",
        help="where the CSMS's SQLite file and the stations' state files go (recreated)",
    )
    parser.add_argument(
        "--stations", type=_station_count, default=3, help="number of stations (2-20)"
    )
    parser.set_defaults(func=run)
