"""Use-case scenarios as sequences with semantic checks, for either role under test.

Against a CSMS (the tester plays a Charging Station): B01 boot (Accepted, interval > 0,
currentTime RFC 3339 with a time zone), StatusNotification and Heartbeat, C01 authorization
(unknown, accepted and blocked tokens), E01 a transaction (Started/Updated/Ended with one
transaction id and continuous seqNo; idTokenInfo for an idToken), E05 a blocked token's
transaction is not Accepted.

Against a Charging Station (the tester plays the CSMS): B01 the boot sequence (BootNotification
first, then StatusNotification for its connectors, then a Heartbeat within the interval we gave),
B06 GetVariables (the interval was adopted), B05 SetVariables of an unknown component, B07
GetBaseReport (NotifyReport parts complete: one requestId, seqNo 0..n, the last with tbc false),
G03/G04 ChangeAvailability followed by StatusNotification, E transactions started and stopped
remotely (continuous seqNo, one transaction id), P01 DataTransfer, B11 Reset (the station
reconnects and boots with reason RemoteReset); with `--driver`, the scenarios that start at the
station (C01, E02, E03, E09: `driven.py`). B02/B03 against a CSMS are in `boot_policies.py`.

Every scenario records its result per use case and keeps the frames of a failing one. The
checks 1.6 judges the same way (`scenarios_v16.py`) are shared from here: `judge_boot`,
`authorize_checks`, `boot_first`, `heartbeat_within`, `reboots`, `rule_checks`, `arrived`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from ocppgen.conformance.checks import Context
from ocppgen.conformance.report import CheckResult, Status
from ocppgen.conformance.session import CallSeen, RawSession, Reply
from ocppgen.runtime.errors import OcppError
from ocppgen.runtime.frames import CallResult

__all__ = [
    "BLOCKED_PREFIX",
    "RFC3339",
    "call_checked",
    "call_result",
    "csms_scenarios",
    "get_variable",
    "now_rfc3339",
    "session_checks",
    "station_reset",
    "station_scenarios",
    "time_checks",
    "transaction_seqno",
    "variable_data",
]

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$")

BLOCKED_PREFIX = "OCPPGENBLK"
"""idTokens the tester made up to be refused: as the CSMS it answers them Blocked."""


class Scenario:
    """Collects the verdicts of one scenario; each `check` becomes one CheckResult."""

    def __init__(self, ctx: Context, group: str, name: str, mark: int | None = None) -> None:
        """`mark`: where in the transcript this scenario's evidence starts (default: now)."""
        self.ctx, self.group, self.name = ctx, group, name
        self.mark = ctx.transcript.mark() if mark is None else mark
        self.started = time.monotonic()

    def check(
        self, key: str, title: str, ok: Status | bool, detail: str = "", requirement: str = ""
    ) -> bool:
        status = ok if isinstance(ok, Status) else (Status.PASS if ok else Status.FAIL)
        result = CheckResult(
            f"{self.group}/{self.name}/{key}", self.group, title, status, detail, requirement
        )
        result.seconds = time.monotonic() - self.started
        result.examples = 1
        if status in (Status.FAIL, Status.WARN):
            result.frames = self.ctx.transcript.since(self.mark)
        self.ctx.add(result)
        return status is not Status.FAIL

    def skip(self, key: str, title: str, why: str) -> None:
        self.check(key, title, Status.SKIP, why)


def arrived(sc: Scenario, key: str, title: str, call: CallSeen | None, rule: str) -> bool:
    """Check that something the SUT should send (`call`) came."""
    return sc.check(key, title, call is not None, "" if call else "none arrived", rule)


def call_result(reply: Reply) -> dict[str, Any] | None:
    return reply.frame.payload if isinstance(reply.frame, CallResult) else None


