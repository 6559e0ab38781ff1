"""`ocppgen validate --capture` (ocppgen/validate.py): check a frame log (runtime/capture.py),
connection by connection, against OCPP-J's rules, with the runtime's own decoder, validation
and error codes:

- framing: every frame decodes (`frames.decode`), and its MessageTypeId exists in the version;
- actions: known in the version, sent by the role that may send them, as CALL or SEND;
- correlation: every CALLRESULT/CALLERROR answers an outstanding CALL of the other direction
  (a CALLERROR with id "-1" answers a frame whose id could not be read), a CALLRESULTERROR
  (2.1) a CALLRESULT; no CALL reuses the id of a CALL still waiting;
- one outstanding CALL per direction (OCPP-J 1.6 §4.1.1, 2.x Part 4 §4.1.1);
- every payload (request, response, SEND) as `validate.judge` judges it;
- error codes: a CALLERROR's code is one the version defines.

CALLs still unanswered at the end are listed but are no problem (a capture may end anywhere).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ocppgen.runtime.actions import ActionSpec, MessageType, Role, VersionSpec
from ocppgen.runtime.capture import Record, parse_record
from ocppgen.runtime.errors import V21, Fault, code_for, fault_code
from ocppgen.runtime.frames import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    FrameFault,
    Send,
    decode,
)
from ocppgen.runtime.validate import Verdict, answer, error_lines, judge

_NAMES = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR", 5: "CALLRESULTERROR", 6: "SEND"}


@dataclass
class _Waiting:
    message_id: str
    action: str
    spec: ActionSpec | None
    line: int


@dataclass
class _Connection:
    """One connection's state; `waiting[d]` holds the CALLs sent in direction d."""

    version: VersionSpec
    role: Role
    waiting: dict[str, dict[str, _Waiting]] = field(default_factory=lambda: {"in": {}, "out": {}})
    answered: dict[str, set[str]] = field(default_factory=lambda: {"in": set(), "out": set()})


@dataclass
class _Report:
    file: str
    lines: list[str] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    frames: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0

    def problem(self, kind: str, where: str, text: str, more: list[str] | None = None) -> None:
        self.problems[kind] += 1
        self.lines.append(f"{where}: {kind}: {text}")
        self.lines.extend(more or [])


_OTHER = {"in": "out", "out": "in"}


