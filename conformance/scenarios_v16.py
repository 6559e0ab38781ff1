"""OCPP 1.6 scenarios with semantic checks, for either role under test.

OCPP 1.6 has no use cases: every scenario here belongs to the Core profile and its check ids
read `Core/<scenario>/<check>`. References name the section of OCPP 1.6 (edition 2) that
describes the message: §4.x operations started by the Charge Point, §5.x by the Central
System, §9.1 the Core configuration keys.

Against a CSMS (the tester plays a Charge Point): boot (Accepted, interval > 0, currentTime
RFC 3339 with a time zone), StatusNotification and Heartbeat, Authorize (unknown, accepted and
blocked idTags), a transaction (StartTransaction, MeterValues and StopTransaction with the
transactionId the CSMS gave; a second transaction gets another id; a blocked idTag's
transaction is not Accepted).

Against a Charge Point (the tester plays the CSMS): BootNotification first, StatusNotification
after the Accepted boot, a Heartbeat within the interval given; GetConfiguration (the interval
was adopted, unknown keys are reported as such), ChangeConfiguration (an unknown key is
NotSupported; HeartbeatInterval is changed and read back), RemoteStartTransaction and
RemoteStopTransaction (StartTransaction with the idTag, StopTransaction with the transactionId
the tester gave), ChangeAvailability of connector 1 both ways (each Accepted change is followed
by a StatusNotification of that connector, Unavailable then Available: §5.2), and last Reset
Soft then Hard (`Core/reset-soft`, `Core/reset-hard`: Accepted on an idle Charge Point, the
connection closes, the Charge Point reconnects and sends BootNotification first: §5.13, §4.2).
Over the whole run: every transactionId the station sends is one the tester gave.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ocppgen.conformance.checks import Context
from ocppgen.conformance.report import CheckResult, Status
from ocppgen.conformance.scenarios import (
    Scenario,
    _valid,
    arrived,
    authorize_checks,
    boot_first,
    call_checked,
    heartbeat_within,
    judge_boot,
    now_rfc3339,
    reboots,
    refusal_verdict,
    rule_checks,
    status_after,
    time_checks,
)
from ocppgen.conformance.session import CallSeen, RawSession
from ocppgen.runtime.actions import Role
from ocppgen.runtime.errors import OcppError

__all__ = [
    "CsmsResponder",
    "csms_answer",
    "csms_boot",
    "csms_scenarios",
    "session_checks",
    "station_answer",
    "station_boot",
    "station_reset",
    "station_scenarios",
]

GROUP = "Core"


def _tag() -> str:
    return "OCPPGEN" + uuid.uuid4().hex[:12].upper()  # idTag is CiString20


# -- against a CSMS ------------------------------------------------------------------------------


def boot_request() -> dict[str, Any]:
    return {"chargePointVendor": "ocppgen", "chargePointModel": "ocppgen-conformance"}


async def csms_boot(ctx: Context) -> bool:
    """Boot; True if the CSMS accepted the tester's Charge Point."""
    sc = Scenario(ctx, GROUP, "boot")
    where = "1.6 §4.2 Boot Notification"
    answer = await call_checked(sc, "BootNotification", boot_request(), where)
    if answer is None:
        return False
    return judge_boot(
        sc,
        answer,
        "Charge Point",
        (where, f"{where} (the interval the Charge Point adopts)"),
        "1.6 §6.5 BootNotification.conf",
    )


async def csms_scenarios(ctx: Context) -> None:
    if ctx.wanted(f"{GROUP}/after-boot"):
        sc = Scenario(ctx, GROUP, "after-boot")
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
        await call_checked(
            sc, "StatusNotification", {**status, "timestamp": now_rfc3339()}, "1.6 §4.9"
        )
        answer = await call_checked(sc, "Heartbeat", {}, "1.6 §4.6 Heartbeat")
        if answer is not None:
            time_checks(sc, "heartbeat-time", answer.get("currentTime"), "1.6 §4.6 Heartbeat")
    if ctx.wanted(f"{GROUP}/authorize"):
        await _csms_authorize(ctx)
    if ctx.wanted(f"{GROUP}/transaction"):
        await _csms_transaction(ctx)


async def _authorize(sc: Scenario, tag: str) -> str | None:
    answer = await call_checked(sc, "Authorize", {"idTag": tag}, "1.6 §4.1 Authorize")
    return None if answer is None else str(answer["idTagInfo"]["status"])


async def _csms_authorize(ctx: Context) -> None:
    sc = Scenario(ctx, GROUP, "authorize")
    await authorize_checks(
        sc,
        lambda tag: _authorize(sc, tag),
        _tag(),
        "idTag",
        ("1.6 §4.1 Authorize", "1.6 §4.1", "1.6 §4.1, §7.1 AuthorizationStatus"),
    )