def _valid(ctx: Context, action: str, payload: Any) -> str | None:
    """None if `payload` is a valid response of `action`, else why not."""
    response = ctx.version.actions[action].response
    assert response is not None
    try:
        response.from_json_dict(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        return f"{'/'.join(map(str, first['loc'])) or 'payload'}: {first['msg']}"
    return None


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def call_checked(
    sc: Scenario, action: str, payload: dict[str, Any], requirement: str = "", key: str = ""
) -> dict[str, Any] | None:
    """Send one CALL; check (as `key`, default "<action>-response") that it gets a
    schema-valid CALLRESULT; return its payload."""
    ctx = sc.ctx
    reply = await ctx.live().call(action, payload, ctx.options.call_timeout)
    answer = call_result(reply)
    key = key or f"{action}-response"
    if answer is None:
        sc.check(key, f"{action} gets a CALLRESULT", False, reply.describe(), requirement)
        return None
    problem = _valid(ctx, action, answer)
    sc.check(
        key, f"{action} gets a schema-valid response", problem is None, problem or "", requirement
    )
    return answer if problem is None else None


def time_checks(sc: Scenario, key: str, value: Any, requirement: str) -> None:
    ok = isinstance(value, str) and RFC3339.match(value) is not None
    sc.check(
        key, "currentTime is RFC 3339 with a time zone", ok, f"currentTime {value!r}", requirement
    )
    if ok:
        parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
        skew = abs((parsed - datetime.now(UTC)).total_seconds())
        sc.check(
            f"{key}-skew",
            "currentTime is within 5 minutes of the tester's clock",
            Status.PASS if skew < 300 else Status.WARN,
            f"{skew:.0f} s apart",
            requirement,
        )


# -- against a CSMS ------------------------------------------------------------------------------


def boot_request() -> dict[str, Any]:
    return {
        "chargingStation": {"model": "ocppgen-conformance", "vendorName": "ocppgen"},
        "reason": "PowerUp",
    }


async def csms_boot(ctx: Context) -> bool:
    """B01: boot; True if the CSMS accepted the tester's station."""
    sc = Scenario(ctx, "B01", "boot")
    answer = await call_checked(sc, "BootNotification", boot_request(), "B01.FR.02")
    if answer is None:
        return False
    return judge_boot(
        sc,
        answer,
        "station",
        ("B01.FR.02", "B01.FR.02, B01.FR.04 (the interval the station adopts), G02.FR.01"),
        "B01 BootNotificationResponse",
    )


def judge_boot(
    sc: Scenario, answer: dict[str, Any], who: str, rules: tuple[str, str], time_rule: str
) -> bool:
    """The CSMS's answer to the tester's boot (either version's field names): Accepted, an
    interval > 0 and a current time; True if Accepted. `rules`: for status, for interval."""
    status = answer.get("status")
    sc.check(
        "accepted",
        f"the CSMS accepts the {who} (register its identity first)",
        status == "Accepted",
        f"status {status!r}",
        rules[0],
    )
    interval = answer.get("interval")
    sc.check(
        "interval",
        "an Accepted boot carries a heartbeat interval > 0",
        isinstance(interval, int) and interval > 0,
        f"interval {interval!r}",
        rules[1],
    )
    time_checks(sc, "current-time", answer.get("currentTime"), time_rule)
    return status == "Accepted"


async def csms_scenarios(ctx: Context) -> None:
    if ctx.wanted("B01"):
        sc = Scenario(ctx, "B01", "after-boot")
        await call_checked(
            sc,
            "StatusNotification",
            {
                "timestamp": now_rfc3339(),
                "connectorStatus": "Available",
                "evseId": 1,
                "connectorId": 1,
            },
            "B01.FR.05",
        )
        answer = await call_checked(sc, "Heartbeat", {}, "G02.FR.03")
        if answer is not None:
            time_checks(sc, "heartbeat-time", answer.get("currentTime"), "G02.FR.03")
    if ctx.wanted("C01"):
        await _csms_authorize(ctx)
    if ctx.wanted("E01") or ctx.wanted("E05"):  # not "E": --only E02 means E02 alone
        await _csms_transaction(ctx)


async def _authorize(sc: Scenario, token: str, kind: str = "ISO14443") -> str | None:
    answer = await call_checked(
        sc, "Authorize", {"idToken": {"idToken": token, "type": kind}}, "C01.FR.07"
    )
    if answer is None:
        return None
    status: str = answer["idTokenInfo"]["status"]
    return status


async def _csms_authorize(ctx: Context) -> None:
    sc = Scenario(ctx, "C01", "authorize")
    unknown = "OCPPGEN" + uuid.uuid4().hex[:12].upper()
    await authorize_checks(
        sc, lambda token: _authorize(sc, token), unknown, "idToken", ("C01.FR.07",) * 3
    )


def refusal_verdict(status: str | None, expected: str) -> Status:
    """For what must be refused: the `expected` refusal passes, Accepted fails, another
    refusal (e.g. Invalid for a blocked idToken) or no answer warns."""
    if status == "Accepted":
        return Status.FAIL
    return Status.PASS if status == expected else Status.WARN


async def authorize_checks(
    sc: Scenario,
    authorize: Callable[[str], Awaitable[str | None]],
    unknown: str,
    noun: str,
    rules: tuple[str, str, str],
) -> None:
    """An unknown, the --accepted-token and the --blocked-token `noun` (idToken, idTag) are
    authorized; `authorize` returns the status answered. `rules`: for each of the three."""
    key = "token" if noun == "idToken" else "tag"
    status = await authorize(unknown)
    if status is not None:
        sc.check(
            f"unknown-{key}",
            f"an unknown {noun} is not Accepted",
            Status.PASS if status != "Accepted" else Status.WARN,
            f"{unknown} -> {status} (some CSMSs accept every {noun} on purpose)",
            rules[0],
        )
    good, bad = sc.ctx.options.accepted_token, sc.ctx.options.blocked_token
    if good:
        status = await authorize(good)
        sc.check(
            f"accepted-{key}",
            f"a valid {noun} is Accepted",
            status == "Accepted",
            f"{good} -> {status}",
            rules[1],
        )
    else:
        sc.skip(f"accepted-{key}", f"a valid {noun} is Accepted", "no --accepted-token given")
    if bad:
        status = await authorize(bad)
        sc.check(
            f"blocked-{key}",
            f"a blocked {noun} is answered Blocked",
            refusal_verdict(status, "Blocked"),
            f"{bad} -> {status}",
            rules[2],
        )
    else:
        sc.skip(f"blocked-{key}", f"a blocked {noun} is answered Blocked", "no --blocked-token")


def _tx_event(
    event: str, trigger: str, seq_no: int, tx_id: str, token: str | None, energy: float
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "eventType": event,
        "timestamp": now_rfc3339(),
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": {
            "transactionId": tx_id,
            "chargingState": "Charging" if event != "Ended" else "EVConnected",
        },
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": now_rfc3339(),
                "sampledValue": [{"value": energy, "measurand": "Energy.Active.Import.Register"}],
            }
        ],
    }
    if event == "Ended":
        payload["transactionInfo"]["stoppedReason"] = "Local"
    if token is not None:
        payload["idToken"] = {"idToken": token, "type": "ISO14443"}
    return payload


