"""Property-based message checks, for either role under test (framing faults: framing.py).

Message checks, per action the implementation under test (the SUT) must answer:

- `valid`: Hypothesis draws schema-valid requests (the generated strategies); each must get a
  CALLRESULT that the generated response class accepts (`from_json`, the exact schema). A
  CALLERROR that blames the payload, an InternalError, silence or a closed connection fails and
  Hypothesis shrinks the request to a minimal counterexample; NotSupported/NotImplemented or
  SecurityError for a valid request is a warning (the SUT may not implement the action).
- `mutations`: the generated property tests' `MUTATIONS` (one row per constraint of each field)
  applied to a drawn request, with the generated `mutate`/`embed` helpers; each must get a
  CALLERROR. Its code is judged against runtime/errors.py's table: the table's code passes,
  another payload-validation code is a warning (no two implementations agree here), any other
  code, a code that is not in the version's table, a CALLRESULT (the invalid request was
  accepted), silence or a closed connection fail.

Hypothesis runs in a worker thread; the property body hands each exchange to the event loop
that owns the connection (`Context.exchange`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ocppgen.conformance.report import CheckResult, Status
from ocppgen.conformance.session import FrameRecord, RawSession, Reply, Transcript
from ocppgen.conformance.versions import PACKAGES
from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.errors import ERROR_CODES, ErrorCode, code_for, fault_code
from ocppgen.runtime.frames import CallError, CallResult
from ocppgen.runtime.model import OcppModel

__all__ = [
    "Context",
    "Options",
    "judge_code",
    "message_checks",
    "run_property",
]

T = TypeVar("T")
E = ErrorCode

_PAYLOAD_CODES = frozenset(
    {
        E.FORMAT_VIOLATION,
        E.FORMATION_VIOLATION,
        E.PROTOCOL_ERROR,
        E.TYPE_CONSTRAINT_VIOLATION,
        E.OCCURRENCE_CONSTRAINT_VIOLATION,
        E.OCCURENCE_CONSTRAINT_VIOLATION,
        E.PROPERTY_CONSTRAINT_VIOLATION,
        E.GENERIC_ERROR,
    }
)
_PLAUSIBLE: dict[ErrorCode, frozenset[ErrorCode]] = {
    **{code: _PAYLOAD_CODES for code in _PAYLOAD_CODES},
    E.RPC_FRAMEWORK_ERROR: frozenset(
        {E.FORMAT_VIOLATION, E.FORMATION_VIOLATION, E.PROTOCOL_ERROR, E.GENERIC_ERROR}
    ),
    E.MESSAGE_TYPE_NOT_SUPPORTED: frozenset(
        {E.RPC_FRAMEWORK_ERROR, E.NOT_SUPPORTED, E.NOT_IMPLEMENTED, E.FORMAT_VIOLATION}
        | {E.PROTOCOL_ERROR, E.GENERIC_ERROR}
    ),
    E.NOT_IMPLEMENTED: frozenset({E.NOT_SUPPORTED}),
    E.NOT_SUPPORTED: frozenset({E.NOT_IMPLEMENTED}),
}
_REFUSALS = frozenset({E.NOT_SUPPORTED, E.NOT_IMPLEMENTED, E.SECURITY_ERROR})


def judge_code(version: str, expected: ErrorCode, got: str) -> tuple[Status, str]:
    """The verdict on a CALLERROR code `got` where our table expects `expected`."""
    allowed = {row.code for row in ERROR_CODES[version]}
    try:
        code = ErrorCode(got)
    except ValueError:
        code = None
    if code is None or code not in allowed:
        return Status.FAIL, f"{got!r} is not an error code of OCPP {version}"
    want = code_for(version, expected)
    if code == want:
        return Status.PASS, f"{got} as expected"
    if code in {code_for(version, c) for c in _PLAUSIBLE.get(expected, frozenset())}:
        return Status.WARN, f"answered {got}; the error-code table gives {want}"
    return Status.FAIL, f"answered {got}; expected {want} (or a code of the same kind)"


@dataclass
class Options:
    """What a run may do and how long it may take."""

    max_examples: int = 25  # valid requests per action
    mutation_examples: int = 1  # examples per mutation row
    seed: int = 0
    time_budget: float = 300.0  # seconds for the whole run
    call_timeout: float = 5.0  # seconds to wait for an answer
    silence: float = 1.0  # seconds of silence that count as "no answer" where none is due
    use_cases: Sequence[str] = ()
    only: Sequence[str] = ()  # check-id prefixes to run (empty: all)
    skip: Sequence[str] = ()  # check-id prefixes not to run
    accepted_token: str | None = None
    blocked_token: str | None = None
    heartbeat_interval: int = 2  # what the tester as CSMS gives the station at boot
    driver: str | None = None  # station: a command that plugs in, presents a card, ... or manual
    evse: int = 1  # station: the EVSE the driven scenarios plug in at
    driver_timeout: float = 30.0  # station: seconds a driver step may take before it is killed
    pending_id: str | None = None  # CSMS: an identity it keeps Pending (B02)
    rejected_id: str | None = None  # CSMS: an identity it rejects (B03)


@dataclass
class Context:
    """Shared by every check of a run: the connection, the clock, the results."""

    version: VersionSpec
    sut_role: Role
    options: Options
    transcript: Transcript
    loop: asyncio.AbstractEventLoop
    session: RawSession | None = None
    deadline: float = 0.0
    results: list[CheckResult] = field(default_factory=list)
    progress: Callable[[CheckResult], None] = lambda _: None

    def wanted(self, check_id: str) -> bool:
        if any(check_id.startswith(p) for p in self.options.skip):
            return False
        # A prefix that names part of a group (`B07/base-report/seqno`) runs that group.
        return not self.options.only or any(
            check_id.startswith(p) or p.startswith(check_id) for p in self.options.only
        )

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def add(self, result: CheckResult) -> CheckResult:
        self.results.append(result)
        self.progress(result)
        return result

    def exchange(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coroutine` on the connection's loop from a Hypothesis worker thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout + 10)

    def live(self) -> RawSession:
        if self.session is None:
            raise ConnectionError("no connection to the implementation under test")
        return self.session


class CheckFailed(AssertionError):
    """A property failed: `status` says how badly (warnings never reach Hypothesis)."""


@dataclass
class _Outcome:
    """What the property body saw, kept across Hypothesis's calls."""

    examples: int = 0
    out_of_time: bool = False
    failure: tuple[str, str, list[FrameRecord]] | None = None  # detail, counterexample, frames
    warning: tuple[str, str, list[FrameRecord]] | None = None