async def _start(sc: Scenario, tag: str, meter: int) -> dict[str, Any] | None:
    payload = {"connectorId": 1, "idTag": tag, "meterStart": meter, "timestamp": now_rfc3339()}
    return await call_checked(sc, "StartTransaction", payload, "1.6 §4.8 Start Transaction")


async def _stop(
    sc: Scenario, tx_id: int, tag: str, meter: int, reason: str
) -> dict[str, Any] | None:
    payload = {
        "transactionId": tx_id,
        "idTag": tag,
        "meterStop": meter,
        "timestamp": now_rfc3339(),
        "reason": reason,
    }
    return await call_checked(sc, "StopTransaction", payload, "1.6 §4.10 Stop Transaction")


def _meter_values(tx_id: int, wh: int) -> dict[str, Any]:
    sample = {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return {
        "connectorId": 1,
        "transactionId": tx_id,
        "meterValue": [{"timestamp": now_rfc3339(), "sampledValue": [sample]}],
    }


async def _csms_transaction(ctx: Context) -> None:
    sc = Scenario(ctx, GROUP, "transaction")
    tag = ctx.options.accepted_token or _tag()
    started = await _start(sc, tag, 0)
    if started is None:
        return
    tx_id = started["transactionId"]
    if ctx.options.accepted_token:
        status = started["idTagInfo"]["status"]
        sc.check(
            "accepted",
            "StartTransaction with a valid idTag is Accepted",
            status == "Accepted",
            f"idTagInfo.status {status}",
            "1.6 §4.8",
        )
    await call_checked(sc, "MeterValues", _meter_values(tx_id, 100), "1.6 §4.7 Meter Values")
    stopped = await _stop(sc, tx_id, tag, 200, "Local")
    if stopped is not None:
        sc.check(
            "stop-id-tag-info",
            "StopTransaction with an idTag gets idTagInfo",
            Status.PASS if "idTagInfo" in stopped else Status.WARN,
            f"response {stopped}",
            "1.6 §4.10, §6.51 StopTransaction.conf",
        )
    again = await _start(sc, tag, 200)
    if again is not None:
        sc.check(
            "new-transaction-id",
            "a second transaction gets another transactionId",
            again["transactionId"] != tx_id,
            f"transactionIds {tx_id} and {again['transactionId']}",
            "1.6 §4.8 (the transactionId the Central System supplies)",
        )
        await _stop(sc, again["transactionId"], tag, 300, "Local")
    if ctx.options.blocked_token:
        await _csms_blocked_transaction(ctx, ctx.options.blocked_token)


async def _csms_blocked_transaction(ctx: Context, tag: str) -> None:
    sc = Scenario(ctx, GROUP, "blocked-transaction")
    started = await _start(sc, tag, 0)
    if started is None:
        return
    status = started["idTagInfo"]["status"]
    sc.check(
        "not-accepted",
        "StartTransaction with a blocked idTag is not Accepted",
        refusal_verdict(status, "Blocked"),
        f"idTagInfo.status {status}",
        "1.6 §4.8 (the Central System checks the idTag)",
    )
    await _stop(sc, started["transactionId"], tag, 0, "DeAuthorized")


def station_answer(ctx: Context) -> Callable[[CallSeen], Awaitable[dict[str, Any] | OcppError]]:
    """How the tester, playing a Charge Point, answers the CSMS's CALLs."""
    simple = {
        "ChangeAvailability": "Rejected",
        "ChangeConfiguration": "NotSupported",
        "ClearCache": "Rejected",
        "DataTransfer": "UnknownVendorId",
        "RemoteStartTransaction": "Rejected",
        "RemoteStopTransaction": "Rejected",
        "Reset": "Rejected",
        "TriggerMessage": "Rejected",
        "UnlockConnector": "NotSupported",
    }

    async def answer(seen: CallSeen) -> dict[str, Any] | OcppError:
        if seen.action == "GetConfiguration":
            keys = seen.payload.get("key") or []
            return {"configurationKey": [], "unknownKey": keys} if keys else {}
        if seen.action in simple:
            return {"status": simple[seen.action]}
        return OcppError("NotSupported", f"the conformance tester does not do {seen.action}")

    return answer


# -- against a Charge Point ----------------------------------------------------------------------


@dataclass
class CsmsResponder:
    """How the tester, playing the Central System, answers the Charge Point's CALLs; it keeps
    the transactionIds it gave (the scenarios and the session checks compare against them)."""

    ctx: Context
    issued: dict[str, int] = field(default_factory=dict)  # StartTransaction id -> transactionId
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(int(time.time()) % 100000 * 10)
    )

    def _tag_info(self, payload: dict[str, Any]) -> dict[str, Any]:
        blocked = payload.get("idTag") == self.ctx.options.blocked_token
        return {"status": "Blocked" if blocked else "Accepted"}

    async def __call__(self, seen: CallSeen) -> dict[str, Any] | OcppError:
        action, payload = seen.action, seen.payload
        if action == "BootNotification":
            interval = self.ctx.options.heartbeat_interval
            return {"currentTime": now_rfc3339(), "interval": interval, "status": "Accepted"}
        if action == "Heartbeat":
            return {"currentTime": now_rfc3339()}
        if action == "Authorize":
            return {"idTagInfo": self._tag_info(payload)}
        if action == "StartTransaction":
            tx_id = self.issued.setdefault(seen.message_id, next(self._ids))
            return {"idTagInfo": self._tag_info(payload), "transactionId": tx_id}
        if action == "StopTransaction":
            return {"idTagInfo": self._tag_info(payload)} if "idTag" in payload else {}
        if action == "DataTransfer":
            return {"status": "UnknownVendorId"}
        if _valid(self.ctx, action, {}) is None:
            return {}
        return OcppError("NotSupported", f"the conformance tester does not handle {action}")