async def _csms_transaction(ctx: Context) -> None:
    sc = Scenario(ctx, "E01", "transaction")
    token = ctx.options.accepted_token or "OCPPGEN" + uuid.uuid4().hex[:8].upper()
    tx_id = "ocppgen-" + uuid.uuid4().hex[:12]
    steps = [
        ("Started", "Authorized", token),
        ("Updated", "MeterValuePeriodic", None),
        ("Ended", "StopAuthorized", token),
    ]
    for seq_no, (event, trigger, tok) in enumerate(steps):
        answer = await call_checked(
            sc,
            "TransactionEvent",
            _tx_event(event, trigger, seq_no, tx_id, tok, 100.0 * seq_no),
            "E01/E06",
        )
        if answer is None:
            return
        if tok is not None:
            info = answer.get("idTokenInfo")
            sc.check(
                f"{event.lower()}-id-token-info",
                f"TransactionEvent {event} with an idToken gets idTokenInfo",
                info is not None,
                f"response {answer}",
                "E01.FR.12",
            )
            if info is not None and ctx.options.accepted_token:
                sc.check(
                    f"{event.lower()}-accepted",
                    "the valid idToken is Accepted",
                    info.get("status") == "Accepted",
                    f"status {info.get('status')}",
                    "E01.FR.12",
                )
    if ctx.options.blocked_token:
        sc5 = Scenario(ctx, "E05", "blocked-token")
        answer = await call_checked(
            sc5,
            "TransactionEvent",
            _tx_event(
                "Started",
                "Authorized",
                0,
                "ocppgen-" + uuid.uuid4().hex[:12],
                ctx.options.blocked_token,
                0.0,
            ),
            "E05",
        )
        if answer is not None:
            status = (answer.get("idTokenInfo") or {}).get("status")
            sc5.check(
                "not-accepted",
                "a transaction with a blocked idToken is not Accepted",
                status is not None and status != "Accepted",
                f"idTokenInfo.status {status}",
                "E05.FR.01/E01.FR.12",
            )


