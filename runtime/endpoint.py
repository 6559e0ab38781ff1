"""The asyncio side of one OCPP-J connection: a `websockets` connection driving a core `Connection`.

`OcppConnection` is what both adapters (the CSMS server and the Charging Station client) hand to
the application. It owns everything the sans-IO core leaves out:

- reading: one loop (`run`) feeds every received text message to `core.receive` and acts on the
  events; frames the core queues (answers, automatic CALLERRORs, the next queued CALL) are
  written in the order the core produced them;
- handling: each received CALL runs the role's `Handler` (as `dispatch` does) in its own task, so a
  handler may itself `await conn.call(...)` towards the peer without blocking the reader, has its
  own copy of the context (a `ContextVar` it sets is not seen by the next handler) and its own
  cancellation scope (`asyncio.timeout` in a handler cancels the handler, never the reader);
  a handler that fails, or answers something invalid, is logged at ERROR (the peer only gets
  InternalError);
- calling: `await conn.call(request)` returns the typed response. A CALLERROR raises
  `RemoteCallError` (code, description, details), an invalid CALLRESULT `InvalidResultError`,
  no answer in time `CallTimeout`, a lost connection `Disconnected`;
- the clock: the call timeout (OCPP `MessageTimeout`) runs from the moment the CALL frame is on
  the wire; a CALL queued behind another (one outstanding CALL per direction) starts its clock
  when its turn comes.

Cost per message matters here (a CSMS serves thousands of stations on one core), so the common
path does no more than it must: frames are written to the WebSocket synchronously, in the order
the core produced them, and only a write that has to wait (flow control, a closing connection)
is finished in a task, with later frames queued behind it; where asyncio has eager tasks (Python
3.12+), a handler's task starts inside the reader's step, so a handler that does not suspend is
answered at once, without a trip through the event loop (on 3.11 the task runs at the loop's next
turn); one timer per connection serves all its CALLs (a CALL's deadline is checked when the
timer fires, so a CALL answered in time costs no timer).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from collections.abc import Callable, Coroutine, Generator, Mapping
from types import MappingProxyType
from typing import Any, Final

from websockets.asyncio.connection import Connection as WebSocket
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from ocppgen.runtime.actions import VersionSpec
from ocppgen.runtime.capture import Direction, FrameLog
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
from ocppgen.runtime.dispatch import CallContext, Handler, HandlerFailed, complete, new_context
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
late or unknown answers, invalid responses of our own handlers, handler crashes (these last two
are also logged at ERROR, observer or not; without an observer the others are logged at DEBUG)."""


def message_ids() -> Callable[[], str]:
    """Message ids for one connection: "1", "2", ... (unique per sender per connection, which
    is what OCPP-J asks; cheaper than a UUID per CALL)."""
    return map(str, itertools.count(1)).__next__


class Disconnected(ConnectionError):
    """The connection closed before our CALL was answered (or was already closed)."""


class _Pending:
    __slots__ = ("action", "future", "request", "timeout")

    def __init__(
        self,
        future: asyncio.Future[OcppModel],
        action: str | None,
        request: OcppModel,
        timeout: float,
    ) -> None:
        self.future = future
        self.action = action  # as given to `call`; None: found from the request when needed
        self.request = request
        self.timeout = timeout


