"""B02/B03 against a CSMS: boots as identities the CSMS was told to keep Pending or to reject.

`ocppgen conformance csms --pending-id CS002 --rejected-id CS003`: register CS002 at the CSMS
with a boot policy that keeps it Pending and CS003 with one that rejects it (same password as
`--id`, if any). On its own connection for each, the tester (as that Charging Station):

B02 (Pending), OCPP 2.0.1 Part 2 B02:
- BootNotification is answered Pending with a valid response; interval > 0 (0 is allowed,
  B02.FR.07, but leaves the station to guess: a warning); currentTime RFC 3339.
- the CSMS may configure the station while Pending (B02.FR.01): the tester answers its CALLs
  (SetVariables Accepted, GetVariables, GetBaseReport, ...); a RequestStart/StopTransaction
  fails (B02.FR.05: "it SHALL first accept the Charging Station"), any other action warns.
- a StatusNotification (a CALL B02.FR.02 forbids the station) is answered CALLERROR
  SecurityError (B02.FR.09); another CALLERROR code warns, a CALLRESULT fails.
- the CSMS keeps the connection open (B02.FR.06).
- after the interval (B02.FR.04: not earlier), a second BootNotification: Pending again passes;
  Accepted passes only if the CSMS configured the station meanwhile (B02 -> B01), else warns.

B03 (Rejected), Part 2 B03:
- BootNotification answered Rejected, interval > 0 (0 warns, B03.FR.05).
- a StatusNotification is answered CALLERROR SecurityError (B03.FR.07); the CSMS may instead
  close the connection (B03 remarks): then that check is skipped.
- the CSMS sends no CALL to the rejected station (B03.FR.03); the tester would answer one
  SecurityError (B03.FR.08).
- after the interval, on the same or a new connection, a second BootNotification is Rejected
  again (Accepted fails: the CSMS was told to reject it; Pending warns).

A repeated boot waits at most 120 s (and never past `--time-budget`); a longer interval skips it.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from typing import Any

from ocppgen.conformance.checks import Context, Options
from ocppgen.conformance.dial import connect_error, dial
from ocppgen.conformance.report import CheckResult, RunReport, Status
from ocppgen.conformance.scenarios import (
    Scenario,
    boot_request,
    call_checked,
    now_rfc3339,
    station_answer,
    time_checks,
)
from ocppgen.conformance.session import CallSeen, RawSession, Responder, Transcript
from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.errors import OcppError
from ocppgen.runtime.frames import CallError

__all__ = ["MAX_RETRY_WAIT", "run_boot_policies"]

MAX_RETRY_WAIT = 120.0
"""Longest boot retry interval the tester waits out before booting again."""

_CONFIGURATION = frozenset(
    {"SetVariables", "GetVariables", "GetBaseReport", "GetReport", "TriggerMessage"}
)
"""CALLs B02.FR.01/02 name for a Pending station (B05-B08 and TriggerMessage)."""


class _Dialer:
    """Opens the tester's connection as one identity; the connection's frames go to `ctx`."""

    def __init__(
        self,
        ctx: Context,
        url: str,
        password: str | None,
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self.ctx, self.url, self.password, self.ssl_context = ctx, url, password, ssl_context
        self.sessions: list[RawSession] = []

    async def open(self, identity: str, responder: Responder) -> RawSession | str:
        """A started session, or why none could be opened."""
        version = self.ctx.version
        try:
            websocket = await dial(
                self.url,
                identity,
                version,
                password=self.password,
                ssl_context=self.ssl_context,
                timeout=self.ctx.options.call_timeout,
            )
        except Exception as exc:
            return f"{self.url.rstrip('/')}/{identity}: {connect_error(exc)}"
        session = RawSession(
            websocket, version, Role.CHARGING_STATION, self.ctx.transcript, responder
        )
        session.start()
        self.sessions.append(session)
        self.ctx.session = session
        return session

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()
        self.sessions.clear()

    def judge_frames(self, sc: Scenario) -> None:
        """Whatever the CSMS sent on its own on these connections keeps the OCPP-J rules."""
        found = [v for s in self.sessions for v in s.violations]
        sc.check(
            "csms-frames",
            "the CSMS's own frames break no OCPP-J rule (valid CALLs, unique ids, ...)",
            not found,
            "\n".join(f"{v.rule}: {v.detail}" for v in found[:10]),
            "Part 4",
        )


async def run_boot_policies(
    report: RunReport,
    url: str,
    options: Options,
    *,
    version: VersionSpec,
    use_cases: Any,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    progress: Callable[[CheckResult], None] = lambda _: None,
    deadline: float | None = None,
) -> None:
    """Run B02 (`options.pending_id`) and B03 (`options.rejected_id`); add to `report`.
    `deadline` (time.monotonic()): the main run's, so both share one --time-budget; None: the
    budget starts now."""
    ctx = Context(
        version, Role.CSMS, options, Transcript(), asyncio.get_running_loop(), progress=progress
    )
    ctx.deadline = time.monotonic() + options.time_budget if deadline is None else deadline
    dialer = _Dialer(ctx, url, password, ssl_context)
    try:
        for group, option, identity, scenario in (
            ("B02", "pending_id", options.pending_id, _pending),
            ("B03", "rejected_id", options.rejected_id, _rejected),
        ):
            in_profile = group in report.use_cases
            if not ctx.wanted(group) or not (in_profile or identity):
                continue
            if not in_profile and group in use_cases:
                report.use_cases[group] = use_cases[group].name
            flag = "--" + option.replace("_", "-")
            if identity is None:
                Scenario(ctx, group, "boot").skip(
                    "identity", f"{group}: boot as a station the CSMS does not accept", f"no {flag}"
                )
            elif version.name == "1.6":
                Scenario(ctx, group, "boot").skip(
                    "identity", f"{group} scenario", "written for OCPP 2.0.1/2.1 payloads"
                )
            else:
                await scenario(ctx, dialer, identity)
                dialer.judge_frames(Scenario(ctx, group, "connection"))
                await dialer.close()
    finally:
        await dialer.close()
    report.results.extend(ctx.results)


async def _boot(sc: Scenario, want: str, rule: str) -> dict[str, Any] | None:
    """Boot; check the status and the retry interval; the answer (None if unusable)."""
    answer = await call_checked(sc, "BootNotification", boot_request(), rule)
    if answer is None:
        return None
    status = answer.get("status")
    sc.check(
        "status",
        f"BootNotification is answered {want}",
        status == want,
        f"status {status!r} for the station the CSMS should answer {want}",
        rule,
    )
    interval = answer.get("interval")
    sc.check(
        "interval",
        f"a {want} boot carries a retry interval > 0",
        Status.PASS
        if isinstance(interval, int) and interval > 0
        else Status.WARN
        if interval == 0
        else Status.FAIL,
        f"interval {interval!r}" + (" (the station must pick its own)" if interval == 0 else ""),
        {"B02": "B02.FR.07/08", "B03": "B03.FR.05/06"}[rule],
    )
    time_checks(sc, "current-time", answer.get("currentTime"), f"{rule} BootNotificationResponse")
    return answer


async def _boot_as(
    sc: Scenario, dialer: _Dialer, identity: str, responder: Responder, want: str
) -> tuple[RawSession, dict[str, Any], float] | None:
    """Connect as `identity` and boot (checked by `_boot`): the session, the answer and when
    it came, or None unless the boot was answered `want`."""
    session = await dialer.open(identity, responder)
    if isinstance(session, str):
        sc.check("connect", f"connect as {identity}", False, session, sc.group)
        return None
    answer = await _boot(sc, want, sc.group)
    answered_at = time.monotonic()
    if answer is None or answer.get("status") != want:
        return None
    return session, answer, answered_at


async def _probe(sc: Scenario, session: RawSession, requirement: str) -> None:
    """A CALL the station may not send now: the CSMS must answer CALLERROR SecurityError."""
    payload = {
        "timestamp": now_rfc3339(),
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    }
    reply = await session.call("StatusNotification", payload, sc.ctx.options.call_timeout)
    title = "a StatusNotification before acceptance is answered CALLERROR SecurityError"
    if reply.kind == "closed" and sc.group == "B03":
        sc.skip("security-error", title, "the CSMS closed the connection (B03 allows that)")
        return
    frame = reply.frame
    if isinstance(frame, CallError):
        code = frame.error_code
        verdict = Status.PASS if code == "SecurityError" else Status.WARN
    else:
        verdict = Status.FAIL
    sc.check("security-error", title, verdict, reply.describe(), requirement)


async def _wait_interval(sc: Scenario, answered_at: float, interval: Any) -> bool:
    """Wait until the retry interval has passed; False (and a skip) if it is too long."""
    wait = float(interval) if isinstance(interval, int) and interval > 0 else 0.0
    left = answered_at + wait - time.monotonic()
    if left > min(MAX_RETRY_WAIT, sc.ctx.remaining() - 10):
        sc.skip(
            "retry",
            "a BootNotification after the interval",
            f"the interval ({interval} s) is longer than the tester waits",
        )
        return False
    if left > 0:
        await asyncio.sleep(left + 0.05)
    return True


async def _pending(ctx: Context, dialer: _Dialer, identity: str) -> None:
    sc = Scenario(ctx, "B02", "pending")
    booted = await _boot_as(sc, dialer, identity, station_answer(ctx), "Pending")
    if booted is None:
        return
    session, answer, answered_at = booted
    await asyncio.sleep(ctx.options.silence)  # room for the CSMS's configuration CALLs
    await _probe(sc, session, "B02.FR.09")
    if not await _wait_interval(sc, answered_at, answer.get("interval")):
        return
    calls = list(session.calls)
    _judge_pending_calls(sc, calls)
    sc.check(
        "connection-open",
        "the CSMS keeps the connection open while the station is Pending",
        not session.closed.is_set(),
        "the connection was closed" if session.closed.is_set() else "",
        "B02.FR.06",
    )
    if session.closed.is_set():
        return
    retry = Scenario(ctx, "B02", "retry")
    again = await call_checked(retry, "BootNotification", boot_request(), "B02.FR.08")
    if again is None:
        return
    status = again.get("status")
    configured = any(c.action in _CONFIGURATION for c in calls)
    verdict = (
        Status.PASS if status == "Pending" or (status == "Accepted" and configured) else Status.WARN
    )
    retry.check(
        "status",
        "the boot after the interval is Pending again (or Accepted once configured)",
        verdict,
        f"status {status!r}; the CSMS sent {len(calls)} CALLs meanwhile "
        f"({', '.join(sorted({c.action for c in calls})) or 'none'})",
        "B02 (scenario step 5, remarks)",
    )


def _judge_pending_calls(sc: Scenario, calls: list[CallSeen]) -> None:
    remote = [c.action for c in calls if c.action.startswith("Request")]
    other = [c.action for c in calls if c.action not in _CONFIGURATION and c.action not in remote]
    verdict = Status.FAIL if remote else Status.WARN if other else Status.PASS
    sc.check(
        "configuration-only",
        "while Pending the CSMS sends only configuration CALLs (B05-B08, TriggerMessage)",
        verdict,
        f"CALLs from the CSMS: {[c.action for c in calls] or 'none'}",
        "B02.FR.01, B02.FR.05",
    )


def _refuse_all(ctx: Context) -> Responder:
    """The rejected station answers every CALL of the CSMS with SecurityError (B03.FR.08)."""

    async def answer(seen: CallSeen) -> dict[str, Any] | OcppError:
        return OcppError("SecurityError", "this Charging Station was Rejected (B03.FR.08)")

    return answer


async def _rejected(ctx: Context, dialer: _Dialer, identity: str) -> None:
    sc = Scenario(ctx, "B03", "rejected")
    booted = await _boot_as(sc, dialer, identity, _refuse_all(ctx), "Rejected")
    if booted is None:
        return
    session, answer, answered_at = booted
    await _probe(sc, session, "B03.FR.07")
    if not await _wait_interval(sc, answered_at, answer.get("interval")):
        return
    calls = [c.action for c in session.calls]
    sc.check(
        "no-calls",
        "the CSMS initiates no message towards the rejected station",
        not calls,
        f"CALLs from the CSMS: {calls}" if calls else "",
        "B03.FR.03",
    )
    if session.closed.is_set():
        reopened = await dialer.open(identity, _refuse_all(ctx))
        if isinstance(reopened, str):
            sc.check("reconnect", f"reconnect as {identity} for the retry", False, reopened)
            return
    retry = Scenario(ctx, "B03", "retry")
    again = await call_checked(retry, "BootNotification", boot_request(), "B03.FR.06")
    if again is None:
        return
    status = again.get("status")
    verdict = {"Rejected": Status.PASS, "Accepted": Status.FAIL}.get(str(status), Status.WARN)
    retry.check(
        "status",
        "the boot after the interval is Rejected again",
        verdict,
        f"status {status!r}",
        "B03 (postcondition: remains Rejected)",
    )