def station_answer(ctx: Context) -> Callable[[CallSeen], Awaitable[dict[str, Any] | OcppError]]:
    """How the tester, playing a Charging Station, answers the CSMS's CALLs."""

    async def answer(seen: CallSeen) -> dict[str, Any] | OcppError:
        payload = seen.payload
        if seen.action == "SetVariables":
            return {
                "setVariableResult": [
                    {
                        "attributeStatus": "Accepted",
                        "component": d["component"],
                        "variable": d["variable"],
                    }
                    for d in payload["setVariableData"]
                ]
            }
        if seen.action == "GetVariables":
            return {
                "getVariableResult": [
                    {
                        "attributeStatus": "UnknownComponent",
                        "component": d["component"],
                        "variable": d["variable"],
                    }
                    for d in payload["getVariableData"]
                ]
            }
        simple = {
            "Reset": "Rejected",
            "ChangeAvailability": "Rejected",
            "GetBaseReport": "NotSupported",
            "TriggerMessage": "Rejected",
            "DataTransfer": "UnknownVendorId",
            "ClearCache": "Rejected",
            "RequestStartTransaction": "Rejected",
            "RequestStopTransaction": "Rejected",
        }
        if seen.action in simple:
            return {"status": simple[seen.action]}
        return OcppError("NotSupported", f"the conformance tester does not do {seen.action}")

    return answer


# -- against a Charging Station ------------------------------------------------------------------


def csms_answer(ctx: Context) -> Callable[[CallSeen], Awaitable[dict[str, Any] | OcppError]]:
    """How the tester, playing the CSMS, answers the station's CALLs."""

    def token_info(payload: dict[str, Any]) -> dict[str, Any]:
        token = str((payload.get("idToken") or {}).get("idToken", ""))
        blocked = token == ctx.options.blocked_token or token.startswith(BLOCKED_PREFIX)
        return {"status": "Blocked" if blocked else "Accepted"}

    async def answer(seen: CallSeen) -> dict[str, Any] | OcppError:
        action, payload = seen.action, seen.payload
        if action == "BootNotification":
            return {
                "currentTime": now_rfc3339(),
                "interval": ctx.options.heartbeat_interval,
                "status": "Accepted",
            }
        if action == "Heartbeat":
            return {"currentTime": now_rfc3339()}
        if action == "Authorize":
            return {"idTokenInfo": token_info(payload)}
        if action == "TransactionEvent":
            return {"idTokenInfo": token_info(payload)} if "idToken" in payload else {}
        if action == "DataTransfer":
            return {"status": "UnknownVendorId"}
        response = ctx.version.actions[action].response
        if response is not None and _valid(ctx, action, {}) is None:
            return {}
        return OcppError("NotSupported", f"the conformance tester does not handle {action}")

    return answer


async def station_boot(ctx: Context, session: RawSession, reason: str | None = None) -> bool:
    """B01 on a fresh connection: BootNotification first, StatusNotification per connector."""
    sc = Scenario(ctx, "B01" if reason is None else "B11", "boot")
    boot = await boot_first(sc, session, "station", ("B01.FR.01", "B01.FR.01/08", "B01.FR.01"))
    if boot is None:
        return False
    if reason is not None:
        got = boot.payload.get("reason") if isinstance(boot.payload, dict) else None
        sc.check(
            "boot-reason",
            f"the boot reason is {reason}",
            got == reason,
            f"reason {got!r}",
            "B01.FR.09, B11.FR.04 (after the reset the station boots as in B01)",
        )
        return True
    status = await status_after(sc, session, boot)
    sc.check(
        "status-after-boot",
        "StatusNotification follows the Accepted boot",
        status is not None,
        "" if status else "no StatusNotification arrived",
        "B01.FR.05",
    )
    return True


