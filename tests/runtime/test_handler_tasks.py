"""Each handler runs in a task of its own, and handler failures are logged (issue 13, items 3
and 11). Over real loopback sockets: our CsmsServer and StationClient on the generated v201."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field

import pytest

from ocppgen.generated import v21, v201
from ocppgen.generated.v21.handlers import CsmsHandlers as CsmsHandlers21
from ocppgen.runtime.client import StationClient
from ocppgen.runtime.dispatch import CallContext, HandlerFailed
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.errors import ErrorCode, RemoteCallError
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.server import CsmsServer
from tests.runtime.peers import NOW, StationHandler, boot_request, heartbeat_request

CALLER: ContextVar[str | None] = ContextVar("CALLER", default=None)
"""Set by the BootNotification handler to its message id."""

HANDLER_TIMEOUT = 0.05


@dataclass
class Csms:
    """BootNotification: records what `CALLER` held, then sets it. DataTransfer: sets `CALLER`,
    awaits, records it and resets it.
    Heartbeat: waits forever under `asyncio.timeout`, so the timeout expires in the handler.
    StatusNotification: raises RuntimeError. NotifyEvent: answers with the wrong class."""

    seen: list[str | None] = field(default_factory=list)
    contexts: list[CallContext] = field(default_factory=list)

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        self.contexts.append(context)
        if action == "BootNotification":
            return await self._boot(context)
        if action == "DataTransfer":
            return await self._data_transfer(context)
        if action == "Heartbeat":
            async with asyncio.timeout(HANDLER_TIMEOUT):
                await asyncio.Event().wait()  # never set
        if action == "StatusNotification":
            raise RuntimeError("the database is down")
        if action == "NotifyEvent":
            return v201.HeartbeatResponse.from_json_dict({"currentTime": NOW})
        raise AssertionError(f"unexpected {action}")

    async def _boot(self, context: CallContext) -> OcppModel:
        self.seen.append(CALLER.get())
        CALLER.set(context.message_id)  # left set: the next handler must not see it
        return v201.BootNotificationResponse.from_json_dict(
            {"currentTime": NOW, "interval": 300, "status": "Accepted"}
        )

    async def _data_transfer(self, context: CallContext) -> OcppModel:
        token = CALLER.set(context.message_id)
        await asyncio.sleep(0)  # suspend: the rest runs in a later step, in the same context
        self.seen.append(CALLER.get())
        CALLER.reset(token)  # ValueError if the context changed across the await
        return v201.DataTransferResponse.from_json_dict({"status": "Accepted"})


@dataclass
class Told:
    """An event observer that records what it is told."""

    events: list[object] = field(default_factory=list)

    def __call__(self, conn: OcppConnection, event: object) -> None:
        self.events.append(event)


@pytest.fixture
async def pair() -> AsyncIterator[tuple[Csms, Told, CsmsServer, OcppConnection]]:
    handler, told = Csms(), Told()
    server = CsmsServer([(v201.VERSION, handler)], observer=told, call_timeout=5.0)
    await server.start()
    client = StationClient(server.url(), "CS-H1", [(v201.VERSION, StationHandler())])
    try:
        async with client:
            conn = await client.connect()
            yield handler, told, server, conn
    finally:
        await server.close(grace=0.5)


def _status_notification() -> OcppModel:
    return v201.StatusNotificationRequest.from_json_dict(
        {"timestamp": NOW, "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
    )


def _notify_event() -> OcppModel:
    return v201.NotifyEventRequest.from_json_dict(
        {
            "generatedAt": NOW,
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": 1,
                    "timestamp": NOW,
                    "trigger": "Alerting",
                    "actualValue": "1",
                    "eventNotificationType": "HardWiredNotification",
                    "component": {"name": "Door"},
                    "variable": {"name": "Open"},
                }
            ],
        }
    )


async def test_a_handlers_own_timeout_fails_its_call_not_the_connection(
    pair: tuple[Csms, Told, CsmsServer, OcppConnection],
) -> None:
    _, _, server, conn = pair
    csms_side = await server.wait_for_station("CS-H1")
    with pytest.raises(RemoteCallError) as raised:
        await conn.call(heartbeat_request())
    assert raised.value.code == ErrorCode.INTERNAL_ERROR
    # The connection is the same one and still serves CALLs.
    response = await conn.call(boot_request())
    assert isinstance(response, v201.BootNotificationResponse)
    assert not conn.closed and not csms_side.closed
    assert server.stations["CS-H1"] is csms_side


async def test_a_context_variable_set_by_a_handler_is_not_seen_by_the_next(
    pair: tuple[Csms, Told, CsmsServer, OcppConnection],
) -> None:
    handler, _, _, conn = pair
    for _ in range(2):
        response = await conn.call(boot_request())
        assert isinstance(response, v201.BootNotificationResponse)
    assert handler.seen == [None, None]
    assert CALLER.get() is None


async def test_a_handler_keeps_its_context_across_an_await(
    pair: tuple[Csms, Told, CsmsServer, OcppConnection],
) -> None:
    handler, _, _, conn = pair
    response = await conn.call(v201.DataTransferRequest.from_json_dict({"vendorId": "h1"}))
    assert isinstance(response, v201.DataTransferResponse) and response.status == "Accepted"
    assert handler.seen == [handler.contexts[-1].message_id]


@pytest.mark.parametrize("observed", [True, False])
async def test_a_failing_handler_is_logged_once_at_error(
    caplog: pytest.LogCaptureFixture,
    observed: bool,
) -> None:
    handler, told = Csms(), Told()
    server = CsmsServer([(v201.VERSION, handler)], observer=told if observed else None)
    await server.start()
    client = StationClient(server.url(), "CS-H1", [(v201.VERSION, StationHandler())])
    caplog.set_level(logging.DEBUG)
    try:
        async with client:
            conn = await client.connect()
            with pytest.raises(RemoteCallError) as raised:
                await conn.call(_status_notification())
            assert raised.value.code == ErrorCode.INTERNAL_ERROR
    finally:
        await server.close(grace=0.5)
    message_id = handler.contexts[-1].message_id
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    text = record.getMessage()
    assert "CS-H1" in text and "StatusNotification" in text and message_id in text
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    if observed:
        (event,) = told.events
        assert isinstance(event, HandlerFailed) and event.message_id == message_id


async def test_an_invalid_response_of_our_handler_is_logged_once_at_error(
    pair: tuple[Csms, Told, CsmsServer, OcppConnection],
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, told, _, conn = pair
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RemoteCallError) as raised:
        await conn.call(_notify_event())
    assert raised.value.code == ErrorCode.INTERNAL_ERROR
    message_id = handler.contexts[-1].message_id
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    text = record.getMessage()
    assert "CS-H1" in text and "NotifyEvent" in text and message_id in text
    assert len(told.events) == 1


class _FailingStreamCsms(CsmsHandlers21):
    async def on_notify_periodic_event_stream(
        self, request: v21.NotifyPeriodicEventStream, context: CallContext
    ) -> None:
        raise RuntimeError("no stream store")


async def test_a_failing_send_handler_is_logged_once_at_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    told: asyncio.Queue[object] = asyncio.Queue()
    server = CsmsServer(
        [(v21.VERSION, _FailingStreamCsms())], observer=lambda _, event: told.put_nowait(event)
    )
    await server.start()
    caplog.set_level(logging.DEBUG)
    try:
        async with StationClient(server.url(), "CS-H1", [(v21.VERSION, None)]) as client:
            await client.connect()
            stream = v21.NotifyPeriodicEventStream.from_json_dict(
                {"id": 7, "pending": 0, "basetime": NOW, "data": [{"t": 1.5, "v": "2"}]}
            )
            await client.send(stream)
            event = await asyncio.wait_for(told.get(), 5)  # logged before the observer is told
    finally:
        await server.close(grace=0.5)
    assert isinstance(event, HandlerFailed)
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    text = record.getMessage()
    assert "CS-H1" in text and "NotifyPeriodicEventStream" in text and event.message_id in text
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
