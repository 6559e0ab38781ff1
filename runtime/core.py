"""The sans-IO OCPP-J connection: text in -> events out, commands in -> text out.

One `Connection` per WebSocket. It has no asyncio, no sockets and no clock: the adapter feeds it
every received text message with `receive()`, writes whatever `outgoing()` returns, and owns the
timers (it calls `timeout()` when a CALL has waited too long).

Rules it enforces (OCPP-J 1.6 §4, OCPP 2.0.1/2.1 Part 4 §4):
- one outstanding CALL per direction: `call()` always returns a message id at once, but the frame
  is only put on `outgoing()` when the previous CALL has been answered or timed out;
- peer faults never raise: they become events plus, where the spec says so, an automatic
  CALLERROR (with id "-1" when the id cannot be read); a CALLERROR only ever answers a CALL;
- answers for unknown ids are events (`UnexpectedResult`, `UnexpectedError`), never a crash;
- a CALL reusing the id of a CALL still being processed is answered with an error;
- incoming payloads are validated with the version's generated classes, from the JSON text
  itself where the frame allows it (`frames.split`; any doubt takes the full `decode` path, so
  faults are classified the same either way);
- outgoing messages must be instances of the action's class and serialize cleanly; instances
  are validated when constructed and assigned, so that is all a correct program needs.
  `validate_outgoing=True` also validates every outgoing payload against the wire schema;
- misuse of the API (answering an id that is not waiting, a message of the wrong class, a
  request that does not serialize, or does not validate when asked) raises.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ocppgen.runtime.actions import ActionSpec, MessageType, Role, VersionSpec
from ocppgen.runtime.errors import (
    MAX_DESCRIPTION,
    V21,
    ErrorCode,
    Fault,
    OcppError,
    ValidationFailure,
    code_for,
    fault_code,
    lone_surrogate_failure,
    validation_failure,
    without_lone_surrogates,
)
from ocppgen.runtime.frames import (
    MAX_MESSAGE_ID_LENGTH,
    MAX_NESTING,
    Call,
    CallError,
    CallResult,
    CallResultError,
    FrameFault,
    Send,
    decode,
    encode_call,
    encode_error,
    encode_result,
    nesting_depth,
    split,
)
from ocppgen.runtime.model import OcppModel

__all__ = [
    "CallReceived",
    "Connection",
    "ErrorReceived",
    "Event",
    "InvalidResponse",
    "InvalidResult",
    "ProtocolFault",
    "ResultErrorReceived",
    "ResultReceived",
    "SendReceived",
    "UnexpectedError",
    "UnexpectedResult",
]


# --- events -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallReceived:
    """A valid CALL for an action this endpoint handles. Answer it with `respond` or
    `respond_error` (in any order relative to other CALLs)."""

    message_id: str
    action: str
    spec: ActionSpec
    request: OcppModel


@dataclass(frozen=True, slots=True)
class SendReceived:
    """A valid SEND (OCPP 2.1). Nothing answers it."""

    message_id: str
    action: str
    spec: ActionSpec
    request: OcppModel


@dataclass(frozen=True, slots=True)
class ResultReceived:
    """The valid CALLRESULT to our CALL `message_id`; the next queued CALL (if any) goes out."""

    message_id: str
    action: str
    request: OcppModel
    response: OcppModel


@dataclass(frozen=True, slots=True)
class ErrorReceived:
    """The peer answered our CALL `message_id` with a CALLERROR."""

    message_id: str
    action: str
    request: OcppModel
    code: str
    description: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InvalidResult:
    """The answer to our CALL `message_id` was unusable: a CALLRESULT whose payload failed
    validation, or a malformed CALLRESULT/CALLERROR frame carrying this id.

    `code`, `description` and `details` describe the fault as we would report it. `reply` is the
    CALLRESULTERROR frame sent back (OCPP 2.1, CALLRESULT only), else None (OCPP 2.0.1 and 1.6
    never answer a CALLRESULT). The CALL is finished either way.
    """

    message_id: str
    action: str
    request: OcppModel
    code: str
    description: str
    details: dict[str, Any]
    reply: str | None


@dataclass(frozen=True, slots=True)
class ResultErrorReceived:
    """A CALLRESULTERROR (OCPP 2.1): the peer could not accept our CALLRESULT `message_id`."""

    message_id: str
    code: str
    description: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UnexpectedResult:
    """A CALLRESULT whose id matches no CALL of ours that awaits an answer (late after a
    timeout, duplicated, or invented). Ignored apart from this event."""

    message_id: str
    payload: Any


@dataclass(frozen=True, slots=True)
class UnexpectedError:
    """A CALLERROR whose id matches no CALL of ours that awaits an answer (e.g. id "-1")."""

    message_id: str
    code: str
    description: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ProtocolFault:
    """The peer sent something wrong that is not covered by the events above.

    `fault` names the fault (a `frames.FaultKind` or an `errors.Fault` value), `reason` says
    what was wrong. `code` is the error code it maps to, and `reply` the CALLERROR frame sent
    automatically, or None when nothing was sent (a broken CALLRESULT, CALLERROR or SEND is
    never answered with a CALLERROR; OCPP 1.6 ignores unknown message types).
    """

    fault: str
    reason: str
    message_id: str | None
    code: str | None
    reply: str | None


@dataclass(frozen=True, slots=True)
class InvalidResponse:
    """Returned by `respond`: the response for CALL `message_id` failed validation, so an
    InternalError CALLERROR was sent in its place. `reason` says what was wrong."""

    message_id: str
    action: str
    reason: str


Event = (
    CallReceived
    | SendReceived
    | ResultReceived
    | ErrorReceived
    | InvalidResult
    | ResultErrorReceived
    | UnexpectedResult
    | UnexpectedError
    | ProtocolFault
)
"""What `Connection.receive` can return."""


# --- the connection -------------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    """One of our CALLs: on the wire (outstanding) or waiting for its turn (queued)."""

    message_id: str
    spec: ActionSpec
    request: OcppModel
    frame: str


def _uuid() -> str:
    return str(uuid.uuid4())


_Tables = tuple[
    dict[type[OcppModel], ActionSpec],  # request class -> the action this role sends with it
    dict[str, ActionSpec],  # actions whose CALLs this endpoint accepts (the fast path)
    dict[str, ActionSpec],  # actions whose SENDs it accepts (OCPP 2.1)
]
_TABLES: dict[tuple[int, Role, frozenset[str] | None], tuple[VersionSpec, _Tables]] = {}


def _tables(version: VersionSpec, role: Role, supported: frozenset[str] | None) -> _Tables:
    key = (id(version), role, supported)
    cached = _TABLES.get(key)
    if cached is not None and cached[0] is version:
        return cached[1]
    sends: dict[type[OcppModel], ActionSpec] = {}
    for spec in version.actions.values():
        if spec.sent_by(role):
            sends.setdefault(spec.request, spec)
    accepts = {
        name: spec
        for name, spec in version.actions.items()
        if spec.message_type is MessageType.CALL
        and spec.received_by(role)
        and (supported is None or name in supported)
    }
    accepts_send = {
        name: spec
        for name, spec in version.actions.items()
        if version.name == V21 and spec.message_type is MessageType.SEND and spec.received_by(role)
    }
    tables = (sends, accepts, accepts_send)
    _TABLES[key] = (version, tables)  # holds `version`, so its id is not reused
    return tables


class Connection:
    """The OCPP-J state of one WebSocket connection, for one version and one local role.

    Parameters:
        version: the negotiated version's actions (e.g. `ocppgen.generated.v201.VERSION`);
            `version.name` must be "1.6", "2.0.1" or "2.1".
        role: the local role; CALLs for actions this role does not receive are answered
            NotSupported, CALLs for actions the version does not know NotImplemented.
        supported: if given, the actions this endpoint handles; CALLs for other actions
            the role could receive are answered NotSupported by the core itself.
        id_factory: makes message ids for outgoing CALLs and SENDs (default: random UUID4,
            unique across connections as 2.x Part 4 §4.1.4 asks). Ids must be strings of at
            most 36 characters; the core checks that against the calls still pending.
        validate_outgoing: what is checked before a request or response goes out.
            False (the default): the message must be an instance of the action's class and
            serialize without warnings (`warnings="error"`: a value of the wrong type, e.g. put
            into a list in place, fails). Instances are validated on construction and on
            assignment, so a message built normally is valid; what this does not catch is a
            message built with `model_construct` (the caller's explicit choice to skip
            validation) and a constraint (length, minItems) broken by mutating a list or dict
            in place. True: also validate the encoded payload against the wire schema, as an
            incoming one would be (about 10 us for a TransactionEvent with 5 sampled values,
            1-2 us for a small response, on a 2-core machine). Either way a request that
            fails raises and a response that fails is replaced by an InternalError CALLERROR
            (see `respond`).
    """

    def __init__(
        self,
        version: VersionSpec,
        role: Role,
        *,
        supported: Collection[str] | None = None,
        id_factory: Callable[[], str] | None = None,
        validate_outgoing: bool = False,
    ) -> None:
        code_for(version.name, ErrorCode.GENERIC_ERROR)  # raises for an unknown version name
        self._version = version
        self._name = version.name
        self._role = role
        self._v21 = version.name == V21
        self._actions: Mapping[str, ActionSpec] = version.actions
        self._supported = None if supported is None else frozenset(supported)
        self._new_id = _uuid if id_factory is None else id_factory
        self._validate = validate_outgoing
        # Lookup tables, shared by every connection of the same version, role and `supported`.
        self._sends, self._accepts, self._accepts_send = _tables(version, role, self._supported)
        self._out: list[str] = []
        self._outstanding: _Pending | None = None
        self._queue: list[_Pending] = []  # usually empty; a list is 56 bytes, a deque 600+
        self._incoming: dict[str, ActionSpec] = {}

    # -- peer input ------------------------------------------------------------------------

    def receive(self, text: str) -> list[Event]:
        """Process one received text message; never raises on peer input.

        Returns the events it caused (exactly one per message). Automatic replies are queued
        on `outgoing()`.
        """
        head = split(text)
        if head is not None:
            event = self._fast(*head)
            if event is not None:
                return [event]
        frame = decode(text)
        if type(frame) is Call:
            return [self._on_call(frame)]
        if type(frame) is CallResult:
            return [self._on_result(frame)]
        if type(frame) is CallError:
            return [self._on_error(frame)]
        if type(frame) is Send:
            if not self._v21:
                return [self._unknown_type(6, frame.message_id)]
            return [self._on_send(frame)]
        if type(frame) is CallResultError:
            if not self._v21:
                return [self._unknown_type(5, frame.message_id)]
            return [
                ResultErrorReceived(
                    frame.message_id, frame.error_code, frame.error_description, frame.error_details
                )
            ]
        assert type(frame) is FrameFault
        return [self._on_fault(frame)]

    def _fast(
        self, message_type: int, message_id: str, action: str | None, payload: str
    ) -> Event | None:
        """The common case, validated from the payload's JSON text: a CALL or SEND of an action
        we accept, or the CALLRESULT of our outstanding CALL, whose payload validates. Returns
        None for anything else (before changing any state); `receive` then takes the full path,
        which classifies the fault exactly. Validation from JSON text rejects trailing
        characters, so a payload that validates proves the frame is well-formed."""
        if message_type == 3:
            pending = self._outstanding
            if pending is None or pending.message_id != message_id:
                return None
            response_class = pending.spec.response
            assert response_class is not None
            try:
                response = _from_json(response_class, payload)
            except (ValueError, TypeError, RecursionError):  # ValidationError is a ValueError
                return None
            self._advance()
            return ResultReceived(message_id, pending.spec.action, pending.request, response)
        assert action is not None
        if message_type == 2:
            spec = self._accepts.get(action)
            if spec is None or message_id in self._incoming:
                return None
            try:
                request = _from_json(spec.request, payload)
            except (ValueError, TypeError, RecursionError):
                return None
            self._incoming[message_id] = spec
            return CallReceived(message_id, action, spec, request)
        spec = self._accepts_send.get(action)  # a SEND: OCPP 2.1 only, else the table is empty
        if spec is None:
            return None
        try:
            request = _from_json(spec.request, payload)
        except (ValueError, TypeError, RecursionError):
            return None
        return SendReceived(message_id, action, spec, request)

    def _on_call(self, frame: Call) -> Event:
        message_id, action = frame.message_id, frame.action
        if message_id in self._incoming:
            return self._refuse(
                Fault.DUPLICATE_ID,
                message_id,
                f"a CALL with id {message_id!r} is still being processed",
            )
        spec = self._actions.get(action)
        if spec is None:
            fault, reason = self._unknown(action)
            return self._refuse(fault, message_id, reason)
        if (
            spec.message_type is not MessageType.CALL
            or not spec.received_by(self._role)
            or (self._supported is not None and action not in self._supported)
        ):
            return self._refuse(
                Fault.NOT_SUPPORTED, message_id, f"{action} is not supported by this {self._role}"
            )
        request = _validate(spec.request, frame.payload)
        if type(request) is ValidationFailure:
            return self._refuse(request.fault, message_id, request.description, request.details)
        assert isinstance(request, OcppModel)
        self._incoming[message_id] = spec
        return CallReceived(message_id, action, spec, request)

    def _unknown(self, action: str) -> tuple[Fault, str]:
        """An action outside `version.actions`: NotSupported if the version has it but this
        (vendor subset) package left it out, else NotImplemented (Part 4: not known)."""
        if action in self._version.left_out:
            return Fault.NOT_SUPPORTED, f"{action} is not in this package's subset of the spec"
        return Fault.UNKNOWN_ACTION, f"OCPP {self._name} has no action {action!r}"

    def _on_send(self, frame: Send) -> Event:
        spec = self._actions.get(frame.action)
        fault: Fault | None = None
        if spec is None:
            fault, reason = self._unknown(frame.action)
        elif spec.message_type is not MessageType.SEND or not spec.received_by(self._role):
            fault, reason = Fault.NOT_SUPPORTED, f"{frame.action} is not a SEND to {self._role}"
        else:
            request = _validate(spec.request, frame.payload)
            if type(request) is not ValidationFailure:
                assert isinstance(request, OcppModel)
                return SendReceived(frame.message_id, frame.action, spec, request)
            fault, reason = request.fault, request.description
        # Part 4 §4.2.4: the receiver SHALL NOT answer a SEND, not even with a CALLERROR.
        return ProtocolFault(fault, reason, frame.message_id, fault_code(self._name, fault), None)

    def _on_result(self, frame: CallResult) -> Event:
        pending = self._outstanding
        if pending is None or pending.message_id != frame.message_id:
            return UnexpectedResult(frame.message_id, frame.payload)
        response_class = pending.spec.response
        assert response_class is not None  # only CALL actions become pending
        response = _validate(response_class, frame.payload)
        if type(response) is ValidationFailure:
            return self._invalid_result(
                pending, response.fault, response.description, response.details, answer=True
            )
        assert isinstance(response, OcppModel)
        self._advance()
        return ResultReceived(pending.message_id, pending.spec.action, pending.request, response)

    def _on_error(self, frame: CallError) -> Event:
        pending = self._outstanding
        if pending is None or pending.message_id != frame.message_id:
            return UnexpectedError(
                frame.message_id, frame.error_code, frame.error_description, frame.error_details
            )
        self._advance()
        return ErrorReceived(
            pending.message_id,
            pending.spec.action,
            pending.request,
            frame.error_code,
            frame.error_description,
            frame.error_details,
        )

    def _on_fault(self, fault: FrameFault) -> Event:
        message_type, message_id = fault.message_type, fault.message_id
        kind = Fault(fault.kind.value)
        if kind is Fault.UNKNOWN_MESSAGE_TYPE or (message_type in (5, 6) and not self._v21):
            return self._unknown_type(message_type, message_id)
        if message_type in (3, 4, 5, 6):
            # A broken answer (or SEND) is never answered with a CALLERROR. If it carries the
            # id of our outstanding CALL, that CALL is finished: waiting for a timeout would
            # not bring a better answer.
            pending = self._outstanding
            if message_type in (3, 4) and pending is not None and pending.message_id == message_id:
                return self._invalid_result(
                    pending, kind, fault.reason, {}, answer=message_type == 3
                )
            return ProtocolFault(kind, fault.reason, message_id, fault_code(self._name, kind), None)
        # A CALL, or a message whose type could not be read: answer with a CALLERROR, with
        # id "-1" when the id could not be read (Part 4 §4.2.3).
        return self._refuse(kind, "-1" if message_id is None else message_id, fault.reason)

    def _unknown_type(self, message_type: int | None, message_id: str | None) -> Event:
        reason = f"MessageTypeId {message_type} is not supported in OCPP {self._name}"
        code = fault_code(self._name, Fault.UNKNOWN_MESSAGE_TYPE)
        if code is None:  # 1.6 §4.1.3, 2.1 Part 4 §4.4: ignore it
            return ProtocolFault(Fault.UNKNOWN_MESSAGE_TYPE, reason, message_id, None, None)
        return self._refuse(
            Fault.UNKNOWN_MESSAGE_TYPE, "-1" if message_id is None else message_id, reason
        )

    def _refuse(
        self,
        fault: Fault,
        message_id: str,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> ProtocolFault:
        """Answer a CALL (or an unreadable message) with the CALLERROR `fault` maps to."""
        code = fault_code(self._name, fault)
        assert code is not None
        reply = encode_error(4, message_id, code, reason[:MAX_DESCRIPTION], details or {})
        self._out.append(reply)
        return ProtocolFault(fault, reason, message_id, code, reply)

    def _invalid_result(
        self,
        pending: _Pending,
        fault: Fault,
        reason: str,
        details: dict[str, Any],
        *,
        answer: bool,
    ) -> InvalidResult:
        code = fault_code(self._name, fault) or ErrorCode.GENERIC_ERROR
        reply = None
        if answer and self._v21:  # OCPP 2.1 Part 2 FR.06: answer with CALLRESULTERROR
            reply = encode_error(5, pending.message_id, code, reason[:MAX_DESCRIPTION], details)
            self._out.append(reply)
        self._advance()  # after the CALLRESULTERROR, which answers an earlier message
        return InvalidResult(
            pending.message_id, pending.spec.action, pending.request, code, reason, details, reply
        )

    def _advance(self) -> None:
        """Our outstanding CALL is finished: the next queued one (if any) goes out."""
        if self._queue:
            pending = self._queue.pop(0)
            self._outstanding = pending
            self._out.append(pending.frame)
        else:
            self._outstanding = None

    # -- commands --------------------------------------------------------------------------

    def call(self, request: OcppModel, *, action: str | None = None) -> str:
        """Queue a CALL; returns its message id.

        The action is found from the request's class (pass `action` if a class serves
        several). Raises `ValueError` if this role does not send the action by CALL,
        `pydantic.ValidationError` if the request does not validate, `ValueError` if the
        id factory gives an unusable id. The frame goes to `outgoing()` at once if no CALL of
        ours awaits an answer, else when its turn comes (Part 4 §4.1.1).
        """
        spec = self._outgoing_spec(request, action, MessageType.CALL)
        payload = self._encode_request(request, spec)
        message_id = self._next_id()
        pending = _Pending(
            message_id, spec, request, encode_call(2, message_id, spec.action, payload)
        )
        if self._outstanding is None:
            self._outstanding = pending
            self._out.append(pending.frame)
        else:
            self._queue.append(pending)
        return message_id

    def send(self, request: OcppModel, *, action: str | None = None) -> str:
        """Send a SEND (OCPP 2.1 only; no answer, not subject to the one-CALL rule)."""
        if not self._v21:
            raise ValueError(f"OCPP {self._name} has no SEND messages")
        spec = self._outgoing_spec(request, action, MessageType.SEND)
        payload = self._encode_request(request, spec)
        message_id = self._next_id()
        self._out.append(encode_call(6, message_id, spec.action, payload))
        return message_id

    def _outgoing_spec(
        self, request: OcppModel, action: str | None, message_type: MessageType
    ) -> ActionSpec:
        if action is None:
            spec = self._sends.get(type(request))
            if spec is None:
                raise ValueError(
                    f"{self._role} sends no OCPP {self._name} action with {type(request).__name__}"
                )
            if spec.message_type is message_type:
                return spec  # the table holds only actions this role sends
        else:
            found = self._actions.get(action)
            if found is None:
                raise ValueError(f"OCPP {self._name} has no action {action!r}")
            spec = found
            if type(request) is not spec.request:
                raise ValueError(
                    f"{action} takes {spec.request.__name__}, not {type(request).__name__}"
                )
        if not spec.sent_by(self._role):
            raise ValueError(f"{self._role} does not send {spec.action}")
        if spec.message_type is not message_type:
            raise ValueError(f"{spec.action} is a {spec.message_type}, not a {message_type}")
        return spec

    def _encode_request(self, request: OcppModel, spec: ActionSpec) -> str:
        payload = _to_json(request)
        if self._validate:
            spec.request.from_json(payload)  # raises ValidationError
        return payload

    def _next_id(self) -> str:
        message_id = self._new_id()
        if type(message_id) is not str or len(message_id) > MAX_MESSAGE_ID_LENGTH:
            raise ValueError(f"message id {message_id!r} is not a string of at most 36 characters")
        if (self._outstanding is not None and self._outstanding.message_id == message_id) or (
            self._queue and any(p.message_id == message_id for p in self._queue)
        ):
            raise ValueError(f"message id {message_id!r} is already in use")
        return message_id

    def respond(self, message_id: str, response: OcppModel) -> InvalidResponse | None:
        """Answer the CALL `message_id` (from a `CallReceived`) with a CALLRESULT.

        If `response` is not an instance of the action's response class or fails validation,
        an InternalError CALLERROR is sent instead and an `InvalidResponse` is returned.
        Raises `KeyError` if no CALL with this id awaits an answer.
        """
        spec = self._incoming.pop(message_id)
        response_class = spec.response
        assert response_class is not None
        reason = None
        if type(response) is not response_class:
            reason = (
                f"{spec.action} must be answered with {response_class.__name__}, "
                f"not {type(response).__name__}"
            )
        else:
            try:
                payload = _to_json(response)
                if self._validate:
                    response_class.from_json(payload)
            except (ValueError, TypeError) as exc:  # ValidationError, serialization errors
                reason = f"invalid {response_class.__name__}: {exc}"
        if reason is not None:
            code = fault_code(self._name, Fault.INVALID_RESPONSE)
            assert code is not None
            self._out.append(
                encode_error(4, message_id, code, f"invalid {spec.action} response", {})
            )
            return InvalidResponse(message_id, spec.action, reason)
        self._out.append(encode_result(message_id, payload))
        return None

    def respond_error(self, message_id: str, error: OcppError) -> None:
        """Answer the CALL `message_id` with a CALLERROR.

        The code is translated to the version's spelling (`errors.code_for`), the description
        cut to 255 characters; details that are not JSON become {}. Raises `KeyError` if no
        CALL with this id awaits an answer.
        """
        del self._incoming[message_id]
        code = code_for(self._name, error.code)
        description = str(error.description)[:MAX_DESCRIPTION]
        try:
            frame = encode_error(4, message_id, code, description, dict(error.details))
        except (TypeError, ValueError, RecursionError):
            frame = encode_error(4, message_id, code, description, {})
        self._out.append(frame)

    def timeout(self, message_id: str) -> bool:
        """The adapter's clock says our CALL `message_id` waited too long: forget it.

        Works for the outstanding CALL (the next queued one goes out; a late answer becomes
        `UnexpectedResult`/`UnexpectedError`) and for a CALL still queued (never sent).
        Returns False if the id was not pending (already answered), True otherwise.
        """
        if self._outstanding is not None and self._outstanding.message_id == message_id:
            self._advance()
            return True
        for pending in self._queue:
            if pending.message_id == message_id:
                self._queue.remove(pending)
                return True
        return False

    def outgoing(self) -> list[str]:
        """Frames to write, in order; each call returns only what was queued since the last."""
        out, self._out = self._out, []
        return out

    def close(self) -> list[str]:
        """The connection is gone: forget all state; returns the ids of our unanswered CALLs
        (outstanding first, then queued in order) so the adapter can fail them."""
        ids = [] if self._outstanding is None else [self._outstanding.message_id]
        ids.extend(p.message_id for p in self._queue)
        self._outstanding = None
        self._queue.clear()
        self._incoming.clear()
        self._out.clear()
        return ids

    # -- state, for adapters and tests ---------------------------------------------------------

    @property
    def version(self) -> VersionSpec:
        return self._version

    @property
    def role(self) -> Role:
        return self._role

    @property
    def outstanding(self) -> str | None:
        """The id of our CALL that is on the wire and awaits an answer, if any."""
        return None if self._outstanding is None else self._outstanding.message_id

    @property
    def queued(self) -> tuple[str, ...]:
        """Ids of our CALLs waiting for their turn, in order."""
        return tuple(p.message_id for p in self._queue)

    def awaits_answer(self, message_id: str) -> bool:
        """True if the peer's CALL `message_id` was received and is not answered yet (what
        `message_id in in_progress` says, without building the set)."""
        return message_id in self._incoming

    @property
    def in_progress(self) -> frozenset[str]:
        """Ids of the peer's CALLs we have received and not yet answered."""
        return frozenset(self._incoming)


