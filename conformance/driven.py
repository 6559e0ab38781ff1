"""Station scenarios that start at the station itself, made to happen through `--driver`.

The tester plays the CSMS; the driver (see `driver.py`) plugs in the cable, presents an RFID
card and unplugs the cable at one EVSE (`--evse`, default 1). In this order, each on that EVSE
while it is idle:

- C01 (blocked card): TxStartPoint set to Authorized; a card the tester answers Blocked is
  presented: an AuthorizeRequest carries it (C01.FR.02) and no transaction starts (C01.FR.01).
- E03 (IdToken first): TxStartPoint Authorized; a fresh card -> Authorize (C01.FR.02) ->
  TransactionEvent Started, triggerReason Authorized, with the idToken (E03.FR.01); plug in ->
  Updated with CablePluggedIn, and the connector has been reported Occupied (at the plug-in,
  E02.FR.05, or already when the transaction started); unplug -> Ended and Available.
- E02 (cable plugin first): TxStartPoint EVConnected; plug in -> Occupied (E02.FR.05) and
  Started with CablePluggedIn (E02.FR.06); a fresh card -> Authorize -> Updated with
  triggerReason Authorized and the idToken (E02.FR.01/20).
- E09 (the end of E02): StopTxOnEVSideDisconnect true; unplug -> Ended with stoppedReason
  EVDisconnected (triggerReason EVCommunicationLost expected, another is a warning) and
  StatusNotification Available.

Each transaction: one transactionId, seqNo continuous (E02.FR.07, E03.FR.06, E09.FR.04),
Started first and Ended last. The station's variables are set with SetVariables and restored
afterwards. Cards are fresh random uids (so neither cache nor local list can know them), or
`--accepted-token` when given (then a missing Authorize is only a warning: the card may be in
the station's Local Authorization List or cache). Without `--driver` each is reported skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from ocppgen.conformance.checks import Context
from ocppgen.conformance.driver import Driver, make_driver
from ocppgen.conformance.report import Status
from ocppgen.conformance.scenarios import (
    BLOCKED_PREFIX,
    Scenario,
    arrived,
    call_result,
    get_variable,
    variable_data,
)
from ocppgen.conformance.session import CallSeen

__all__ = ["driven_scenarios", "fresh_token"]

_TITLES = {
    "C01": "RFID authorization at the station (Authorize, a blocked card refused)",
    "E03": "a transaction started by an idToken, then the cable",
    "E02": "a transaction started by the cable, then the idToken",
    "E09": "the transaction ends when the cable is unplugged",
}


def fresh_token(blocked: bool = False) -> str:
    """A random ISO14443-like uid; the tester answers those with BLOCKED_PREFIX Blocked."""
    return (BLOCKED_PREFIX if blocked else "OCPPGEN") + uuid.uuid4().hex[:10].upper()


class _Unreported(Scenario):
    """A scenario run only to set up another group's checks: its own verdicts are not kept."""

    def check(
        self, key: str, title: str, ok: Status | bool, detail: str = "", requirement: str = ""
    ) -> bool:
        return ok is not Status.FAIL and ok is not False


def _scenario(ctx: Context, group: str, name: str, mark: int | None = None) -> Scenario:
    kind = Scenario if ctx.wanted(group) else _Unreported
    return kind(ctx, group, name, mark)


def _payload(call: CallSeen) -> dict[str, Any]:
    return call.payload if isinstance(call.payload, dict) else {}


def _tx_id(call: CallSeen) -> str | None:
    value = (_payload(call).get("transactionInfo") or {}).get("transactionId")
    return value if isinstance(value, str) else None


def _tx_event(event_type: str | None = None, tx: str | None = None) -> Callable[[CallSeen], bool]:
    def match(call: CallSeen) -> bool:
        p = _payload(call)
        return (
            call.action == "TransactionEvent"
            and (event_type is None or p.get("eventType") == event_type)
            and (tx is None or _tx_id(call) == tx)
        )

    return match


def _status(word: str, evse: str) -> Callable[[CallSeen], bool]:
    def match(call: CallSeen) -> bool:
        p = _payload(call)
        return (
            call.action == "StatusNotification"
            and p.get("connectorStatus") == word
            and str(p.get("evseId")) == evse
        )

    return match


def _token_of(call: CallSeen) -> str | None:
    token = _payload(call).get("idToken")
    return token.get("idToken") if isinstance(token, dict) else None