_responders: dict[int, CsmsResponder] = {}  # id(ctx) -> the run's responder (one per run)


def csms_answer(ctx: Context) -> CsmsResponder:
    """One responder per run, shared by its sessions: a transactionId stays known after a
    reconnect."""
    responder = _responders.get(id(ctx))
    if responder is None or responder.ctx is not ctx:
        responder = _responders[id(ctx)] = CsmsResponder(ctx)
    return responder


def _issued(ctx: Context) -> dict[str, int]:
    return csms_answer(ctx).issued


async def station_boot(ctx: Context, session: RawSession, reason: str | None = None) -> bool:
    """BootNotification first (nothing else before the Accepted boot), then StatusNotification.
    `reason`: the Reset type this boot follows (its checks go to that reset's scenario)."""
    sc = Scenario(ctx, GROUP, "boot" if reason is None else f"reset-{reason.lower()}")
    boot = await boot_first(
        sc,
        session,
        "Charge Point",
        (
            "1.6 §4.2 Boot Notification",
            "1.6 §4.2 (no other request before the boot is accepted)",
            "1.6 §4.2",
        ),
    )
    if boot is None:
        return False
    status = await status_after(sc, session, boot)
    sc.check(
        "status-after-boot",
        "StatusNotification follows the Accepted boot",
        Status.PASS if status is not None else Status.WARN,
        "" if status else "no StatusNotification arrived",
        "1.6 §4.9 Status Notification",
    )
    return True


async def station_scenarios(ctx: Context, reconnect: Callable[[], Awaitable[bool]]) -> None:
    if ctx.wanted(f"{GROUP}/heartbeat"):
        await _station_heartbeat(ctx)
    if ctx.wanted(f"{GROUP}/configuration"):
        await _station_configuration(ctx)
    if ctx.wanted(f"{GROUP}/remote-transaction"):
        await _station_transaction(ctx)
    if ctx.wanted(f"{GROUP}/availability"):
        await _station_availability(ctx)


async def _station_heartbeat(ctx: Context) -> None:
    sc = Scenario(ctx, GROUP, "heartbeat")
    await heartbeat_within(sc, "1.6 §4.6 Heartbeat, §9.1.10 HeartbeatInterval")


async def _get_configuration(sc: Scenario, key: str) -> dict[str, Any] | None:
    return await call_checked(sc, "GetConfiguration", {"key": [key]}, "1.6 §5.8")


def _value_of(answer: dict[str, Any] | None, key: str) -> str | None:
    for item in (answer or {}).get("configurationKey") or []:
        if item.get("key") == key:
            value: str | None = item.get("value")
            return value
    return None