class OcppConnection:
    """One live OCPP-J connection, either end. Created by `CsmsServer` and `StationClient`."""

    __slots__ = (
        "__weakref__",
        "_armed",
        "_backlog",
        "_closed",
        "_context_extra",
        "_core",
        "_deadline",
        "_eager",
        "_frame_log",
        "_handler",
        "_loop",
        "_observer",
        "_pending",
        "_tasks",
        "_timer",
        "_timer_at",
        "_writer",
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
        frame_log: FrameLog | None = None,
    ) -> None:
        self.websocket = websocket
        self.identity = identity
        self.call_timeout = call_timeout
        self._core = core
        self._handler = handler
        self._observer = observer
        self._context_extra: Mapping[str, Any] = MappingProxyType(dict(extra or {}))
        self._loop = asyncio.get_running_loop()
        self._pending: dict[str, _Pending] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._writer: asyncio.Task[None] | None = None  # finishing a write that had to wait
        self._backlog: list[str] = []  # frames queued behind that write
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._armed: str | None = None  # the outstanding CALL whose clock runs ...
        self._deadline = 0.0  # ... and when it runs out (loop time)
        self._closed = False
        self._eager = False  # a handler is running inside the reader's step
        self._frame_log = frame_log
        _limit_reads(websocket)

    # -- what the application uses -----------------------------------------------------------

    @property
    def version(self) -> VersionSpec:
        """The negotiated OCPP version."""
        return self._core.version

    @property
    def subprotocol(self) -> str:
        return self._core.version.subprotocol

    @property
    def extra(self) -> Mapping[str, Any]:
        """Facts about this connection that the endpoint knows (read-only), also given to every
        handler as `CallContext.extra`. `CsmsServer` sets `remote_address`, `security_profile`,
        `subprotocol` and, under profile 3, `certificate_identity` (the client certificate's CN)."""
        return self._context_extra

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
            future, action, request, self.call_timeout if timeout is None else timeout
        )
        self._arm()
        try:
            self._write()
            return await future
        except asyncio.CancelledError:
            if self._pending.pop(message_id, None) is not None and not self._closed:
                self._core.timeout(message_id)
                self._arm()
                self._write()
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
                if self._writer is not None:  # the transport is full: stop reading meanwhile
                    await self._flush()
                message = await websocket.recv()
                if not isinstance(message, str):
                    # OCPP-J is JSON in text frames (OCPP-J 1.6 §4.1.3, 2.x Part 4 §3.1.2).
                    await websocket.close(CloseCode.UNSUPPORTED_DATA, "OCPP-J uses text frames")
                    break
                if self._frame_log is not None:
                    self._log("in", [message])
                for event in receive(message):
                    self._on_event(event)
                self._write()
        except ConnectionClosed:
            pass
        finally:
            self._shutdown()

    def _on_event(self, event: Event) -> None:
        # `type(...) is` tests, most frequent first: cheaper than isinstance on this hot path.
        if type(event) is CallReceived:
            self._start_handler(event)
        elif type(event) is ResultReceived:
            pending = self._pending.pop(event.message_id, None)
            self._arm()
            if pending is not None and not pending.future.done():
                pending.future.set_result(event.response)
        elif type(event) is SendReceived:
            self._start_handler(event)
        elif type(event) is ErrorReceived:
            self._fail(
                event.message_id,
                RemoteCallError(event.code, event.description, event.details),
            )
        elif type(event) is InvalidResult:
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
        observer = self._observer
        if observer is None:
            logger.debug("%s: %r", self.identity, event)
            return
        try:
            observer(self, event)
        except Exception:
            logger.exception("event observer failed for %s", self.identity)

    def _report(self, outcome: InvalidResponse | HandlerFailed) -> None:
        """Log, at ERROR, that one of our handlers failed or answered something invalid, then
        tell the observer if there is one. The peer only got InternalError, so without this
        log the failure would leave no trace (an application need not set an observer)."""
        if type(outcome) is HandlerFailed:
            logger.error(
                "%s: %s handler failed (message id %s)",
                self.identity,
                outcome.action,
                outcome.message_id,
                exc_info=outcome.exception,
            )
        else:
            assert type(outcome) is InvalidResponse
            logger.error(
                "%s: %s handler gave an invalid response (message id %s), answered"
                " InternalError: %s",
                self.identity,
                outcome.action,
                outcome.message_id,
                outcome.reason,
            )
        if self._observer is not None:
            self._observe(outcome)

    # -- handlers -----------------------------------------------------------------------------

    def _start_handler(self, event: CallReceived | SendReceived) -> None:
        # A task per handler: its own context copy and its own cancellation scope, which a
        # handler's `asyncio.timeout` or ContextVar must not share with the reader or with the
        # next handler. On 3.12+ the task starts eagerly, inside this step: a handler that does
        # not suspend is then done here, and the reader writes its answer right after.
        self._eager = _EAGER_TASKS  # see `_handle`
        try:
            task = _new_task(self._loop, self._handle(event))
        finally:
            self._eager = False
        if not task.done():  # (done: it ran to its end eagerly)
            self._tasks.add(task)

    async def _handle(self, event: CallReceived | SendReceived) -> None:
        """The handler's task: run the handler and answer the CALL. The task leaves `_tasks`
        here rather than in a done callback, which would cost one more loop callback per CALL."""
        try:
            handler = self._handler
            if handler is None:  # the core was built with supported=() and answers by itself
                return
            context = self._context(event)
            if type(event) is SendReceived:
                await self._handle_send(handler, event, context)
                return
            assert type(event) is CallReceived
            # What `dispatch` does, inlined: one coroutine less per CALL.
            try:
                outcome: object = await handler.handle(event.action, event.request, context)
            except Exception as exc:
                outcome = exc
            except BaseException as exc:  # cancelled: answer InternalError, then propagate
                complete(self._core, event, exc)
                if self._closed and isinstance(exc, asyncio.CancelledError):
                    return  # the connection went away while the handler ran
                raise
            writer = self._answer(event, outcome)
            if writer is not None:  # the transport is full: answer handled once it is written
                await asyncio.shield(writer)
        except Exception:  # a bug of ours: what the handler raises is answered above
            logger.exception("%s: handling %s failed", self.identity, event.action)
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.discard(task)

    def _context(self, event: CallReceived | SendReceived) -> CallContext:
        core = self._core
        return new_context(
            self.identity,
            core.version,
            core.role,
            event.message_id,
            event.action,
            self._context_extra,
        )

    async def _handle_send(
        self, handler: Handler, event: SendReceived, context: CallContext
    ) -> None:
        try:
            await handler.handle(event.action, event.request, context)
        except Exception as error:
            self._report(HandlerFailed(event.message_id, event.action, error))

    def _answer(self, event: CallReceived, outcome: object) -> asyncio.Task[None] | None:
        """Answer `event` from the handler's return value or exception and write the answer;
        return the write to wait for if the transport is full."""
        failure = complete(self._core, event, outcome)
        if failure is not None:
            self._report(failure)
        if self._eager:
            return None  # run inside the reader's step: the reader writes (and waits) next
        self._write()
        return self._writer

    # -- writing and the clock ----------------------------------------------------------------

    def _write(self) -> None:
        """Write what the core has queued, in order; at once unless an earlier write waits.

        `websocket.send` is run eagerly: it normally completes without suspending (the frame
        is on the transport). If it suspends (flow control, or the connection is closing), a
        task finishes it and then writes the frames queued behind it, so order is kept.
        """
        if self._closed:
            return
        frames = self._core.outgoing()
        if not frames:
            return
        if self._frame_log is not None:
            self._log("out", frames)
        if self._writer is not None:
            self._backlog.extend(frames)
            return
        send = self.websocket.send
        for index, frame in enumerate(frames):
            coroutine = send(frame)
            try:
                yielded = coroutine.send(None)
            except StopIteration:
                continue
            except ConnectionClosed:
                return  # the reader sees the close and fails what is pending
            self._backlog.extend(frames[index + 1 :])
            self._writer = self._loop.create_task(self._write_later(coroutine, yielded))
            return

    def _log(self, direction: Direction, frames: list[str]) -> None:
        """Frame log lines, as frames are read or handed to the socket (capture.py)."""
        log, core = self._frame_log, self._core
        assert log is not None
        for frame in frames:
            log.write(self.identity, core.version.name, core.role, direction, frame)

    async def _write_later(self, coroutine: Coroutine[Any, Any, None], yielded: Any) -> None:
        try:
            await _Continue(coroutine, yielded)
            backlog = self._backlog
            while backlog:
                await self.websocket.send(backlog.pop(0))
        except ConnectionClosed:
            pass  # the reader sees the close and fails what is pending
        finally:
            self._backlog.clear()
            self._writer = None

    async def _flush(self) -> None:
        """Write what the core has queued and wait until the transport has taken it."""
        self._write()
        writer = self._writer
        if writer is not None:
            await asyncio.shield(writer)

    def _arm(self) -> None:
        """Start the clock of the CALL that is on the wire (the core's `outstanding`), if it is
        a new one. One timer serves every CALL of the connection: it is moved only when a
        deadline comes earlier than the one it is set for, and when it fires for a CALL that is
        no longer outstanding, it is set again for the current CALL's deadline."""
        outstanding = self._core.outstanding if not self._closed else None
        if outstanding == self._armed:
            return
        self._armed = outstanding
        if outstanding is None:
            return  # a timer that is still set finds nothing to do
        pending = self._pending.get(outstanding)
        if pending is None:
            self._armed = None
            return
        loop = self._loop
        self._deadline = deadline = loop.time() + pending.timeout
        timer = self._timer
        if timer is None or self._timer_at > deadline:
            if timer is not None:
                timer.cancel()
            self._timer = loop.call_at(deadline, self._on_timer)
            self._timer_at = deadline

    def _on_timer(self) -> None:
        self._timer = None
        message_id = self._armed
        if self._closed or message_id is None:
            return
        if self._deadline - self._loop.time() > 0.001:  # a later CALL's clock: set it again
            self._timer = self._loop.call_at(self._deadline, self._on_timer)
            self._timer_at = self._deadline
            return
        self._expire(message_id)

    def _expire(self, message_id: str) -> None:
        self._armed = None
        pending = self._pending.pop(message_id, None)
        if self._closed or not self._core.timeout(message_id):
            return
        if pending is not None and not pending.future.done():
            action = pending.action or _action_of(self._core.version, pending.request)
            pending.future.set_exception(CallTimeout(message_id, action))
        self._arm()
        self._write()  # the next queued CALL, if any, is now on `outgoing()`

    def _shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in list(self._tasks):
            task.cancel()
            # A task cancelled before its first step never runs the `finally` that removes it.
            task.add_done_callback(self._tasks.discard)
        if self._writer is not None:
            self._writer.cancel()
        self._backlog.clear()
        self._core.close()
        pending, self._pending = self._pending, {}
        for entry in pending.values():
            if not entry.future.done():
                entry.future.set_exception(
                    Disconnected(f"connection to {self.identity} closed before the answer")
                )