def run_property(
    ctx: Context,
    check_id: str,
    group: str,
    title: str,
    strategy: st.SearchStrategy[Any],
    body: Callable[[Any, _Outcome], tuple[Status, str, str]],
    examples: int,
    requirement: str = "",
    budget: float | None = None,
) -> CheckResult:
    """Run one property with Hypothesis (blocking: call it in a worker thread).

    `body(example, outcome) -> (status, detail, counterexample)` performs one exchange; FAIL is
    raised into Hypothesis so it shrinks, WARN is recorded once. The frames of the last failing
    execution (the shrunk one) are kept.
    """
    outcome = _Outcome()
    started = time.monotonic()
    stop_at = started + min(ctx.remaining(), budget if budget is not None else ctx.remaining())

    @seed(ctx.options.seed)
    @settings(
        max_examples=max(1, examples),
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @given(example=strategy)
    def prop(example: Any) -> None:
        if time.monotonic() > stop_at or ctx.session is None or ctx.session.closed.is_set():
            outcome.out_of_time = time.monotonic() > stop_at
            return
        mark = ctx.transcript.mark()
        status, detail, counterexample = body(example, outcome)
        outcome.examples += 1
        if status is Status.FAIL:
            outcome.failure = (detail, counterexample, ctx.transcript.since(mark))
            raise CheckFailed(detail)
        if status is Status.WARN and outcome.warning is None:
            outcome.warning = (detail, counterexample, ctx.transcript.since(mark))

    try:
        prop()
    except Exception as exc:  # CheckFailed, or Hypothesis's Flaky after the budget ran out
        if outcome.failure is None:
            outcome.failure = (f"the check itself failed: {exc!r}", "", [])
    seconds = time.monotonic() - started
    result = CheckResult(check_id, group, title, Status.PASS, requirement=requirement)
    result.examples, result.seconds = outcome.examples, seconds
    if outcome.failure is not None:
        result.status = Status.FAIL
        result.detail, result.counterexample, result.frames = outcome.failure
    elif outcome.warning is not None:
        result.status = Status.WARN
        result.detail, result.counterexample, result.frames = outcome.warning
    elif outcome.examples == 0:
        result.status = Status.SKIP
        result.detail = "no time left" if outcome.out_of_time else "not connected"
    if outcome.out_of_time:
        result.notes.append(f"time budget reached after {outcome.examples} examples")
    return result


# -- message checks ----------------------------------------------------------------------------


def _payload_text(payload: Any) -> str:
    return json.dumps(payload, indent=1, sort_keys=False)


def _exchange(ctx: Context, action: str, payload: Any) -> Reply:
    session = ctx.live()
    timeout = ctx.options.call_timeout
    return ctx.exchange(session.call(action, payload, timeout), timeout)


def _judge_valid(
    ctx: Context, action: str, response: type[OcppModel] | None, payload: Any, reply: Reply
) -> tuple[Status, str, str]:
    shown = f"{action} request:\n{_payload_text(payload)}"
    if reply.kind in ("silence", "closed"):
        return Status.FAIL, f"valid {action} request: {reply.describe()}", shown
    frame = reply.frame
    if isinstance(frame, CallError):
        try:
            code = ErrorCode(frame.error_code)
        except ValueError:
            return Status.FAIL, f"valid {action} request: {reply.describe()}", shown
        if code in _REFUSALS:
            return Status.WARN, f"valid {action} request refused: {reply.describe()}", shown
        return Status.FAIL, f"valid {action} request answered {reply.describe()}", shown
    assert isinstance(frame, CallResult)
    if response is None:
        return Status.PASS, "", ""
    try:
        response.from_json_dict(frame.payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = "/".join(str(p) for p in first["loc"]) or "payload"
        return (
            Status.FAIL,
            f"{action} response is not schema-valid: {where}: {first['msg']}",
            shown,
        )
    return Status.PASS, "", ""


def valid_check(ctx: Context, action: str, group: str) -> CheckResult:
    spec = ctx.version.actions[action]
    strategy = _request_strategy(ctx, action)

    def body(request: OcppModel, outcome: _Outcome) -> tuple[Status, str, str]:
        payload = int32(request.to_json_dict())
        reply = _exchange(ctx, action, payload)
        return _judge_valid(ctx, action, spec.response, payload, reply)

    return run_property(
        ctx,
        f"messages/{action}/valid",
        group,
        f"valid {action} requests get schema-valid {action} responses",
        strategy,
        body,
        ctx.options.max_examples,
        requirement="Part 4 §4.2.2 (CALLRESULT), the official schemas",
        budget=max(5.0, ctx.remaining() / 6),
    )


INT32 = (-(2**31), 2**31 - 1)


def int32(value: Any) -> Any:
    """`value` with every integer clamped to 32 bits: OCPP 2.0.1 Part 2 §2.1 defines its
    `integer` as 32-bit, although the schemas set no bound (the schemas' own bounds all lie
    inside, so the payload stays valid)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return min(max(value, INT32[0]), INT32[1])
    if isinstance(value, dict):
        return {k: int32(v) for k, v in value.items()}
    if isinstance(value, list):
        return [int32(v) for v in value]
    return value


def _request_strategy(ctx: Context, action: str) -> st.SearchStrategy[Any]:
    module = _generated(ctx.version)
    strategy_for = module.strategies.strategy_for
    return strategy_for(ctx.version.actions[action].request)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Generated:
    strategies: Any
    proptables: Any  # MUTATIONS, HOSTS, mutate, embed, ... (the tables without pytest)


def _generated(version: VersionSpec) -> _Generated:
    import importlib

    package = PACKAGES[version.name]
    strategies = importlib.import_module(f"ocppgen.generated.{package}.strategies")
    proptables = importlib.import_module(f"ocppgen.generated.{package}.proptables")
    return _Generated(strategies, proptables)


def mutation_rows(version: VersionSpec, action: str) -> list[Any]:
    """The generated property tests' mutation rows that land in `action`'s request."""
    pt = _generated(version).proptables
    rows = []
    for row in pt.MUTATIONS:
        host = pt.HOSTS.get(row.model)
        if host is None or row.fault is None:
            continue
        if host.action == action and host.direction == "request":
            rows.append(row)
    return rows


def mutation_check(ctx: Context, action: str, group: str) -> CheckResult:
    """Every mutation row of `action`, each its own property (so each row is tried and a
    failing one shrinks on its own); the verdict is the worst row's."""
    gen = _generated(ctx.version)
    pt, strategies = gen.proptables, gen.strategies
    check_id = f"messages/{action}/mutations"
    title = f"invalid {action} requests get the CALLERROR code of the error-code table"
    rows = mutation_rows(ctx.version, action)
    if not rows:
        return CheckResult(check_id, group, title, Status.SKIP, detail="no mutation rows")
    version = ctx.version.name
    started = time.monotonic()
    budget_end = time.monotonic() + max(5.0, ctx.remaining() / 4)
    per_row: list[tuple[Any, CheckResult]] = []
    for row in rows:
        if time.monotonic() > budget_end:
            break
        per_row.append((row, _mutation_row(ctx, pt, strategies, version, action, group, row)))
    result = CheckResult(check_id, group, title, Status.PASS)
    result.requirement = "Part 4 §4.3 (RPC framework error codes); runtime/errors.py FAULT_CODES"
    result.seconds = time.monotonic() - started
    result.examples = sum(r.examples for _, r in per_row)
    bad = [(row, r) for row, r in per_row if r.status in (Status.FAIL, Status.WARN)]
    bad.sort(key=lambda item: item[1].status is not Status.FAIL)
    if bad:
        worst = bad[0][1]
        result.status = worst.status
        result.counterexample, result.frames = worst.counterexample, worst.frames
        lines = [r.detail for _, r in bad[:12]]
        if len(bad) > 12:
            lines.append(f"... and {len(bad) - 12} more rows")
        fails = sum(r.status is Status.FAIL for _, r in bad)
        result.detail = (
            f"{fails} of {len(per_row)} mutation rows failed, {len(bad) - fails} warned:\n"
            + "\n".join(lines)
        )
    elif not per_row or all(r.status is Status.SKIP for _, r in per_row):
        result.status = Status.SKIP
        result.detail = "no time left or not connected"
    result.notes.append(f"{len(per_row)} of {len(rows)} mutation rows tried")
    return result


def _mutation_row(
    ctx: Context, pt: Any, strategies: Any, version: str, action: str, group: str, row: Any
) -> CheckResult:
    host = pt.HOSTS[row.model]

    @st.composite
    def mutated(draw: Any) -> dict[str, Any]:
        valid = (
            strategies.examples_with(row.model, row.attribute)
            if row.attribute
            else strategies.strategy_for(row.model)
        )
        target = draw(valid)
        changed = pt.mutate(row, target.to_json_dict())
        payload, _ = pt.embed(host, target, changed, draw(st.data()))
        return payload  # type: ignore[no-any-return]

    expected = fault_code(version, row.fault)
    assert expected is not None

    def body(payload: dict[str, Any], outcome: _Outcome) -> tuple[Status, str, str]:
        reply = _exchange(ctx, action, payload)
        shown = f"{action} request, mutation {row.id} ({row.fault.value}):\n"
        shown += _payload_text(payload)
        if reply.kind in ("silence", "closed"):
            return Status.FAIL, f"{row.id}: {reply.describe()}", shown
        frame = reply.frame
        if isinstance(frame, CallResult):
            return Status.FAIL, f"{row.id}: the invalid request was accepted (CALLRESULT)", shown
        assert isinstance(frame, CallError)
        if frame.error_code in _REFUSALS:  # the action is not supported at all: not a crash
            return Status.WARN, f"{row.id}: refused with {frame.error_code}", shown
        status, why = judge_code(version, expected, frame.error_code)
        return status, f"{row.id}: {why}", shown

    return run_property(
        ctx,
        f"messages/{action}/mutations/{row.id}",
        group,
        row.id,
        mutated(),
        body,
        ctx.options.mutation_examples,
    )


def received_actions(version: VersionSpec, sut: Role, use_cases: Sequence[Any]) -> list[str]:
    """The actions the SUT must answer in these use cases, in use-case order."""
    actions: list[str] = []
    for use_case in use_cases:
        for step in use_case.steps:
            spec = version.actions.get(step.action)
            if spec is not None and spec.received_by(sut) and step.action not in actions:
                actions.append(step.action)
    return actions


# Valid random requests of these actions would reboot or reconfigure the station under test:
# they are checked by their use-case scenarios (and with invalid requests) instead.
DISRUPTIVE: frozenset[str] = frozenset({"Reset"})


async def message_checks(ctx: Context, actions: Sequence[str], groups: dict[str, str]) -> None:
    """Valid and mutated requests for each action; each result is grouped under the use
    cases of the profile that use the action."""
    for action in actions:
        if ctx.version.actions[action].response is None:
            continue  # an OCPP 2.1 SEND: nothing answers it (framing.py sends one)
        group = groups.get(action, "messages")
        if action not in DISRUPTIVE and ctx.wanted(f"messages/{action}/valid"):
            ctx.add(await asyncio.to_thread(valid_check, ctx, action, group))
        if ctx.wanted(f"messages/{action}/mutations"):
            ctx.add(await asyncio.to_thread(mutation_check, ctx, action, group))