async def _station_configuration(ctx: Context) -> None:
    sc = Scenario(ctx, GROUP, "configuration")
    want = str(ctx.options.heartbeat_interval)
    value = _value_of(await _get_configuration(sc, "HeartbeatInterval"), "HeartbeatInterval")
    sc.check(
        "interval-adopted",
        "HeartbeatInterval is the interval given at boot",
        Status.PASS if value == want else Status.WARN,
        f"{value!r}, expected {want!r}",
        "1.6 §4.2 (the Charge Point adopts the interval), §9.1.10",
    )
    unknown = "OcppgenNoSuchKey"
    answer = await _get_configuration(sc, unknown)
    if answer is not None:
        listed = unknown in (answer.get("unknownKey") or [])
        known = _value_of(answer, unknown) is not None
        sc.check(
            "unknown-key",
            "GetConfiguration lists an unknown key under unknownKey",
            Status.FAIL if known else Status.PASS if listed else Status.WARN,
            f"response {answer}",
            "1.6 §5.8 Get Configuration",
        )
    answer = await call_checked(
        sc, "ChangeConfiguration", {"key": unknown, "value": "1"}, "1.6 §5.3"
    )
    if answer is not None:
        status = answer["status"]
        sc.check(
            "change-unknown-key",
            "ChangeConfiguration of an unknown key is NotSupported",
            refusal_verdict(status, "NotSupported"),
            f"status {status}",
            "1.6 §5.3 Change Configuration",
        )
    await _change_interval(ctx, sc, str(ctx.options.heartbeat_interval + 1), want)


async def _change_interval(ctx: Context, sc: Scenario, new: str, old: str) -> None:
    payload = {"key": "HeartbeatInterval", "value": new}
    answer = await call_checked(sc, "ChangeConfiguration", payload, "1.6 §5.3")
    if answer is None:
        return
    if answer["status"] != "Accepted":
        sc.check(
            "change-interval",
            "ChangeConfiguration of HeartbeatInterval is Accepted",
            Status.WARN,
            f"status {answer['status']}",
            "1.6 §5.3, §9.1.10 (HeartbeatInterval is read-write)",
        )
        return
    value = _value_of(await _get_configuration(sc, "HeartbeatInterval"), "HeartbeatInterval")
    sc.check(
        "read-back",
        "GetConfiguration reads back the value ChangeConfiguration set",
        value == new,
        f"{value!r}, expected {new!r}",
        "1.6 §5.3, §5.8",
    )
    await ctx.live().call(
        "ChangeConfiguration", {"key": "HeartbeatInterval", "value": old}, ctx.options.call_timeout
    )


async def _station_transaction(ctx: Context) -> None:
    sc = Scenario(ctx, GROUP, "remote-transaction")
    session, timeout = ctx.live(), ctx.options.call_timeout
    after = len(session.calls)
    tag = _tag()
    answer = await call_checked(
        sc, "RemoteStartTransaction", {"connectorId": 1, "idTag": tag}, "1.6 §5.11"
    )
    if answer is None or answer["status"] != "Accepted":
        why = "no answer" if answer is None else f"status {answer['status']}"
        sc.skip("started", "a remotely started transaction", f"RemoteStartTransaction: {why}")
        return
    started = await session.expect_call(
        lambda c: c.action == "StartTransaction" and c.payload.get("idTag") == tag,
        timeout * 2,
        after=after,
    )
    if not arrived(
        sc,
        "started",
        "StartTransaction with the idTag follows RemoteStartTransaction",
        started,
        "1.6 §5.11 Remote Start Transaction",
    ):
        return
    assert started is not None
    tx_id = await _issued_for(ctx, started.message_id, timeout)
    if tx_id is None:
        return
    answer = await call_checked(sc, "RemoteStopTransaction", {"transactionId": tx_id}, "1.6 §5.12")
    stopped = await session.expect_call(
        lambda c: c.action == "StopTransaction" and c.payload.get("transactionId") == tx_id,
        timeout * 2,
        after=after,
    )
    sc.check(
        "stopped",
        "StopTransaction with the transactionId the tester gave follows RemoteStopTransaction",
        stopped is not None,
        "" if stopped else f"no StopTransaction for transactionId {tx_id}",
        "1.6 §5.12 Remote Stop Transaction, §4.10",
    )
    if stopped is not None:
        start, stop = started.payload.get("meterStart"), stopped.payload.get("meterStop")
        sc.check(
            "meter",
            "meterStop is not below meterStart",
            Status.PASS
            if isinstance(start, int) and isinstance(stop, int) and stop >= start
            else Status.WARN,
            f"meterStart {start}, meterStop {stop}",
            "1.6 §4.8, §4.10",
        )