def _to_json(message: OcppModel) -> str:
    """`message.to_json()`, except that a value of the wrong type raises instead of warning.

    Calls the serializer that `model_dump_json` wraps: the same result, without its Python
    frame and its dozen default keywords (0.5 us per message)."""
    return message.__pydantic_serializer__.to_json(
        message, by_alias=True, exclude_none=True, warnings="error"
    ).decode()


def _from_json(cls: type[OcppModel], payload: str) -> OcppModel:
    """`cls.from_json(payload)`: the validator `model_validate_json` wraps, called directly
    (the same checks, without the wrapper's Python frame). Raises `ValidationError`."""
    model: OcppModel = cls.__pydantic_validator__.validate_json(
        payload, by_alias=True, by_name=False
    )
    return model


def _validate(cls: type[OcppModel], payload: Any) -> OcppModel | ValidationFailure:
    """Validate decoded JSON as `cls` exactly as the wire schema would; never raises."""
    try:
        return cls.from_json_dict(payload)
    except ValidationError as exc:
        failure = validation_failure(exc)
    except (ValueError, TypeError, RecursionError) as exc:  # defensive: validators' own bugs
        failure = ValidationFailure(Fault.OTHER_INVALID, f"invalid payload: {exc}"[:255], {})
    if failure.fault is Fault.OTHER_INVALID:  # e.g. pydantic's parser refused the JSON text
        return _unparsable(cls, payload) or failure
    return failure


def _unparsable(cls: type[OcppModel], payload: Any) -> ValidationFailure | None:
    """Why decoded JSON that Python's json read fails pydantic's JSON parser, if it is one of
    the two reasons we know: nesting beyond MAX_NESTING or a lone surrogate in a string."""
    depth = nesting_depth(payload)
    if depth > MAX_NESTING:
        reason = f"payload: a value nested {depth} levels deep; at most {MAX_NESTING} are accepted"
        return ValidationFailure(Fault.TOO_DEEP, reason, {})
    rest = None
    try:
        cls.from_json_dict(without_lone_surrogates(payload))
    except ValidationError as exc:
        rest = validation_failure(exc)
    return lone_surrogate_failure(payload, rest)
