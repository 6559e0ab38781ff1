"""The tester's own thin OCPP-J connection: raw frames in and out, everything recorded.

The tester must be able to send what a correct endpoint never sends (broken JSON, ids over 36
characters, duplicate ids, payloads that violate the schema), so it does not use the runtime's
`OcppConnection`. A `RawSession` wraps one `websockets` connection (client or server side):

- every text frame in either direction goes into the `Transcript` with a timestamp, so a failing
  check can show the exact frames exchanged;
- `call_raw(text, message_id)` sends any text and waits for the CALLRESULT/CALLERROR with that
  id (or notes silence, or a closed connection); `call(action, payload)` builds the frame;
- CALLs from the implementation under test are decoded, validated against the generated request
  class and answered by a `Responder` (the tester's side of the protocol), after `answer_delay`
  seconds; while a CALL of the peer is unanswered, a second CALL from the peer breaks the
  one-outstanding-CALL rule (OCPP-J Part 4 §4.1.1 / 1.6 §4.1.1) and is recorded as a violation,
  like an invalid payload, a reused message id or an action the peer's role does not send;
- answers with an id nobody waits for (e.g. `"-1"`) land in `unsolicited`;
- OCPP 2.1 only: a SEND of the peer is validated like a CALL and recorded in `calls` but never
  answered (Part 4 §4.2.4); a CALLRESULTERROR of the peer lands in `result_errors`;
  `corrupt_next_answer` makes the tester answer one CALL of the peer with an invalid CALLRESULT
  (to see the CALLRESULTERROR 2.1 requires); an invalid CALLRESULT of the peer to a CALL the
  tester made with `call` is answered with a CALLRESULTERROR, as 2.1 requires of any endpoint
  (the check that made the CALL still judges that answer a failure). In 1.6 and 2.0.1 a
  CALLRESULTERROR or SEND of the peer is a violation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from websockets.asyncio.connection import Connection as WebSocket
from websockets.exceptions import ConnectionClosed

from ocppgen.runtime.actions import MessageType, Role, VersionSpec
from ocppgen.runtime.errors import OcppError, code_for, fault_code, validation_failure
from ocppgen.runtime.frames import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    Frame,
    FrameFault,
    Send,
    decode,
)

__all__ = [
    "CallSeen",
    "FrameRecord",
    "RawSession",
    "Reply",
    "Responder",
    "Transcript",
    "Violation",
]

Direction = Literal["tester->sut", "sut->tester", "note"]


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One frame on the wire (or a note the tester made between frames)."""

    at: float  # seconds since the transcript started
    direction: Direction
    text: str

    def render(self) -> str:
        arrow = {"tester->sut": ">>", "sut->tester": "<<", "note": "--"}[self.direction]
        return f"{self.at:8.3f} {arrow} {self.text}"