async def _issued_for(ctx: Context, message_id: str, timeout: float) -> int | None:
    """The transactionId the tester gave the StartTransaction `message_id` (once answered)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        tx_id = _issued(ctx).get(message_id)
        if tx_id is not None:
            return tx_id
        await asyncio.sleep(0.02)
    return None


async def _station_availability(ctx: Context, connector: int = 1) -> None:
    """ChangeAvailability of a connector, both ways: each change Accepted is followed by a
    StatusNotification of that connector with the new status (1.6 §5.2)."""
    sc = Scenario(ctx, GROUP, "availability")
    session = ctx.live()
    for kind, word in (("Inoperative", "Unavailable"), ("Operative", "Available")):
        after = len(session.calls)
        payload = {"connectorId": connector, "type": kind}
        answer = await call_checked(sc, "ChangeAvailability", payload, "1.6 §5.2")
        if answer is None:
            return
        if answer["status"] != "Accepted":  # Scheduled (a transaction runs) or Rejected
            sc.check(
                f"{kind.lower()}-accepted",
                f"ChangeAvailability {kind} of an idle connector is Accepted",
                Status.WARN,
                f"status {answer['status']}",
                "1.6 §5.2 Change Availability",
            )
            continue
        seen = await session.expect_call(
            _connector_status(connector, word), ctx.options.call_timeout, after=after
        )
        sc.check(
            f"{kind.lower()}-status",
            f"StatusNotification {word} of connector {connector} follows",
            seen is not None,
            "" if seen else f"no StatusNotification {word} for connector {connector}",
            "1.6 §5.2 (the Charge Point informs the Central System of its new availability "
            "with a StatusNotification), §4.9",
        )


def _connector_status(connector: int, word: str) -> Callable[[CallSeen], bool]:
    def match(call: CallSeen) -> bool:
        payload = call.payload if isinstance(call.payload, dict) else {}
        return (
            call.action == "StatusNotification"
            and payload.get("connectorId") == connector
            and payload.get("status") == word
        )

    return match


async def station_reset(ctx: Context, reconnect: Callable[[], Awaitable[bool]]) -> None:
    """Reset Soft, then Hard (each wanted one): Accepted on an idle Charge Point, the
    connection closes, the Charge Point reconnects and boots again (BootNotification first,
    1.6 §4.2: it sends one each time it boots or reboots). Last in a run: it reboots."""
    for kind in ("Soft", "Hard"):
        if not ctx.wanted(f"{GROUP}/reset-{kind.lower()}") or ctx.live().closed.is_set():
            continue
        sc = Scenario(ctx, GROUP, f"reset-{kind.lower()}")
        answer = await call_checked(sc, "Reset", {"type": kind}, "1.6 §5.13 Reset")
        if answer is None:
            return
        if answer["status"] != "Accepted":
            sc.check(
                "accepted",
                f"Reset {kind} of an idle Charge Point is Accepted",
                Status.WARN,
                f"status {answer['status']}",
                "1.6 §5.13",
            )
            continue
        await reboots(
            sc,
            reconnect,
            functools.partial(station_boot, ctx, reason=kind),
            ("1.6 §5.13 (an Accepted reset: the Charge Point restarts)", "1.6 §4.2, §5.13"),
        )


# -- the connection as a whole -------------------------------------------------------------------

_RULES = {
    "one outstanding CALL": "OCPP-J 1.6 §4.1.1 (one CALL at a time)",
    "schema-valid requests": "the official 1.6 JSON schemas",
    "unique message ids": "OCPP-J 1.6 §4.1.3 (UniqueId)",
    "role of each action": "1.6 §4/§5 (who sends each message)",
    "known actions": "1.6 §4/§5",
    "well-formed frames": "OCPP-J 1.6 §4",
    "message types of the version": "OCPP-J 1.6 §4.1.3 (message types 2, 3 and 4 only)",
}


def session_checks(ctx: Context, sessions: list[RawSession]) -> None:
    """What the implementation under test did on its own, over the whole run."""
    rule_checks(ctx, sessions, _RULES)
    if ctx.sut_role is Role.CHARGING_STATION:
        _transaction_ids(ctx, [c for s in sessions for c in s.calls])
        _responders.pop(id(ctx), None)


def _transaction_ids(ctx: Context, calls: list[CallSeen]) -> None:
    issued = set(_issued(ctx).values())
    used = [
        (c.action, c.payload.get("transactionId"))
        for c in calls
        if c.action in ("StopTransaction", "MeterValues") and isinstance(c.payload, dict)
    ]
    used = [(action, tx) for action, tx in used if tx is not None]
    strangers = [f"{action} transactionId {tx}" for action, tx in used if tx not in issued]
    result = CheckResult(
        "session/transaction-ids",
        "session+Core",
        "StopTransaction and MeterValues carry transactionIds the CSMS gave",
        Status.FAIL if strangers else Status.PASS if used else Status.SKIP,
        "\n".join(strangers[:10]) if strangers else "" if used else "no transaction was sent",
        "1.6 §4.8 (the transactionId is supplied by the Central System), §4.7, §4.10",
    )
    ctx.add(result)
