"""OCPP-J framing faults: each gets the answer the error-code table gives it, and afterwards
the connection still answers a plain CALL (OCPP 2.0.1/2.1 Part 4 §4; OCPP-J 1.6 §4).

| fault                               | expected answer (2.0.1, 2.1)     | 1.6                  |
|-------------------------------------|----------------------------------|----------------------|
| text that is not JSON               | RpcFrameworkError, id "-1"       | FormationViolation   |
| JSON that is not an array           | RpcFrameworkError                | FormationViolation   |
| unknown MessageTypeId (7)           | MessageTypeNotSupported (2.0.1); ignore (2.1) | ignore  |
| message id over 36 characters       | RpcFrameworkError                | FormationViolation   |
| a CALL whose payload is no object   | FormatViolation                  | FormationViolation   |
| an unknown action                   | NotImplemented                   | NotImplemented       |
| an action of the SUT's own role     | NotSupported                     | NotSupported         |
| two CALLs with one id, back to back | both answered, or RpcFrameworkError | GenericError |
| a CALLRESULT / CALLERROR for an id nobody sent | no answer at all                           |

OCPP 2.1 only (its message types 5 and 6):

| a SEND (valid, or of an unknown action)        | no answer at all, not even a CALLERROR |
| a CALLRESULTERROR for an id nobody sent        | no answer at all                       |
| station: an invalid CALLRESULT to its CALL     | CALLRESULTERROR with that id           |

The codes come from runtime/errors.py's per-version table; the answer's code is judged like the
message checks' (`checks.judge_code`): the table's code passes, a plausible other code warns,
anything else, silence or a closed connection fails.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ocppgen.conformance.checks import Context, judge_code
from ocppgen.conformance.report import CheckResult, Status
from ocppgen.conformance.session import CallSeen, RawSession, Reply
from ocppgen.conformance.versions import own_role_call, probe_call
from ocppgen.runtime.actions import Role
from ocppgen.runtime.errors import ErrorCode, Fault, fault_code
from ocppgen.runtime.frames import CallError, CallResult, CallResultError, FrameFault

__all__ = ["framing_checks", "probe"]


async def probe(ctx: Context) -> Reply:
    """A plain CALL of a core action: any answer shows the connection is alive."""
    action, payload = probe_call(ctx.version.name, ctx.sut_role)
    return await ctx.live().call(action, payload, ctx.options.call_timeout)


@dataclass(frozen=True)
class _Case:
    id: str
    title: str
    run: Callable[[Context, RawSession], Awaitable[tuple[Status, str]]]
    requirement: str


def _expect_error(
    text_for: Callable[[str], str],
    fault: Fault,
    reply_ids: Callable[[str], tuple[str, ...]],
) -> Callable[[Context, RawSession], Awaitable[tuple[Status, str]]]:
    async def run(ctx: Context, session: RawSession) -> tuple[Status, str]:
        message_id = session.next_id()
        expected = fault_code(ctx.version.name, fault)
        ids = reply_ids(message_id)
        before = len(session.unsolicited)
        wait = ctx.options.call_timeout if expected is not None else ctx.options.silence
        reply = await session.call_raw(text_for(message_id), ids[0], wait)
        if reply.kind == "silence" and any(
            isinstance(f, FrameFault) for f in session.unsolicited[before:]
        ):
            return Status.WARN, "answered with a frame that is itself invalid (e.g. the long id)"
        if reply.kind == "silence" and len(ids) > 1:  # answered with the other allowed id
            for frame in session.unsolicited[before:]:
                if isinstance(frame, CallError | CallResult) and frame.message_id in ids:
                    reply = Reply("error" if isinstance(frame, CallError) else "result", frame)
        if expected is None:  # the version says: ignore it
            if reply.kind == "silence":
                return Status.PASS, "ignored, as the version requires"
            if reply.kind == "closed":
                return Status.FAIL, "the connection was closed"
            return Status.WARN, f"answered {reply.describe()}; the version says ignore it"
        if reply.kind in ("silence", "closed"):
            return Status.FAIL, f"{reply.describe()}; expected CALLERROR {expected}"
        if isinstance(reply.frame, CallResult):
            return Status.FAIL, f"answered with a CALLRESULT; expected CALLERROR {expected}"
        assert isinstance(reply.frame, CallError)
        return judge_code(ctx.version.name, expected, reply.frame.error_code)

    return run


async def _duplicate(ctx: Context, session: RawSession) -> tuple[Status, str]:
    action, payload = probe_call(ctx.version.name, ctx.sut_role)
    message_id = session.next_id()
    text = json.dumps([2, message_id, action, payload])
    before = len(session.unsolicited)
    first = await _both(ctx, session, text, message_id)
    if first.kind in ("silence", "closed"):
        return Status.FAIL, f"first CALL: {first.describe()}"

    # The second answer carries the same id: nobody waits for it any more, so it lands in
    # `unsolicited`; wait a little for it.
    def answered() -> list[CallResult | CallError]:
        return [
            f
            for f in session.unsolicited[before:]
            if isinstance(f, CallResult | CallError) and f.message_id == message_id
        ]

    await session.wait_until(lambda: bool(answered()), ctx.options.call_timeout)
    seconds = answered()
    if not seconds:
        if session.closed.is_set():
            return Status.FAIL, "the connection was closed after the duplicate id"
        return Status.FAIL, "only one of the two CALLs with the same id was answered"
    second = seconds[0]
    if isinstance(second, CallError):
        expected = fault_code(ctx.version.name, Fault.DUPLICATE_ID)
        assert expected is not None
        return judge_code(ctx.version.name, expected, second.error_code)
    return Status.PASS, "both answered (the duplicate was not detected, which the spec allows)"


async def _both(ctx: Context, session: RawSession, text: str, message_id: str) -> Reply:
    sent = asyncio.ensure_future(session.send_raw(text))
    try:
        return await session.call_raw(text, message_id, ctx.options.call_timeout)
    finally:
        await sent


def _unknown_answer(kind: int) -> Callable[[Context, RawSession], Awaitable[tuple[Status, str]]]:
    async def run(ctx: Context, session: RawSession) -> tuple[Status, str]:
        if kind == 3:
            text = json.dumps([3, "ocppgen-nobody-sent-this", {}])
        else:  # a CALLERROR, or (2.1) a CALLRESULTERROR
            text = json.dumps([kind, "ocppgen-nobody-sent-this", "GenericError", "", {}])
        before = len(session.unsolicited)
        reply = await session.call_raw(text, None, ctx.options.silence)
        if reply.kind == "closed":
            return Status.FAIL, "the connection was closed"
        answered = session.unsolicited[before:]
        if answered:
            return Status.WARN, f"answered {answered[0]!r}; nothing should answer it"
        return Status.PASS, "ignored"

    return run


def _cases(ctx: Context) -> list[_Case]:
    action, payload = probe_call(ctx.version.name, ctx.sut_role)
    own, own_payload = own_role_call(ctx.version.name, ctx.sut_role)

    def call(message_id: str, act: str = action, body: object = payload) -> str:
        return json.dumps([2, message_id, act, body])

    return [
        _Case(
            "framing/not-json",
            "text that is not JSON",
            _expect_error(lambda i: call(i)[:-3], Fault.NOT_JSON, lambda i: ("-1", i)),
            "Part 4 §4.2.3 (RpcFrameworkError; id -1 when it cannot be read)",
        ),
        _Case(
            "framing/not-array",
            "JSON that is not an array",
            _expect_error(lambda i: json.dumps({"id": i}), Fault.NOT_ARRAY, lambda i: ("-1", i)),
            "Part 4 §4.2 (RpcFrameworkError)",
        ),
        _Case(
            "framing/unknown-message-type",
            "unknown MessageTypeId 7",
            _expect_error(
                lambda i: json.dumps([7, i, action, payload]),
                Fault.UNKNOWN_MESSAGE_TYPE,
                lambda i: (i, "-1"),
            ),
            "Part 4 §4.4 (MessageTypeNotSupported in 2.0.1; ignored in 1.6 and 2.1)",
        ),
        _Case(
            "framing/long-id",
            "message id over 36 characters",
            _expect_error(
                lambda i: call("x" * 37), Fault.BAD_MESSAGE_ID, lambda i: ("-1", "x" * 37)
            ),
            "Part 4 §4.1.4 (id max 36 characters), §4.2.3",
        ),
        _Case(
            "framing/payload-not-object",
            "a CALL whose payload is an array",
            _expect_error(lambda i: call(i, body=[]), Fault.NOT_AN_OBJECT, lambda i: (i,)),
            "Part 4 §4.3 (FormatViolation)",
        ),
        _Case(
            "framing/unknown-action",
            "an action that does not exist",
            _expect_error(
                lambda i: call(i, act="OcppgenNoSuchAction", body={}),
                Fault.UNKNOWN_ACTION,
                lambda i: (i,),
            ),
            "Part 4 §4.3 (NotImplemented)",
        ),
        _Case(
            "framing/own-role-action",
            f"an action only the {ctx.sut_role} sends ({own})",
            _expect_error(
                lambda i: call(i, act=own, body=own_payload), Fault.NOT_SUPPORTED, lambda i: (i,)
            ),
            "Part 4 §4.3 (NotSupported)",
        ),
        _Case(
            "framing/duplicate-id",
            "two CALLs with the same id, back to back",
            _duplicate,
            "Part 4 §4.1.4 (ids unique per sender), §4.2.3",
        ),
        _Case(
            "framing/unknown-callresult",
            "a CALLRESULT for an id nobody sent",
            _unknown_answer(3),
            "Part 4 §4.2.2",
        ),
        _Case(
            "framing/unknown-callerror",
            "a CALLERROR for an id nobody sent",
            _unknown_answer(4),
            "Part 4 §4.2.3",
        ),
        *(_cases_21(ctx) if ctx.version.name == "2.1" else []),
    ]


# -- OCPP 2.1: SEND and CALLRESULTERROR ------------------------------------------------------------

_STREAM = "NotifyPeriodicEventStream"  # the one SEND of 2.1 (station -> CSMS)


def _stream_payload() -> dict[str, object]:
    return {"id": 1, "pending": 0, "basetime": "2025-01-01T00:00:00Z", "data": [{"t": 0, "v": "1"}]}


def _cases_21(ctx: Context) -> list[_Case]:
    own = ctx.sut_role is Role.CHARGING_STATION
    cases = [
        _Case(
            "framing/send",
            f"a SEND ({_STREAM}{', which the station does not receive' if own else ''})",
            _unanswered(lambda i: json.dumps([6, i, _STREAM, _stream_payload()])),
            "2.1 Part 4 (SEND: the receiver sends no answer, not even a CALLERROR)",
        ),
        _Case(
            "framing/send-unknown-action",
            "a SEND of an action that does not exist",
            _unanswered(lambda i: json.dumps([6, i, "OcppgenNoSuchAction", {}])),
            "2.1 Part 4 (SEND: the receiver sends no answer, not even a CALLERROR)",
        ),
        _Case(
            "framing/unknown-callresulterror",
            "a CALLRESULTERROR for an id nobody sent",
            _unknown_answer(5),
            "2.1 Part 4 (CALLRESULTERROR)",
        ),
    ]
    if own:
        cases.append(
            _Case(
                "framing/invalid-callresult",
                "an invalid CALLRESULT to the station's Heartbeat gets a CALLRESULTERROR",
                _invalid_callresult,
                "2.1 Part 4 (CALLRESULTERROR answers a CALLRESULT that cannot be accepted)",
            )
        )
    return cases


def _unanswered(
    text_for: Callable[[str], str],
) -> Callable[[Context, RawSession], Awaitable[tuple[Status, str]]]:
    async def run(ctx: Context, session: RawSession) -> tuple[Status, str]:
        message_id = session.next_id()
        before = len(session.unsolicited)
        reply = await session.call_raw(text_for(message_id), message_id, ctx.options.silence)
        if reply.kind == "closed":
            return Status.FAIL, "the connection was closed"
        if reply.kind != "silence":
            return Status.FAIL, f"answered {reply.describe()}; nothing may answer a SEND"
        answered = session.unsolicited[before:]
        if answered:
            return Status.FAIL, f"answered {answered[0]!r}; nothing may answer a SEND"
        return Status.PASS, "not answered, as required"

    return run


def _is_heartbeat(seen: CallSeen) -> bool:
    return seen.action == "Heartbeat" and not seen.send


async def _invalid_callresult(ctx: Context, session: RawSession) -> tuple[Status, str]:
    timeout = ctx.options.call_timeout
    session.corrupt_next_answer(_is_heartbeat, {})  # HeartbeatResponse without currentTime
    trigger = await session.call("TriggerMessage", {"requestedMessage": "Heartbeat"}, timeout)
    triggered = isinstance(trigger.frame, CallResult) and (
        isinstance(trigger.frame.payload, dict)
        and trigger.frame.payload.get("status") == "Accepted"
    )
    wait = timeout if triggered else 2 * ctx.options.heartbeat_interval + timeout
    await session.wait_until(lambda: bool(session.corrupted), wait)
    session.cancel_corruption()
    if not session.corrupted:
        return Status.SKIP, f"the station sent no Heartbeat within {wait:.0f} s"
    message_id = session.corrupted[-1]

    def answers() -> list[CallResultError]:
        return [e for e in session.result_errors if e.message_id == message_id]

    if await session.wait_until(lambda: bool(answers()), timeout):
        expected = fault_code("2.1", Fault.MISSING_PROPERTY)
        assert expected is not None
        return judge_code("2.1", expected, answers()[0].error_code)
    if session.closed.is_set():
        return Status.FAIL, "the connection was closed after the invalid CALLRESULT"
    return Status.FAIL, f"no CALLRESULTERROR for the invalid CALLRESULT {message_id!r}"


async def framing_checks(ctx: Context, reconnect: Callable[[], Awaitable[bool]]) -> None:
    """Each framing case, then a probe CALL: the connection must live on."""
    for case in _cases(ctx):
        if not ctx.wanted(case.id):
            continue
        if ctx.remaining() <= 0:
            ctx.add(CheckResult(case.id, "framing", case.title, Status.SKIP, "no time left"))
            continue
        if (ctx.session is None or ctx.session.closed.is_set()) and not await reconnect():
            ctx.add(CheckResult(case.id, "framing", case.title, Status.SKIP, "no connection"))
            continue
        session = ctx.live()
        mark = ctx.transcript.mark()
        started = time.monotonic()
        status, detail = await case.run(ctx, session)
        alive = await probe(ctx)
        if alive.kind in ("silence", "closed"):
            status = Status.FAIL
            detail += f"; afterwards a plain CALL got {alive.describe()} (the connection died)"
        result = CheckResult(case.id, "framing", case.title, status, detail, case.requirement)
        result.examples, result.seconds = 1, time.monotonic() - started
        if status is not Status.PASS:
            result.frames = ctx.transcript.since(mark)
        ctx.add(result)


_ = ErrorCode  # re-exported for readers of the table above