class _Run:
    """State shared by the driven scenarios of one run."""

    def __init__(self, ctx: Context, driver: Driver) -> None:
        self.ctx, self.driver = ctx, driver
        self.evse = str(ctx.options.evse)
        self.session = ctx.live()
        self.timeout = ctx.options.call_timeout * 2
        self.plugged = False
        self.stepped_at = 0  # the transcript before the last driver step
        self.restore: dict[tuple[str, str], str] = {}

    def mark(self) -> int:
        return len(self.session.calls)

    async def expect(self, match: Callable[[CallSeen], bool], after: int) -> CallSeen | None:
        return await self.session.expect_call(match, self.timeout, after=after)

    async def drive(self, sc: Scenario, step: str, *args: str) -> bool:
        # The step goes into the transcript, so a failure's frames show when it happened
        # (and a station that answers a step with nothing at all still has that shown).
        self.stepped_at = self.ctx.transcript.mark()
        shown = " ".join((step, *args))
        self.ctx.transcript.note(f"driver: {shown}")
        outcome = await self.driver.step(step, *args)
        if outcome.ok:
            self.plugged = {"plug_in": True, "unplug": False}.get(step, self.plugged)
        else:
            sc.check(f"driver-{step}", f"the driver does {shown}", False, outcome.detail)
        return outcome.ok

    async def set_variable(
        self, sc: Scenario, component: str, variable: str, value: str, requirement: str
    ) -> bool:
        """Give `variable` the value `value` (remembering the old one); False if refused."""
        current = await get_variable(self.ctx, sc, component, variable)
        if current == value:
            return True
        return await self._put(sc, component, variable, value, requirement, current)

    async def add_member(
        self, sc: Scenario, component: str, variable: str, member: str, requirement: str
    ) -> bool:
        """Make the MemberList `variable` include `member` (remembering the old list)."""
        current = await get_variable(self.ctx, sc, component, variable)
        members = [m.strip() for m in (current or "").split(",") if m.strip()]
        if member in members:
            return True
        wanted = ",".join([*members, member])
        return await self._put(sc, component, variable, wanted, requirement, current)

    async def _put(
        self,
        sc: Scenario,
        component: str,
        variable: str,
        value: str,
        requirement: str,
        current: str | None,
    ) -> bool:
        reply = await self.session.call(
            "SetVariables",
            {"setVariableData": [variable_data(component, variable, attributeValue=value)]},
            self.ctx.options.call_timeout,
        )
        answer = call_result(reply) or {}
        results = answer.get("setVariableResult") or [{}]
        status = results[0].get("attributeStatus")
        if status != "Accepted":
            sc.skip(
                "configure",
                f"{component}.{variable} = {value}",
                f"the station did not accept it ({status or reply.describe()}); {requirement} "
                "needs it",
            )
            return False
        if current is not None:
            self.restore.setdefault((component, variable), current)
        return True

    async def restore_variables(self) -> None:
        for (component, variable), value in self.restore.items():
            await self.session.call(
                "SetVariables",
                {"setVariableData": [variable_data(component, variable, attributeValue=value)]},
                self.ctx.options.call_timeout,
            )

    async def authorize_seen(
        self, group: str, token: str, after: int, requirement: str = "C01.FR.02"
    ) -> CallSeen | None:
        """C01: the presented card reaches the tester in an AuthorizeRequest; `group`: the
        scenario presenting it (one card may be presented by several: the ids stay unique)."""
        # The evidence starts at the card, not after the wait for the driver: a station
        # acts while the driver command is still running.
        sc = _scenario(self.ctx, "C01", "rfid", self.stepped_at)
        call = await self.expect(lambda c: c.action == "Authorize" and _token_of(c) == token, after)
        ours = token == self.ctx.options.accepted_token
        verdict = Status.PASS if call else Status.WARN if ours else Status.FAIL
        sc.check(
            f"authorize-{group.lower()}-{token[-4:].lower()}",
            "the presented card is sent to the CSMS in an AuthorizeRequest",
            verdict,
            f"idToken {token}"
            + ("" if call else ": no AuthorizeRequest" + (" (known locally?)" if ours else "")),
            requirement,
        )
        return call


async def driven_scenarios(ctx: Context) -> None:
    groups = [g for g in ("C01", "E03", "E02", "E09") if ctx.wanted(g)]
    if not groups:
        return
    driver = make_driver(ctx.options.driver, ctx.options.driver_timeout)
    if driver is None:
        for group in groups:
            Scenario(ctx, group, "driven").skip(
                "driver",
                _TITLES[group],
                "needs --driver CMD (or --driver manual): the tester cannot plug in a cable "
                "or present a card itself",
            )
        return
    run = _Run(ctx, driver)
    try:
        if ctx.wanted("C01"):
            await _c01_blocked(run)
        if ctx.wanted("E03") or ctx.wanted("C01"):
            await _e03(run)
        if ctx.wanted("E02") or ctx.wanted("E09"):
            await _e02(run)
    finally:
        if run.plugged:
            await driver.step("unplug", run.evse)
        await run.restore_variables()


def _accepted_token(run: _Run) -> str:
    return run.ctx.options.accepted_token or fresh_token()


