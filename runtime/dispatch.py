"""Dispatch: CALL -> the role's handler -> response -> CALLRESULT (or the right CALLERROR).

The generated per-role handler bases implement `Handler.handle` by calling `on_<action>`
methods; an action without an override raises `OcppError(NotSupported)`. `dispatch` runs one
handler for one `CallReceived` and turns whatever happens into the right core command:

- a response of the action's response class that validates -> CALLRESULT;
- an `OcppError` raised -> that CALLERROR;
- any other exception -> InternalError CALLERROR (the connection stays up);
- an invalid response (wrong class, fails validation) -> InternalError CALLERROR.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.core import CallReceived, Connection, InvalidResponse
from ocppgen.runtime.errors import ErrorCode, OcppError
from ocppgen.runtime.model import OcppModel

__all__ = ["CallContext", "Handler", "HandlerFailed", "complete", "dispatch", "new_context"]


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a handler knows about the CALL it handles besides the request itself."""

    station_id: str
    version: VersionSpec
    role: Role
    message_id: str
    action: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Adapter-specific data (e.g. the remote address, the security profile)."""


_new = object.__new__
_SETTERS = tuple(getattr(CallContext, name).__set__ for name in CallContext.__slots__)


def new_context(
    station_id: str,
    version: VersionSpec,
    role: Role,
    message_id: str,
    action: str,
    extra: Mapping[str, Any],
) -> CallContext:
    """`CallContext(station_id, version, role, message_id, action, extra)`, built in half the
    time: adapters make one per CALL, and a frozen dataclass's `__init__` pays an
    `object.__setattr__` per field. Sets the slots directly, in `__slots__` order."""
    context: CallContext = _new(CallContext)
    station, version_, role_, message, action_, extra_ = _SETTERS
    station(context, station_id)
    version_(context, version)
    role_(context, role)
    message(context, message_id)
    action_(context, action)
    extra_(context, extra)
    return context


class Handler(Protocol):
    """Handles the CALLs one role receives."""

    async def handle(
        self, action: str, request: OcppModel, context: CallContext
    ) -> OcppModel | None:
        """Return the response, or raise `OcppError` for a CALLERROR. For a 2.1 SEND the return
        value is ignored (None is the natural one); for a CALL, None is answered InternalError."""
        ...


@dataclass(frozen=True, slots=True)
class HandlerFailed:
    """The handler raised something other than `OcppError`; InternalError was sent."""

    message_id: str
    action: str
    exception: BaseException


def complete(
    conn: Connection, event: CallReceived, outcome: object
) -> InvalidResponse | HandlerFailed | None:
    """Answer `event` on `conn` from a handler's outcome (its return value or exception).

    Returns None when the outcome went out as intended (a CALLRESULT, or the CALLERROR of an
    `OcppError`), else an event saying why an InternalError was sent instead. If the CALL no
    longer awaits an answer (the connection was closed meanwhile) nothing is sent.
    """
    message_id = event.message_id
    if not conn.awaits_answer(message_id):
        return None
    if isinstance(outcome, OcppError):
        conn.respond_error(message_id, outcome)
        return None
    if isinstance(outcome, BaseException):
        # The exception's text stays local (it may hold internals); the peer learns only
        # that the receiver failed.
        conn.respond_error(
            message_id, OcppError(ErrorCode.INTERNAL_ERROR, f"{event.action} handler failed")
        )
        return HandlerFailed(message_id, event.action, outcome)
    # respond() checks the class itself, so a handler returning None or a dict is caught too
    # (no `cast`: a function call on every CALL).
    return conn.respond(message_id, outcome)  # type: ignore[arg-type]


async def dispatch(
    conn: Connection, handler: Handler, event: CallReceived, context: CallContext
) -> InvalidResponse | HandlerFailed | None:
    """Run `handler` for `event` and answer it on `conn` (see `complete`).

    `asyncio.CancelledError` (and other non-`Exception` BaseExceptions) propagate after the
    CALL is answered with InternalError, so cancelling a dispatch never leaves a CALL hanging.
    """
    try:
        response = await handler.handle(event.action, event.request, context)
    except Exception as exc:
        return complete(conn, event, exc)
    except BaseException as exc:
        complete(conn, event, exc)
        raise
    return complete(conn, event, response)