async def boot_first(
    sc: Scenario, session: RawSession, who: str, rules: tuple[str, str, str]
) -> CallSeen | None:
    """The first CALL on a fresh connection is a schema-valid BootNotification: that boot, or
    None if none came. `rules`: for a CALL arriving at all, for it being the boot, valid."""
    timeout = sc.ctx.options.call_timeout * 2
    first = await session.expect_call(lambda c: True, timeout)
    if first is None:
        sc.check(
            "boot-first",
            f"the {who} sends BootNotification after connecting",
            False,
            "no CALL arrived",
            rules[0],
        )
        return None
    sc.check(
        "boot-first",
        "the first CALL after connecting is BootNotification",
        first.action == "BootNotification",
        f"first CALL: {first.action}",
        rules[1],
    )
    boot = await session.expect_call(lambda c: c.action == "BootNotification", timeout)
    if boot is not None:
        sc.check(
            "boot-valid",
            "BootNotification is schema-valid",
            boot.error is None,
            boot.error or "",
            rules[2],
        )
    return boot


async def status_after(sc: Scenario, session: RawSession, boot: CallSeen) -> CallSeen | None:
    """The first StatusNotification after `boot`, if one comes in time."""
    return await session.expect_call(
        lambda c: c.action == "StatusNotification",
        sc.ctx.options.call_timeout * 2,
        after=session.calls.index(boot),
    )


async def station_heartbeat(ctx: Context) -> None:
    await heartbeat_within(Scenario(ctx, "B01", "heartbeat"), "B01.FR.04, G02.FR.02")


async def heartbeat_within(sc: Scenario, rule: str) -> None:
    """A Heartbeat arrives within twice the interval the tester gave at boot (plus 2 s)."""
    session, interval = sc.ctx.live(), sc.ctx.options.heartbeat_interval
    wait = 2 * interval + 2
    beat = await session.expect_call(
        lambda c: c.action == "Heartbeat", wait, after=len(session.calls)
    )
    sc.check(
        "heartbeat",
        f"a Heartbeat arrives within the interval given at boot ({interval} s)",
        beat is not None,
        "" if beat else f"none in {wait} s",
        rule,
    )


def variable_data(component: str, variable: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable}, **extra}


async def get_variable(ctx: Context, sc: Scenario, component: str, variable: str) -> str | None:
    # One check id per variable: a scenario may read several.
    answer = await call_checked(
        sc,
        "GetVariables",
        {"getVariableData": [variable_data(component, variable)]},
        "B06",
        f"GetVariables-{variable}-response",
    )
    if answer is None:
        return None
    results = answer["getVariableResult"]
    sc.check(
        f"{variable}-one-result",
        "one GetVariableResult per GetVariableData",
        len(results) == 1,
        f"{len(results)} results",
        "B06.FR.01",
    )
    if len(results) == 1 and results[0]["attributeStatus"] == "Accepted":
        value: str | None = results[0].get("attributeValue")
        return value
    return None