class Transcript:
    """Every frame of every session of one run, in order."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.records: list[FrameRecord] = []

    def add(self, direction: Direction, text: str) -> None:
        self.records.append(FrameRecord(time.monotonic() - self.started, direction, text))

    def mark(self) -> int:
        return len(self.records)

    def note(self, text: str) -> None:
        """Something the tester did between frames (a driver step), shown among the frames."""
        self.add("note", text)

    def since(self, mark: int, limit: int = 60) -> list[FrameRecord]:
        records = self.records[mark:]
        if len(records) > limit:  # keep the start and the end of a long exchange
            half = limit // 2
            skipped = len(records) - 2 * half
            note = FrameRecord(records[half].at, "note", f"... {skipped} frames left out ...")
            records = [*records[:half], note, *records[-half:]]
        return records


@dataclass(frozen=True, slots=True)
class Reply:
    """What came back for one CALL the tester sent."""

    kind: Literal["result", "error", "silence", "closed"]
    frame: CallResult | CallError | None = None
    elapsed: float = 0.0

    def describe(self) -> str:
        if isinstance(self.frame, CallError):
            return f"CALLERROR {self.frame.error_code} ({self.frame.error_description!r})"
        if isinstance(self.frame, CallResult):
            return "CALLRESULT " + json.dumps(self.frame.payload)[:200]
        return {"silence": "no answer", "closed": "the connection was closed"}.get(
            self.kind, self.kind
        )


@dataclass(frozen=True, slots=True)
class CallSeen:
    """A CALL the implementation under test sent, decoded and (where possible) validated."""

    message_id: str
    action: str
    payload: Any
    request: Any  # the generated request instance, None if invalid
    error: str | None  # why it is invalid
    at: float
    send: bool = False  # an OCPP 2.1 SEND (never answered)


@dataclass(frozen=True, slots=True)
class Violation:
    """Something the implementation under test did on its own that the protocol forbids."""

    rule: str  # e.g. "one outstanding CALL"
    detail: str
    at: float
    record_index: int


Responder = Callable[[CallSeen], Awaitable[dict[str, Any] | OcppError]]
"""Answers a CALL of the peer: the CALLRESULT payload, or an `OcppError` for a CALLERROR."""


@dataclass
class _Waiter:
    future: asyncio.Future[CallResult | CallError]
    action: str | None = None  # known for `call`: its CALLRESULT is validated (2.1)


@dataclass
class RawSession:
    """See the module docstring. `role` is the role the tester plays."""

    websocket: WebSocket
    version: VersionSpec
    role: Role
    transcript: Transcript
    responder: Responder
    answer_delay: float = 0.02
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    calls: list[CallSeen] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    unsolicited: list[CallResult | CallError | FrameFault] = field(default_factory=list)
    result_errors: list[CallResultError] = field(default_factory=list)  # OCPP 2.1
    corrupted: list[str] = field(default_factory=list)  # ids answered with a broken CALLRESULT
    _corrupt: tuple[Callable[[CallSeen], bool], Any] | None = None
    _waiters: dict[str, _Waiter] = field(default_factory=dict)
    _call_seen: asyncio.Condition = field(default_factory=asyncio.Condition)
    _unanswered: set[str] = field(default_factory=set)
    _peer_ids: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _reader: asyncio.Task[None] | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def start(self) -> None:
        self._reader = asyncio.get_running_loop().create_task(self._read())

    def next_id(self) -> str:
        return f"ocppgen-{next(self._ids)}"

    # -- sending ---------------------------------------------------------------------------------

    async def send_raw(self, text: str) -> bool:
        """Send any text; False if the connection is closed."""
        if self.closed.is_set():
            return False
        self.transcript.add("tester->sut", text)
        try:
            await self.websocket.send(text)
        except ConnectionClosed:
            self._on_closed()
            return False
        return True

    async def call_raw(
        self, text: str, message_id: str | None, timeout: float, action: str | None = None
    ) -> Reply:
        """Send `text` and wait for the answer carrying `message_id` (None: expect none).
        With `action` (2.1), an invalid CALLRESULT is answered with a CALLRESULTERROR."""
        started = time.monotonic()
        waiter = None
        if message_id is not None:
            waiter = _Waiter(asyncio.get_running_loop().create_future(), action)
            self._waiters[message_id] = waiter
        try:
            if not await self.send_raw(text):
                return Reply("closed")
            if waiter is None:
                return await self._silence(timeout, started)
            closing = asyncio.ensure_future(self.closed.wait())
            try:
                pending: list[asyncio.Future[Any]] = [waiter.future, closing]
                done, _ = await asyncio.wait(
                    pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                closing.cancel()
            if not done:
                return Reply("silence", elapsed=time.monotonic() - started)
            if waiter.future in done:
                frame = waiter.future.result()
                kind: Literal["result", "error"] = (
                    "result" if isinstance(frame, CallResult) else "error"
                )
                return Reply(kind, frame, time.monotonic() - started)
            return Reply("closed", elapsed=time.monotonic() - started)
        finally:
            if message_id is not None and self._waiters.get(message_id) is waiter:
                del self._waiters[message_id]

    async def _silence(self, timeout: float, started: float) -> Reply:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.closed.wait()
        kind: Literal["silence", "closed"] = "closed" if self.closed.is_set() else "silence"
        return Reply(kind, elapsed=time.monotonic() - started)

    async def call(
        self, action: str, payload: Any, timeout: float, message_id: str | None = None
    ) -> Reply:
        message_id = message_id or self.next_id()
        text = json.dumps([2, message_id, action, payload], separators=(",", ":"))
        return await self.call_raw(text, message_id, timeout, action)

    # -- waiting for the peer ----------------------------------------------------------------------

    async def expect_call(
        self,
        predicate: Callable[[CallSeen], bool],
        timeout: float,
        after: int = 0,
    ) -> CallSeen | None:
        """The first CALL of the peer from index `after` on that satisfies `predicate`."""
        try:
            async with asyncio.timeout(timeout), self._call_seen:
                while True:
                    for seen in self.calls[after:]:
                        if predicate(seen):
                            return seen
                    if self.closed.is_set():
                        return None
                    await self._call_seen.wait()
        except TimeoutError:
            return None

    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Whether `condition` holds within `timeout` (False at once if the connection closes);
        checked whenever the peer's CALL, unsolicited answer or CALLRESULTERROR, or a corrupted
        answer of ours is seen."""
        try:
            async with asyncio.timeout(timeout), self._call_seen:
                while not condition():
                    if self.closed.is_set():
                        return False
                    await self._call_seen.wait()
                return True
        except TimeoutError:
            return False

    def corrupt_next_answer(self, predicate: Callable[[CallSeen], bool], payload: Any) -> None:
        """Answer the next CALL of the peer that satisfies `predicate` with CALLRESULT
        `payload` (meant to be invalid), instead of the responder's answer; its id is then
        recorded in `corrupted`."""
        self._corrupt = (predicate, payload)

    def cancel_corruption(self) -> None:
        self._corrupt = None

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        for task in list(self._tasks):
            task.cancel()
        self._on_closed()

    # -- reading ---------------------------------------------------------------------------------

    def _on_closed(self) -> None:
        if not self.closed.is_set():
            self.closed.set()
            self.transcript.add("note", "connection closed")
            self._notify()

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._call_seen:
                self._call_seen.notify_all()

        with contextlib.suppress(RuntimeError):
            self._spawn(wake())

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        async def run() -> None:
            await coroutine

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self) -> None:
        try:
            async for message in self.websocket:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                self.transcript.add("sut->tester", text)
                self._on_frame(text, decode(text))
        except ConnectionClosed:
            pass
        finally:
            self._on_closed()

    def _violation(self, rule: str, detail: str) -> None:
        self.violations.append(
            Violation(rule, detail, time.monotonic(), len(self.transcript.records) - 1)
        )

    def _on_frame(self, text: str, frame: Frame | FrameFault) -> None:
        if isinstance(frame, FrameFault):
            self._violation("well-formed frames", f"{frame.kind}: {frame.reason}")
            self.unsolicited.append(frame)
            return
        if isinstance(frame, CallResult | CallError):
            waiter = self._waiters.pop(frame.message_id, None)
            if waiter is not None and not waiter.future.done():
                waiter.future.set_result(frame)
                if isinstance(frame, CallResult) and waiter.action is not None:
                    self._check_result(frame, waiter.action)
            else:
                self.unsolicited.append(frame)
                self._notify()
            return
        if isinstance(frame, Call):
            self._on_call(frame)
            return
        if self.version.name == "2.1" and isinstance(frame, CallResultError):
            self.result_errors.append(frame)
            self._notify()
            return
        if self.version.name == "2.1" and isinstance(frame, Send):
            self._on_send(frame)
            return
        self._violation(
            "message types of the version",
            f"OCPP {self.version.name} has no such message type: {text[:80]}",
        )

    def _check_result(self, frame: CallResult, action: str) -> None:
        """OCPP 2.1: a CALLRESULT the tester cannot accept is answered with a CALLRESULTERROR,
        as any 2.1 endpoint must (Part 4, CALLRESULTERROR). Judging the CALLRESULT is left to
        the check that made the CALL."""
        spec = self.version.actions.get(action)
        if self.version.name != "2.1" or spec is None or spec.response is None:
            return
        try:
            spec.response.from_json_dict(frame.payload)
        except ValidationError as exc:
            failure = validation_failure(exc)
            code = fault_code(self.version.name, failure.fault) or "GenericError"
            reply = [5, frame.message_id, str(code), failure.description, failure.details]
            self._spawn(self.send_raw(json.dumps(reply, separators=(",", ":"))))

    def _checked_request(self, action: str, payload: Any) -> tuple[Any, str | None]:
        """The generated request of a CALL or SEND of the peer, or why it is not valid."""
        spec = self.version.actions.get(action)
        if spec is None:
            error = f"unknown action {action!r}"
            self._violation("known actions", error)
            return None, error
        if not spec.sent_by(self.role.peer):
            error = f"{action} is not sent by the {self.role.peer}"
            self._violation("role of each action", error)
            return None, error
        try:
            return spec.request.from_json_dict(payload), None
        except ValidationError as exc:
            error = f"invalid {action} request: {validation_failure(exc).description}"
            self._violation("schema-valid requests", error)
            return None, error

    def _on_send(self, frame: Send) -> None:
        spec = self.version.actions.get(frame.action)
        if spec is not None and spec.message_type is not MessageType.SEND:
            self._violation("role of each action", f"{frame.action} is a CALL, sent as SEND")
        request, error = self._checked_request(frame.action, frame.payload)
        seen = CallSeen(
            frame.message_id, frame.action, frame.payload, request, error, time.monotonic(), True
        )
        self.calls.append(seen)
        self._notify()

    def _on_call(self, frame: Call) -> None:
        now = time.monotonic()
        if self._unanswered:
            self._violation(
                "one outstanding CALL",
                f"{frame.action} CALL {frame.message_id!r} sent while CALL "
                f"{sorted(self._unanswered)[0]!r} was still unanswered",
            )
        if frame.message_id in self._peer_ids:
            self._violation("unique message ids", f"message id {frame.message_id!r} reused")
        self._peer_ids.add(frame.message_id)
        request, error = self._checked_request(frame.action, frame.payload)
        seen = CallSeen(frame.message_id, frame.action, frame.payload, request, error, now)
        self.calls.append(seen)
        self._unanswered.add(frame.message_id)
        self._notify()
        self._spawn(self._answer(seen))

    async def _answer(self, seen: CallSeen) -> None:
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        corrupt = self._corrupt
        if corrupt is not None and seen.request is not None and corrupt[0](seen):
            self._corrupt = None
            self.corrupted.append(seen.message_id)
            self._notify()
            self._unanswered.discard(seen.message_id)
            await self.send_raw(json.dumps([3, seen.message_id, corrupt[1]]))
            return
        try:
            if seen.request is None:
                answer: dict[str, Any] | OcppError = OcppError("FormatViolation", seen.error or "")
                spec = self.version.actions.get(seen.action)
                if spec is None or not spec.sent_by(self.role.peer):
                    answer = OcppError("NotSupported", seen.error or "")
            else:
                answer = await self.responder(seen)
        except Exception as exc:  # the tester's own responder failed: say so on the wire
            answer = OcppError("InternalError", f"tester responder failed: {exc!r}"[:255])
        if isinstance(answer, OcppError):
            code = code_for(self.version.name, answer.code)
            text = json.dumps([4, seen.message_id, code, answer.description[:255], answer.details])
        else:
            text = json.dumps([3, seen.message_id, answer], separators=(",", ":"))
        self._unanswered.discard(seen.message_id)
        await self.send_raw(text)


def expected_code(version: str, fault: Any) -> str | None:
    """The code our error-code table gives `fault` in `version` (a thin re-export)."""
    code = fault_code(version, fault)
    return None if code is None else str(code)