_EAGER_TASKS: Final = sys.version_info >= (3, 12)
"""asyncio can run a new task's first step at once, inside the step that creates it."""

if sys.version_info >= (3, 12):

    def _new_task(
        loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        return asyncio.Task(coroutine, loop=loop, eager_start=True)

else:

    def _new_task(
        loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        return loop.create_task(coroutine)


READ_SIZE: Final = 64 * 1024
"""Bytes asyncio's socket transport asks for per read (its default is 256 KiB)."""


def _limit_reads(websocket: WebSocket) -> None:
    """Read the socket in `READ_SIZE` chunks instead of asyncio's 256 KiB.

    asyncio's selector transport allocates a buffer of its `max_size` for every `recv` and
    shrinks it to what arrived; under TLS, `SSLProtocol` does the same for every `read` of
    decrypted data. 256 KiB is above glibc's default mmap threshold (128 KiB), so unless
    earlier frees happened to raise that threshold (it depends on the process's allocation
    history), every received message costs an mmap, an mremap and an munmap: measured at
    10 us of CPU per CALL on the CSMS (33 -> 43 us), the same code in one process or the
    other. 64 KiB buffers come from the heap. An OCPP message above 64 KiB just takes more
    reads. Transports without such a `max_size` (e.g. uvloop's) are left alone.

    No public API sets this: websockets has no read-size option (its `max_size` caps messages,
    `max_queue` frames), its protocol is not an `asyncio.BufferedProtocol` (whose `get_buffer`
    would let the protocol choose the buffer), and asyncio exposes neither attribute. Under TLS
    the raw socket is read into SSLProtocol's own buffer; only its decrypted reads are capped.
    tests/runtime/test_library_contracts.py fails if asyncio renames or drops these attributes.
    """
    transport: Any = getattr(websocket, "transport", None)
    # The TLS transport reads through its SSLProtocol (asyncio's, not a public attribute).
    readers: tuple[Any, ...] = (transport, getattr(transport, "_ssl_protocol", None))
    for reader in readers:
        size = getattr(reader, "max_size", None)
        if type(size) is int and size > READ_SIZE:
            reader.max_size = READ_SIZE


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