async def station_scenarios(ctx: Context, reconnect: Callable[[], Awaitable[bool]]) -> None:
    if ctx.wanted("B01"):
        await station_heartbeat(ctx)
    if ctx.wanted("B06"):
        sc = Scenario(ctx, "B06", "get-variables")
        value = await get_variable(ctx, sc, "OCPPCommCtrlr", "HeartbeatInterval")
        want = str(ctx.options.heartbeat_interval)
        sc.check(
            "interval-adopted",
            "HeartbeatInterval is the interval given at boot",
            Status.PASS if value == want else Status.WARN,
            f"{value!r}, expected {want!r}",
            "B01.FR.04",
        )
    if ctx.wanted("B05"):
        sc = Scenario(ctx, "B05", "set-variables")
        answer = await call_checked(
            sc,
            "SetVariables",
            {
                "setVariableData": [
                    variable_data("OcppgenNoSuchComponent", "NoSuchVariable", attributeValue="1")
                ]
            },
            "B05",
        )
        if answer is not None:
            results = answer["setVariableResult"]
            status = results[0]["attributeStatus"] if len(results) == 1 else None
            sc.check(
                "unknown-component",
                "an unknown component is answered UnknownComponent",
                refusal_verdict(status, "UnknownComponent"),
                f"attributeStatus {status!r} ({len(results)} results)",
                "B05.FR.01/04",
            )
    if ctx.wanted("B07"):
        await _station_report(ctx)
    if ctx.wanted("G03"):
        await _station_availability(ctx, "G03", {"id": 1})
    if ctx.wanted("G04"):
        await _station_availability(ctx, "G04", None)
    if ctx.wanted("E01"):
        await _station_transaction(ctx)
    from ocppgen.conformance.driven import driven_scenarios  # driven.py builds on this module

    await driven_scenarios(ctx)
    if ctx.wanted("P01"):
        sc = Scenario(ctx, "P01", "data-transfer")
        answer = await call_checked(sc, "DataTransfer", {"vendorId": "org.ocppgen.unknown"}, "P01")
        if answer is not None:
            sc.check(
                "unknown-vendor",
                "an unknown vendorId is answered UnknownVendorId",
                Status.PASS if answer["status"] == "UnknownVendorId" else Status.WARN,
                f"status {answer['status']}",
                "P01.FR.05",
            )


async def _station_report(ctx: Context) -> None:
    sc = Scenario(ctx, "B07", "base-report")
    session = ctx.live()
    request_id = int(time.time()) % 100000
    after = len(session.calls)
    answer = await call_checked(
        sc, "GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"}, "B07"
    )
    if answer is None:
        return
    if answer["status"] != "Accepted":
        sc.check(
            "accepted",
            "FullInventory is Accepted",
            Status.WARN,
            f"status {answer['status']}",
            "B07.FR.01",
        )
        return
    parts: list[CallSeen] = []
    deadline = time.monotonic() + ctx.options.call_timeout * 4
    while time.monotonic() < deadline:
        part = await session.expect_call(
            lambda c: c.action == "NotifyReport" and c not in parts,
            max(0.1, deadline - time.monotonic()),
            after=after,
        )
        if part is None:
            break
        parts.append(part)
        if isinstance(part.payload, dict) and not part.payload.get("tbc", False):
            break
    payloads = [p.payload for p in parts if isinstance(p.payload, dict)]
    sc.check(
        "parts-arrive",
        "NotifyReport parts arrive",
        bool(payloads),
        f"{len(payloads)} parts",
        "B07.FR.03",
    )
    if not payloads:
        return
    ids = {p.get("requestId") for p in payloads}
    sc.check(
        "request-id",
        "every part carries the requestId",
        ids == {request_id},
        f"requestIds {sorted(map(str, ids))}, expected {request_id}",
        "B07.FR.04",
    )
    seq = [p.get("seqNo") for p in payloads]
    sc.check(
        "seqno",
        "seqNo counts 0, 1, 2, ... with no gap",
        seq == list(range(len(seq))),
        f"seqNo {seq}",
        "B07.FR.10",
    )
    last = payloads[-1].get("tbc", False)
    sc.check(
        "complete",
        "the last part has tbc false",
        last is False,
        f"{len(payloads)} parts, last tbc {last}",
        "B07.FR.03 (NotifyReportRequest.tbc: more parts follow)",
    )


