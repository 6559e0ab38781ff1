"""The asyncio side of one OCPP-J connection: a `websockets` connection driving a core `Connection`.

`OcppConnection` is what both adapters (the CSMS server and the Charging Station client) hand to
the application. It owns everything the sans-IO core leaves out:

- reading: one loop (`run`) feeds every received text message to `core.receive` and acts on the
  events; frames the core queues (answers, automatic CALLERRORs, the next queued CALL) are
  written in the order the core produced them;
- handling: each received CALL runs the role's `Handler` (via `dispatch`) in its own task, so a
  handler may itself `await conn.call(...)` towards the peer without blocking the reader;
- calling: `await conn.call(request)` returns the typed response. A CALLERROR raises
  `RemoteCallError` (code, description, details), an invalid CALLRESULT `InvalidResultError`,
  no answer in time `CallTimeout`, a lost connection `Disconnected`;
- the clock: the call timeout (OCPP `MessageTimeout`) runs from the moment the CALL frame is on
  the wire; a CALL queued behind another (one outstanding CALL per direction) starts its clock
  when its turn comes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Coroutine, Generator, Mapping
from typing import Any, Final

from websockets.asyncio.connection import Connection as WebSocket
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from ocppgen.runtime.actions import VersionSpec
from ocppgen.runtime.core import (
    CallReceived,
    Connection,
    ErrorReceived,
    Event,
    InvalidResponse,
    InvalidResult,
    ResultReceived,
    SendReceived,
)
from ocppgen.runtime.dispatch import CallContext, Handler, HandlerFailed, dispatch
from ocppgen.runtime.errors import CallTimeout, InvalidResultError, RemoteCallError
from ocppgen.runtime.model import OcppModel

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "Disconnected",
    "EventObserver",
    "OcppConnection",
    "message_ids",
]

logger = logging.getLogger("ocppgen.runtime")

DEFAULT_CALL_TIMEOUT: Final = 30.0
"""Seconds to wait for the answer to a CALL (OCPP 2.x `OCPPCommCtrlr.MessageTimeout` default)."""

EventObserver = Callable[["OcppConnection", Event | InvalidResponse | HandlerFailed], None]
"""Told about what the application does not see through `call` or its handler: protocol faults,
late or unknown answers, invalid responses of our own handlers, handler crashes."""


def message_ids() -> Callable[[], str]:
    """Message ids for one connection: "1", "2", ... (unique per sender per connection, which
    is what OCPP-J asks; cheaper than a UUID per CALL)."""
    return map(str, itertools.count(1)).__next__


class Disconnected(ConnectionError):
    """The connection closed before our CALL was answered (or was already closed)."""


class _Pending:
    __slots__ = ("action", "future", "timeout")

    def __init__(self, future: asyncio.Future[OcppModel], action: str, timeout: float) -> None:
        self.future = future
        self.action = action
        self.timeout = timeout


class OcppConnection:
    """One live OCPP-J connection, either end. Created by `CsmsServer` and `StationClient`."""

    __slots__ = (
        "__weakref__",
        "_armed",
        "_closed",
        "_context_extra",
        "_core",
        "_handler",
        "_loop",
        "_observer",
        "_pending",
        "_send_lock",
        "_tasks",
        "_timer",
        "call_timeout",
        "identity",
        "websocket",
    )

    def __init__(
        self,
        websocket: WebSocket,
        core: Connection,
        handler: Handler | None,
        *,
        identity: str,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        extra: Mapping[str, Any] | None = None,
        observer: EventObserver | None = None,
    ) -> None:
        self.websocket = websocket
        self.identity = identity
        self.call_timeout = call_timeout
        self._core = core
        self._handler = handler
        self._observer = observer
        self._context_extra: Mapping[str, Any] = extra if extra is not None else {}
        self._loop = asyncio.get_running_loop()
        self._pending: dict[str, _Pending] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._send_lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._armed: str | None = None
        self._closed = False

    # -- what the application uses -----------------------------------------------------------

    @property
    def version(self) -> VersionSpec:
        """The negotiated OCPP version."""
        return self._core.version

    @property
    def subprotocol(self) -> str:
        return self._core.version.subprotocol

    @property
    def core(self) -> Connection:
        """The sans-IO connection state (for inspection; drive it only through this object)."""
        return self._core

    @property
    def closed(self) -> bool:
        return self._closed

    async def call(
        self, request: OcppModel, *, action: str | None = None, timeout: float | None = None
    ) -> OcppModel:
        """Send a CALL and return the peer's validated response (an instance of the action's
        response class).

        Raises `RemoteCallError` for a CALLERROR, `InvalidResultError` for a CALLRESULT that
        fails validation, `CallTimeout` when no answer comes within `timeout` seconds of the CALL
        going out (default `call_timeout`), `Disconnected` when the connection is or gets closed.
        A request the core refuses (wrong direction, fails validation) raises before anything is
        sent. Cancelling the awaiting task abandons the CALL (a late answer is then ignored).
        """
        if self._closed:
            raise Disconnected(f"connection to {self.identity} is closed")
        message_id = self._core.call(request, action=action)
        future: asyncio.Future[OcppModel] = self._loop.create_future()
        self._pending[message_id] = _Pending(
            future,
            action or _action_of(self._core.version, request),
            self.call_timeout if timeout is None else timeout,
        )
        self._arm()
        try:
            await self._flush()
            return await future
        except asyncio.CancelledError:
            if self._pending.pop(message_id, None) is not None and not self._closed:
                self._core.timeout(message_id)
                self._arm()
                self._flush_soon()
            raise

    async def send(self, request: OcppModel, *, action: str | None = None) -> None:
        """Send an OCPP 2.1 SEND (one-way; no answer)."""
        if self._closed:
            raise Disconnected(f"connection to {self.identity} is closed")
        self._core.send(request, action=action)
        await self._flush()

    async def close(self, code: int = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the WebSocket; pending calls fail with `Disconnected`."""
        await self.websocket.close(code, reason)
        self._shutdown()

    async def wait_closed(self) -> None:
        await self.websocket.wait_closed()

    async def drain(self) -> None:
        """Wait until every CALL received so far has been handled and answered."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- the reader ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Read until the connection closes; then fail whatever is pending."""
        websocket = self.websocket
        receive = self._core.receive
        try:
            while True:
                message = await websocket.recv()
                if not isinstance(message, str):
                    # OCPP-J is JSON in text frames (OCPP-J 1.6 §4.1.3, 2.x Part 4 §3.1.2).
                    await websocket.close(CloseCode.UNSUPPORTED_DATA, "OCPP-J uses text frames")
                    break
                for event in receive(message):
                    self._on_event(event)
                await self._flush()
        except ConnectionClosed:
            pass
        finally:
            self._shutdown()

    def _on_event(self, event: Event) -> None:
        kind = type(event)
        if kind is CallReceived or kind is SendReceived:
            assert isinstance(event, CallReceived | SendReceived)
            self._start_handler(event)
        elif kind is ResultReceived:
            assert isinstance(event, ResultReceived)
            pending = self._pending.pop(event.message_id, None)
            self._arm()
            if pending is not None and not pending.future.done():
                pending.future.set_result(event.response)
        elif kind is ErrorReceived:
            assert isinstance(event, ErrorReceived)
            self._fail(
                event.message_id,
                RemoteCallError(event.code, event.description, event.details),
            )
        elif kind is InvalidResult:
            assert isinstance(event, InvalidResult)
            self._fail(
                event.message_id,
                InvalidResultError(event.code, event.description, event.details),
            )
            self._observe(event)
        else:
            self._observe(event)

    def _fail(self, message_id: str, error: BaseException) -> None:
        pending = self._pending.pop(message_id, None)
        self._arm()
        if pending is not None and not pending.future.done():
            pending.future.set_exception(error)

    def _observe(self, event: Event | InvalidResponse | HandlerFailed) -> None:
        if self._observer is not None:
            try:
                self._observer(self, event)
            except Exception:
                logger.exception("event observer failed for %s", self.identity)
        else:
            logger.debug("%s: %r", self.identity, event)

    # -- handlers -----------------------------------------------------------------------------

    def _start_handler(self, event: CallReceived | SendReceived) -> None:
        # Run the handler eagerly, inside the reader's step: most handlers answer without ever
        # suspending, and then no task is created and the answer goes out at once. A handler
        # that suspends (awaits I/O, or calls the peer) continues in a task of its own, so the
        # reader is never blocked by it.
        coroutine = self._handle(event)
        try:
            yielded = coroutine.send(None)
        except StopIteration:
            return
        except Exception:
            logger.exception("%s: handling %s failed", self.identity, event.action)
            return
        task = self._loop.create_task(_resume(coroutine, yielded))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, event: CallReceived | SendReceived) -> None:
        context = CallContext(
            station_id=self.identity,
            version=self._core.version,
            role=self._core.role,
            message_id=event.message_id,
            action=event.action,
            extra=self._context_extra,
        )
        handler = self._handler
        if isinstance(event, SendReceived):
            if handler is not None:
                try:
                    await handler.handle(event.action, event.request, context)
                except Exception as error:
                    self._observe(HandlerFailed(event.message_id, event.action, error))
            return
        if handler is None:  # the core was built with supported=() and answers by itself
            return
        try:
            outcome = await dispatch(self._core, handler, event, context)
        except (KeyError, asyncio.CancelledError):
            if self._closed:  # the connection went away while the handler ran
                return
            raise
        if outcome is not None:
            self._observe(outcome)
        await self._flush()

    # -- writing and the clock ----------------------------------------------------------------

    async def _flush(self) -> None:
        """Write what the core has queued, in order (one writer at a time keeps the order)."""
        if self._closed:
            return
        async with self._send_lock:
            frames = self._core.outgoing()
            if not frames:
                return
            try:
                for frame in frames:
                    await self.websocket.send(frame)
            except ConnectionClosed:
                pass  # the reader sees the close and fails what is pending

    def _flush_soon(self) -> None:
        task = self._loop.create_task(self._flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _arm(self) -> None:
        """Keep one timer, for the CALL that is on the wire (the core's `outstanding`)."""
        outstanding = self._core.outstanding if not self._closed else None
        if outstanding == self._armed:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._armed = outstanding
        if outstanding is not None:
            pending = self._pending.get(outstanding)
            if pending is not None:
                self._timer = self._loop.call_later(pending.timeout, self._expire, outstanding)

    def _expire(self, message_id: str) -> None:
        self._timer = None
        self._armed = None
        pending = self._pending.pop(message_id, None)
        if self._closed or not self._core.timeout(message_id):
            return
        if pending is not None and not pending.future.done():
            pending.future.set_exception(CallTimeout(message_id, pending.action))
        self._arm()
        self._flush_soon()  # the next queued CALL, if any, is now on `outgoing()`

    def _shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in list(self._tasks):
            task.cancel()
        self._core.close()
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            if not entry.future.done():
                entry.future.set_exception(
                    Disconnected(f"connection to {self.identity} closed before the answer")
                )


async def _resume(coroutine: Coroutine[Any, Any, None], yielded: Any) -> None:
    """Finish, inside a task, a coroutine that was started eagerly and suspended on `yielded`."""
    await _Continue(coroutine, yielded)


class _Continue:
    """Awaitable that hands a started coroutine's pending future to the task driving it, then
    keeps relaying values and exceptions (what `yield from` does for a fresh coroutine)."""

    __slots__ = ("coroutine", "yielded")

    def __init__(self, coroutine: Coroutine[Any, Any, None], yielded: Any) -> None:
        self.coroutine = coroutine
        self.yielded = yielded

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine, yielded = self.coroutine, self.yielded
        while True:
            try:
                sent = yield yielded
            except BaseException as error:  # cancellation and the like go to the coroutine
                try:
                    yielded = coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    yielded = coroutine.send(sent)
                except StopIteration:
                    return


_ACTIONS_BY_CLASS: dict[int, tuple[VersionSpec, dict[type[OcppModel], str]]] = {}


def _action_of(version: VersionSpec, request: OcppModel) -> str:
    """The action of a request, from its class (cached per version)."""
    entry = _ACTIONS_BY_CLASS.get(id(version))
    if entry is None or entry[0] is not version:
        table = {spec.request: name for name, spec in version.actions.items()}
        entry = _ACTIONS_BY_CLASS[id(version)] = (version, table)
    return entry[1].get(type(request), type(request).__name__)
