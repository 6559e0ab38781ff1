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
- incoming payloads are validated with the version's generated classes, outgoing ones too;
- misuse of the API (answering an id that is not waiting, a message of the wrong class, a
  request that does not validate) raises.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from ocppgen.runtime.actions import ActionSpec, Role, VersionSpec
from ocppgen.runtime.errors import OcppError
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


class Connection:
    """The OCPP-J state of one WebSocket connection, for one version and one local role.

    Parameters:
        version: the negotiated version's actions (e.g. `ocppgen.generated.v201.VERSION`).
        role: the local role; CALLs for actions this role does not receive are answered
            NotSupported, CALLs for actions the version does not know NotImplemented.
        supported: if given, the actions this endpoint handles; CALLs for other actions
            the role could receive are answered NotSupported by the core itself.
        id_factory: makes message ids for outgoing CALLs and SENDs (default: random UUID4).
            Ids must be strings of at most 36 characters, unique on this connection.
        validate_outgoing: validate every outgoing payload against the wire schema before
            sending (default True). A request that fails raises; a response that fails is
            replaced by an InternalError CALLERROR (see `respond`).
    """

    def __init__(
        self,
        version: VersionSpec,
        role: Role,
        *,
        supported: Collection[str] | None = None,
        id_factory: Callable[[], str] | None = None,
        validate_outgoing: bool = True,
    ) -> None:
        raise NotImplementedError

    # -- peer input ------------------------------------------------------------------------

    def receive(self, text: str) -> list[Event]:
        """Process one received text message; never raises on peer input.

        Returns the events it caused (one per message). Automatic replies are queued on
        `outgoing()`.
        """
        raise NotImplementedError

    # -- commands --------------------------------------------------------------------------

    def call(self, request: OcppModel, *, action: str | None = None) -> str:
        """Queue a CALL; returns its message id.

        The action is found from the request's class (pass `action` if a class serves
        several). Raises `ValueError` if this role does not send the action or the action is
        a SEND, `pydantic.ValidationError` if the request does not validate. The frame goes to
        `outgoing()` at once if no CALL of ours awaits an answer, else when its turn comes.
        """
        raise NotImplementedError

    def send(self, request: OcppModel, *, action: str | None = None) -> str:
        """Send a SEND (OCPP 2.1 only; no answer, not subject to the one-CALL rule)."""
        raise NotImplementedError

    def respond(self, message_id: str, response: OcppModel) -> InvalidResponse | None:
        """Answer the CALL `message_id` (from a `CallReceived`) with a CALLRESULT.

        If `response` is not an instance of the action's response class or fails validation,
        an InternalError CALLERROR is sent instead and an `InvalidResponse` is returned.
        Raises `KeyError` if no CALL with this id awaits an answer.
        """
        raise NotImplementedError

    def respond_error(self, message_id: str, error: OcppError) -> None:
        """Answer the CALL `message_id` with a CALLERROR.

        The code is translated to the version's spelling (`errors.code_for`). Raises `KeyError`
        if no CALL with this id awaits an answer.
        """
        raise NotImplementedError

    def timeout(self, message_id: str) -> bool:
        """The adapter's clock says our CALL `message_id` waited too long: forget it.

        Works for the outstanding CALL (the next queued one goes out; a late answer becomes
        `UnexpectedResult`/`UnexpectedError`) and for a CALL still queued (never sent).
        Returns False if the id was not pending (already answered), True otherwise.
        """
        raise NotImplementedError

    def outgoing(self) -> list[str]:
        """Frames to write, in order; each call returns only what was queued since the last."""
        raise NotImplementedError

    def close(self) -> list[str]:
        """The connection is gone: forget all state; returns the ids of our unanswered CALLs
        (outstanding first, then queued in order) so the adapter can fail them."""
        raise NotImplementedError

    # -- state, for adapters and tests ---------------------------------------------------------

    @property
    def version(self) -> VersionSpec:
        raise NotImplementedError

    @property
    def role(self) -> Role:
        raise NotImplementedError

    @property
    def outstanding(self) -> str | None:
        """The id of our CALL that is on the wire and awaits an answer, if any."""
        raise NotImplementedError

    @property
    def queued(self) -> tuple[str, ...]:
        """Ids of our CALLs waiting for their turn, in order."""
        raise NotImplementedError

    @property
    def in_progress(self) -> frozenset[str]:
        """Ids of the peer's CALLs we have received and not yet answered."""
        raise NotImplementedError