async def _station_availability(ctx: Context, group: str, evse: dict[str, Any] | None) -> None:
    sc = Scenario(ctx, group, "change-availability")
    session = ctx.live()
    for wanted, status_word in (("Inoperative", "Unavailable"), ("Operative", "Available")):
        after = len(session.calls)
        payload: dict[str, Any] = {"operationalStatus": wanted}
        if evse is not None:
            payload["evse"] = evse
        answer = await call_checked(sc, "ChangeAvailability", payload, group)
        if answer is None:
            return
        if answer["status"] != "Accepted":
            sc.check(
                f"{wanted.lower()}-accepted",
                f"ChangeAvailability {wanted} is Accepted",
                Status.WARN,
                f"status {answer['status']}",
                group,
            )
            continue

        def matches(c: CallSeen, word: str = status_word) -> bool:
            p = c.payload if isinstance(c.payload, dict) else {}
            return (
                c.action == "StatusNotification"
                and p.get("connectorStatus") == word
                and (evse is None or p.get("evseId") == evse["id"])
            )

        seen = await session.expect_call(matches, ctx.options.call_timeout, after=after)
        sc.check(
            f"{wanted.lower()}-status",
            f"StatusNotification {status_word} follows",
            seen is not None,
            "" if seen else f"no StatusNotification {status_word}",
            "G03.FR.04" if group == "G03" else "G04.FR.05",
        )


def transaction_seqno(calls: list[CallSeen]) -> dict[str, list[int]]:
    """transactionId -> the seqNos of its TransactionEvents, in arrival order."""
    out: dict[str, list[int]] = {}
    for c in calls:
        if c.action != "TransactionEvent" or not isinstance(c.payload, dict):
            continue
        tx = (c.payload.get("transactionInfo") or {}).get("transactionId")
        if isinstance(tx, str):
            out.setdefault(tx, []).append(c.payload.get("seqNo", -1))
    return out


async def _station_transaction(ctx: Context) -> None:
    sc = Scenario(ctx, "E01", "remote-transaction")
    session = ctx.live()
    previous = await get_variable(ctx, sc, "TxCtrlr", "TxStartPoint")
    changed = False
    if previous is not None and "Authorized" not in previous.split(","):
        reply = await session.call(
            "SetVariables",
            {
                "setVariableData": [
                    variable_data("TxCtrlr", "TxStartPoint", attributeValue="Authorized")
                ]
            },
            ctx.options.call_timeout,
        )
        changed = call_result(reply) is not None
    after = len(session.calls)
    token = {"idToken": "OCPPGEN" + uuid.uuid4().hex[:8].upper(), "type": "ISO14443"}
    reply = await session.call(
        "RequestStartTransaction",
        {"idToken": token, "remoteStartId": 4711},
        ctx.options.call_timeout,
    )
    answer = call_result(reply)
    if answer is None or answer.get("status") != "Accepted":
        sc.skip(
            "started",
            "a remotely started transaction",
            f"RequestStartTransaction: {reply.describe()}",
        )
        return
    started = await session.expect_call(
        lambda c: c.action == "TransactionEvent" and c.payload.get("eventType") == "Started",
        ctx.options.call_timeout * 2,
        after=after,
    )
    if not arrived(
        sc,
        "started",
        "TransactionEvent Started follows RequestStartTransaction",
        started,
        "F01/E01",
    ):
        return
    assert started is not None
    tx_id = started.payload["transactionInfo"]["transactionId"]
    await session.call("RequestStopTransaction", {"transactionId": tx_id}, ctx.options.call_timeout)
    ended = await session.expect_call(
        lambda c: (
            c.action == "TransactionEvent"
            and c.payload.get("eventType") == "Ended"
            and c.payload["transactionInfo"]["transactionId"] == tx_id
        ),
        ctx.options.call_timeout * 2,
        after=after,
    )
    arrived(sc, "ended", "TransactionEvent Ended follows RequestStopTransaction", ended, "F03/E06")
    events = [c for c in session.calls[after:] if c.action == "TransactionEvent"]
    ids = {c.payload["transactionInfo"]["transactionId"] for c in events}
    sc.check(
        "one-transaction-id",
        "every event of the transaction carries one transactionId",
        ids == {tx_id},
        f"transactionIds {sorted(ids)}",
        "E01",
    )
    seq = [c.payload.get("seqNo") for c in events]
    ok = seq == list(range(seq[0], seq[0] + len(seq))) if seq and isinstance(seq[0], int) else False
    sc.check(
        "seqno",
        "seqNo continuous over the transaction's events",
        ok,
        f"seqNo {seq}",
        "E01.FR.07, E02.FR.07",
    )
    if changed and previous is not None:
        await session.call(
            "SetVariables",
            {
                "setVariableData": [
                    variable_data("TxCtrlr", "TxStartPoint", attributeValue=previous)
                ]
            },
            ctx.options.call_timeout,
        )