def check_capture(path: Path, load_version: Callable[[str], VersionSpec]) -> int:
    """Check the frame log at `path` (versions found with `load_version`, e.g. "2.0.1" ->
    the generated `VERSION`; ValueError for an unknown one), print the findings and a summary;
    the exit status: 0 clean, 1 problems, 2 unreadable lines or file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        print(f"ocppgen validate: error: cannot read {path}: {reason}", file=sys.stderr)
        return 2
    report = _Report(str(path))
    connections: dict[tuple[str, str, str], _Connection] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = parse_record(line)
            key = (record.connection, record.version, record.role)
            if key not in connections:
                connections[key] = _Connection(load_version(record.version), Role(record.role))
        except ValueError as exc:
            report.unreadable += 1
            report.lines.append(f"{where}: not a frame-log record: {exc}")
            continue
        _Checker(
            report,
            connections[key],
            record,
            f"{where}: {record.connection} {record.direction}",
            number,
        ).run()
    _finish(report, connections)
    print("\n".join(report.lines + _summary(report, len(connections))))
    if report.unreadable:
        return 2
    return 1 if report.problems else 0


def _finish(report: _Report, connections: dict[tuple[str, str, str], _Connection]) -> None:
    for (name, _, _), conn in sorted(connections.items()):
        for direction in ("in", "out"):
            for waiting in conn.waiting[direction].values():
                report.lines.append(
                    f"{report.file}:{waiting.line}: {name} {direction}: note: {waiting.action} "
                    f"CALL {waiting.message_id!r} has no answer in the capture"
                )


def _summary(report: _Report, connections: int) -> list[str]:
    frames = ", ".join(f"{count} {kind}" for kind, count in sorted(report.frames.items()))
    total = sum(report.problems.values())
    lines = [
        f"{report.file}: {sum(report.frames.values())} frames on {connections} connection(s)"
        + (f" ({frames})" if frames else ""),
        f"{total} problem(s)"
        + (
            ": " + ", ".join(f"{k} {v}" for k, v in sorted(report.problems.items()))
            if total
            else ""
        ),
    ]
    if report.unreadable:
        lines.append(f"{report.unreadable} line(s) are not frame-log records")
    return lines


@dataclass
class _Checker:
    """One record checked against its connection's state."""

    report: _Report
    conn: _Connection
    record: Record
    where: str
    line: int

    @property
    def _version(self) -> str:
        return self.conn.version.name

    @property
    def _sender(self) -> Role:
        role = self.conn.role
        return role if self.record.direction == "out" else role.peer

    def _problem(self, kind: str, text: str, more: list[str] | None = None) -> None:
        self.report.problem(kind, self.where, text, more)

    def run(self) -> None:
        frame = decode(self.record.text)
        if isinstance(frame, FrameFault):
            self.report.frames["undecodable"] += 1
            code = fault_code(self._version, Fault(frame.kind.value))
            self._problem("framing", f"{frame.reason}; the receiver answers {code or 'nothing'}")
            return
        kind = _NAMES[_type_of(frame)]
        self.report.frames[kind] += 1
        if isinstance(frame, (Send, CallResultError)) and self._version != V21:
            code = fault_code(self._version, Fault.UNKNOWN_MESSAGE_TYPE)
            self._problem(
                "framing",
                f"{kind} does not exist in OCPP {self._version}; "
                f"the receiver answers {code or 'nothing'}",
            )
            return
        if isinstance(frame, Call):
            self._call(frame)
        elif isinstance(frame, Send):
            self._send(frame)
        elif isinstance(frame, CallResult):
            self._result(frame)
        elif isinstance(frame, CallError):
            self._error(frame)
        else:
            self._result_error(frame)

    def _action(self, action: str, wanted: MessageType) -> ActionSpec | None:
        """The action's spec, or None after reporting why the receiver refuses it."""
        spec = self.conn.version.actions.get(action)
        if spec is None:
            code = fault_code(self._version, Fault.UNKNOWN_ACTION)
            self._problem(
                "action",
                f"OCPP {self._version} has no action {action!r}; the receiver answers {code}",
            )
            return None
        if spec.message_type is not wanted or not spec.sent_by(self._sender):
            code = fault_code(self._version, Fault.NOT_SUPPORTED)
            self._problem(
                "action",
                f"{action} is not a {wanted} the {self._sender} sends; the receiver answers {code}",
            )
            return None
        return spec

    def _call(self, frame: Call) -> None:
        direction = self.record.direction
        waiting = self.conn.waiting[direction]
        if frame.message_id in waiting:
            code = fault_code(self._version, Fault.DUPLICATE_ID)
            self._problem(
                "correlation",
                f"CALL {frame.message_id!r} reuses the id of the CALL of line "
                f"{waiting[frame.message_id].line}, still unanswered; the receiver answers {code}",
            )
            return
        if waiting:
            earlier = next(iter(waiting.values()))
            self._problem(
                "outstanding",
                f"{frame.action} CALL {frame.message_id!r} sent while {earlier.action} CALL "
                f"{earlier.message_id!r} (line {earlier.line}) awaits its answer: one "
                "outstanding CALL per direction",
            )
        spec = self._action(frame.action, MessageType.CALL)
        waiting[frame.message_id] = _Waiting(frame.message_id, frame.action, spec, self.line)
        if spec is not None:
            self._payload(
                judge(spec.request, frame.payload, self._version), spec.request.__name__, False
            )

    def _send(self, frame: Send) -> None:
        spec = self._action(frame.action, MessageType.SEND)
        if spec is not None:
            verdict = judge(spec.request, frame.payload, self._version)
            self._payload(verdict, spec.request.__name__, False, one_way=True)

    def _answered(self, message_id: str, kind: str) -> _Waiting | None:
        """The CALL of the other direction that this frame answers, taken off the waiting list."""
        other = _OTHER[self.record.direction]
        waiting = self.conn.waiting[other].pop(message_id, None)
        if waiting is None:
            self._problem(
                "correlation", f"{kind} {message_id!r} answers no outstanding CALL of the peer"
            )
            return None
        self.conn.answered[other].add(message_id)
        return waiting

    def _result(self, frame: CallResult) -> None:
        waiting = self._answered(frame.message_id, "CALLRESULT")
        if waiting is None or waiting.spec is None or waiting.spec.response is None:
            return
        cls = waiting.spec.response
        self._payload(judge(cls, frame.payload, self._version), cls.__name__, True)

    def _error(self, frame: CallError) -> None:
        if frame.message_id != "-1":  # "-1" answers a frame whose id could not be read
            self._answered(frame.message_id, "CALLERROR")
        if code_for(self._version, frame.error_code) != frame.error_code:
            self._problem(
                "error-code",
                f"CALLERROR code {frame.error_code!r} is not an OCPP {self._version} error code",
            )

    def _result_error(self, frame: CallResultError) -> None:
        # The CALL's sender refuses the CALLRESULT it got: a CALL of this direction, answered.
        if frame.message_id not in self.conn.answered[self.record.direction]:
            self._problem(
                "correlation",
                f"CALLRESULTERROR {frame.message_id!r} follows no CALLRESULT to a CALL of ours",
            )

    def _payload(self, verdict: Verdict, name: str, response: bool, one_way: bool = False) -> None:
        if verdict.valid:
            return
        text = f"invalid {name}: " + answer(verdict, self._version, response, one_way)
        self._problem("payload", text, error_lines(verdict, "    "))


def _type_of(frame: Call | CallResult | CallError | CallResultError | Send) -> int:
    return {Call: 2, CallResult: 3, CallError: 4, CallResultError: 5, Send: 6}[type(frame)]