async def _c01_blocked(run: _Run) -> None:
    sc = Scenario(run.ctx, "C01", "blocked-card")
    if not await run.set_variable(sc, "TxCtrlr", "TxStartPoint", "Authorized", "C01"):
        return
    token = run.ctx.options.blocked_token or fresh_token(blocked=True)
    after = run.mark()
    if not await run.drive(sc, "present_token", token, run.evse):
        return
    await run.authorize_seen("C01", token, after)
    started = await run.session.expect_call(
        lambda c: _tx_event("Started")(c) or (_tx_event()(c) and _token_of(c) == token),
        max(run.ctx.options.silence, 1.0),
        after=after,
    )
    sc.check(
        "not-started",
        "a card answered Blocked starts no transaction",
        started is None,
        f"idToken {token}" + (f": {started.payload}" if started else ""),
        "C01.FR.01 (energy only after authorization)",
    )
    await _leave_idle(run, after)


async def _leave_idle(run: _Run, after: int) -> None:
    """Stop each transaction started since `after` and not yet Ended, so the next scenario
    finds the EVSE idle instead of judging a busy one."""
    calls = run.session.calls[after:]
    ended = {_tx_id(c) for c in calls if _tx_event("Ended")(c)}
    for started in (c for c in calls if _tx_event("Started")(c)):
        tx = _tx_id(started)
        if tx is None or tx in ended:
            continue
        # Marked before the call: the Ended may come before its CALLRESULT is read.
        at = run.mark()
        await run.session.call(
            "RequestStopTransaction", {"transactionId": tx}, run.ctx.options.call_timeout
        )
        await run.expect(_tx_event("Ended", tx), at)


async def _started(
    run: _Run, sc: Scenario, after: int, when: str, rule: str, trigger: tuple[str, str]
) -> CallSeen | None:
    """The TransactionEvent Started since `after` (None if none came), and its triggerReason
    judged: `trigger` is (the reason expected, the requirement)."""
    started = await run.expect(_tx_event("Started"), after)
    if not arrived(sc, "started", f"TransactionEvent Started {when}", started, rule):
        return None
    reason = _payload(started).get("triggerReason") if started else None
    sc.check(
        "started-trigger",
        f"Started has triggerReason {trigger[0]}",
        reason == trigger[0],
        f"triggerReason {reason!r}",
        trigger[1],
    )
    return started


async def _stop_at_unplug(run: _Run, sc: Scenario, requirement: str) -> bool:
    """The scenarios end the transaction by unplugging (E09): only so when the station stops
    at an EV-side disconnect and its stop points include EVConnected."""
    return await run.set_variable(
        sc, "TxCtrlr", "StopTxOnEVSideDisconnect", "true", requirement
    ) and await run.add_member(sc, "TxCtrlr", "TxStopPoint", "EVConnected", requirement)


async def _e03(run: _Run) -> None:
    sc = _scenario(run.ctx, "E03", "idtoken-first")
    if not await run.set_variable(sc, "TxCtrlr", "TxStartPoint", "Authorized", "E03"):
        return
    if not await _stop_at_unplug(run, sc, "E03"):
        return
    after = run.mark()
    try:
        await _e03_steps(run, sc, after)
    finally:
        await _leave_idle(run, after)


async def _e03_steps(run: _Run, sc: Scenario, after: int) -> None:
    token = _accepted_token(run)
    if not await run.drive(sc, "present_token", token, run.evse):
        return
    await run.authorize_seen("E03", token, after)
    started = await _started(
        run,
        sc,
        after,
        "follows the accepted card (TxStartPoint Authorized)",
        "E01.FR.03",
        ("Authorized", "E01.FR.15, E03.FR.01"),
    )
    if started is None:
        return
    tx = _tx_id(started)
    sc.check(
        "started-id-token",
        "Started carries the idToken",
        _token_of(started) == token,
        f"idToken {_token_of(started)!r}, presented {token}",
        "E03.FR.01",
    )
    plugged_at = run.mark()
    if not await run.drive(sc, "plug_in", run.evse):
        return
    # Since `after`: a station may report the connector Occupied as soon as the transaction
    # starts; it then has no change to report at the plug-in.
    occupied = await run.expect(_status("Occupied", run.evse), after)
    arrived(
        sc,
        "occupied",
        "StatusNotification Occupied once the transaction started and the cable is in",
        occupied,
        "E02.FR.05",
    )
    event = await run.expect(_tx_event(tx=tx), plugged_at)
    reason = _payload(event).get("triggerReason") if event else None
    sc.check(
        "plugged-in-event",
        "the cable is reported in a TransactionEvent with triggerReason CablePluggedIn",
        reason == "CablePluggedIn",
        f"next event: {_payload(event) if event else 'none'}",
        "E03 (scenario), E02.FR.17",
    )
    await _unplug(run, sc, None, tx)
    _transaction_checks(sc, run.session.calls[after:], tx, "E03.FR.06")