async def station_reset(ctx: Context, reconnect: Callable[[], Awaitable[bool]]) -> None:
    sc = Scenario(ctx, "B11", "reset")
    answer = await call_checked(sc, "Reset", {"type": "OnIdle"}, "B11")
    if answer is None:
        return
    if answer["status"] != "Accepted":
        sc.check(
            "accepted",
            "Reset OnIdle on an idle station is Accepted",
            Status.WARN,
            f"status {answer['status']}",
            "B11.FR.01, B11.FR.06 (Rejected only when it cannot reset now)",
        )
        return
    await reboots(
        sc,
        reconnect,
        lambda session: station_boot(ctx, session, reason="RemoteReset"),
        ("B11.FR.03 (an Accepted reset: the station starts rebooting)", "B11.FR.04, B01.FR.03"),
    )


async def reboots(
    sc: Scenario,
    reconnect: Callable[[], Awaitable[bool]],
    boot: Callable[[RawSession], Awaitable[bool]],
    rules: tuple[str, str],
) -> None:
    """After an Accepted reset: the station closes the connection, reconnects and `boot`
    judges its new connection. `rules`: for the disconnect, for the reconnect."""
    session = sc.ctx.live()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(sc.ctx.options.call_timeout * 3):
            await session.closed.wait()
    closed = session.closed.is_set()
    sc.check("disconnects", "the station restarts (closes the connection)", closed, "", rules[0])
    if not closed:
        return
    if await reconnect():
        await boot(sc.ctx.live())
    else:
        sc.check("reconnects", "the station reconnects after the reset", False, "", rules[1])


# -- the connection as a whole -------------------------------------------------------------------


def session_checks(ctx: Context, sessions: list[RawSession]) -> None:
    """What the implementation under test did on its own, over the whole run."""
    rule_checks(
        ctx,
        sessions,
        {
            "one outstanding CALL": "Part 4 §4.1.1 (one CALL at a time per direction)",
            "schema-valid requests": "the official schemas",
            "unique message ids": "Part 4 §4.1.4",
            "role of each action": "Part 2 message directions",
            "known actions": "Part 2",
            "well-formed frames": "Part 4 §4.2",
            "message types of the version": (
                "Part 4 §4.1.3 (2.0.1: message types 2, 3 and 4 only)"
            ),
        },
    )
    calls = [c for s in sessions for c in s.calls]
    per_tx = transaction_seqno(calls)
    gaps = {
        tx: seq
        for tx, seq in per_tx.items()
        if sorted(seq) != list(range(min(seq), min(seq) + len(seq)))
    }
    result = CheckResult(
        "session/transaction-seqno",
        "session+E01",
        "seqNo continuous within each transaction (all TransactionEvents seen)",
        Status.PASS if not gaps else Status.FAIL,
        requirement="E01.FR.07 (sequence-number rules)",
    )
    if gaps:
        result.detail = "\n".join(f"{tx}: seqNo {seq}" for tx, seq in gaps.items())
    elif not per_tx:
        result.status, result.detail = Status.SKIP, "no TransactionEvent was sent"
    ctx.add(result)


def rule_checks(ctx: Context, sessions: list[RawSession], rules: dict[str, str]) -> None:
    """One check per protocol rule (rule -> requirement): failed by any violation the
    sessions recorded, with the frames around the first one."""
    for rule, requirement in rules.items():
        found = [v for s in sessions for v in s.violations if v.rule == rule]
        result = CheckResult(
            f"session/{rule.replace(' ', '-')}",
            "session",
            f"{rule} (SUT's own messages)",
            Status.PASS if not found else Status.FAIL,
            requirement=requirement,
        )
        if found:
            result.detail = "\n".join(v.detail for v in found[:10])
            index = found[0].record_index
            result.frames = ctx.transcript.records[max(0, index - 6) : index + 4]
        ctx.add(result)