async def _e02(run: _Run) -> None:
    sc = _scenario(run.ctx, "E02", "plugin-first")
    if not await run.set_variable(sc, "TxCtrlr", "TxStartPoint", "EVConnected", "E02.FR.06"):
        return
    e09 = Scenario(run.ctx, "E09", "unplug") if run.ctx.wanted("E09") else None
    if not await _stop_at_unplug(run, e09 or sc, "E09"):
        return
    after = run.mark()
    try:
        await _e02_steps(run, sc, e09, after)
    finally:
        await _leave_idle(run, after)


async def _e02_steps(run: _Run, sc: Scenario, e09: Scenario | None, after: int) -> None:
    if not await run.drive(sc, "plug_in", run.evse):
        return
    occupied = await run.expect(_status("Occupied", run.evse), after)
    arrived(
        sc,
        "occupied",
        "StatusNotification Occupied after the cable is plugged in",
        occupied,
        "E02.FR.05",
    )
    started = await _started(
        run,
        sc,
        after,
        "when the cable is plugged in (TxStartPoint EVConnected)",
        "E02.FR.06",
        ("CablePluggedIn", "E02.FR.15"),
    )
    if started is None:
        return
    tx = _tx_id(started)
    token = _accepted_token(run)
    presented = run.mark()
    if not await run.drive(sc, "present_token", token, run.evse):
        return
    await run.authorize_seen("E02", token, presented)
    authorized = await run.expect(_tx_event(tx=tx), presented)
    payload = _payload(authorized) if authorized else {}
    token_sent = (payload.get("idToken") or {}).get("idToken")
    sc.check(
        "authorized-event",
        "the next TransactionEvent has triggerReason Authorized and the idToken",
        payload.get("triggerReason") == "Authorized" and token_sent == token,
        f"next event: {payload or 'none'}; presented {token}",
        "E02.FR.01, E02.FR.20",
    )
    await _unplug(run, sc, e09, tx)
    _transaction_checks(sc, run.session.calls[after:], tx, "E02.FR.07")


async def _unplug(run: _Run, sc: Scenario, e09: Scenario | None, tx: str | None) -> None:
    """Unplug; the transaction ends. With `e09`, judge the end as E09 does."""
    at = run.mark()
    if not await run.drive(sc, "unplug", run.evse):
        return
    ended = await run.expect(_tx_event("Ended", tx), at)
    target = e09 or sc
    arrived(
        target,
        "ended",
        "TransactionEvent Ended when the cable is unplugged",
        ended,
        "E09 (StopTxOnEVSideDisconnect true)",
    )
    available = await run.expect(_status("Available", run.evse), at)
    arrived(
        target,
        "available",
        "StatusNotification Available after the cable is unplugged",
        available,
        "E09 (scenario step 6)",
    )
    if e09 is None or ended is None:
        return
    payload = _payload(ended)
    stopped = (payload.get("transactionInfo") or {}).get("stoppedReason")
    e09.check(
        "stopped-reason",
        "Ended has stoppedReason EVDisconnected",
        stopped == "EVDisconnected",
        f"stoppedReason {stopped!r}",
        "E09 (scenario step 3)",
    )
    trigger = payload.get("triggerReason")
    e09.check(
        "trigger",
        "Ended has triggerReason EVCommunicationLost",
        Status.PASS if trigger == "EVCommunicationLost" else Status.WARN,
        f"triggerReason {trigger!r}",
        "E09, TriggerReasonEnumType",
    )


def _transaction_checks(sc: Scenario, calls: list[CallSeen], tx: str | None, rule: str) -> None:
    events = [c for c in calls if _tx_event()(c)]
    ids = sorted({str(_tx_id(c)) for c in events})
    sc.check(
        "one-transaction-id",
        "every TransactionEvent of the scenario carries one transactionId",
        ids == [str(tx)],
        f"transactionIds {ids}",
        "E01.FR.08",
    )
    mine = [_payload(c) for c in events if _tx_id(c) == tx]
    seq = [p.get("seqNo") for p in mine]
    first = seq[0] if seq and isinstance(seq[0], int) else None
    sc.check(
        "seqno",
        "seqNo continuous over the transaction's events",
        first is not None and seq == list(range(first, first + len(seq))),
        f"seqNo {seq}",
        rule,
    )
    types = [p.get("eventType") for p in mine]
    sc.check(
        "event-types",
        "one Started first, one Ended last, Updated between",
        len(types) >= 2
        and types[0] == "Started"
        and types[-1] == "Ended"
        and set(types[1:-1]) <= {"Updated"},
        f"eventTypes {types}",
        "E01/E06 (TransactionEventRequest.eventType)",
    )
