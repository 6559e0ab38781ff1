"""Test CSMSs for the reference station: one on ocppgen's runtime (`RecordingCsms`) and one
built with the `ocpp` package from PyPI (`OcppPackageCsms`). Both record every CALL the station
sends as its wire (camelCase) payload, answer from the same knobs (`CsmsAnswers`) and make
CSMS-initiated calls from JSON payloads (`call`), so one test body runs against either."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

from ocpp.charge_point import camel_to_snake_case, remove_nones, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.routing import on as _ocpp_on
from ocpp.v201 import ChargePoint
from ocpp.v201 import call as package_call
from ocpp.v201 import call_result as package_result
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

from ocppgen.generated import v201
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.errors import ErrorCode, OcppError, RemoteCallError
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.server import CsmsServer

NOW = "2025-01-01T12:00:00Z"

Payload = dict[str, Any]


class Recorder:
    """Every CALL received, in order, as (station id, action, wire payload)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, Payload]] = []
        self._changed = asyncio.Condition()
        self._consumed: set[int] = set()

    async def record(self, station: str, action: str, payload: Payload) -> None:
        self.log.append((station, action, payload))
        async with self._changed:
            self._changed.notify_all()

    def messages(self, action: str | None = None) -> list[Payload]:
        return [p for _, a, p in self.log if action is None or a == action]

    def actions(self) -> list[str]:
        return [a for _, a, _ in self.log]

    async def expect(
        self,
        action: str,
        match: Callable[[Payload], bool] | None = None,
        timeout: float = 5.0,
    ) -> Payload:
        """The first not yet expected `action` message (matching `match`), waiting for it."""

        def find() -> int | None:
            for index, (_, a, payload) in enumerate(self.log):
                if index in self._consumed or a != action:
                    continue
                if match is None or match(payload):
                    return index
            return None

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: find() is not None)
        index = find()
        assert index is not None
        self._consumed.add(index)
        return self.log[index][2]

    async def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)


@dataclass
class CsmsAnswers:
    """What a test CSMS answers to the station's own CALLs, as wire payloads. Knobs:

    - `boot`: (status, interval) answers, one per BootNotification (the last one repeats);
    - `tokens`: idToken -> authorization status (default Accepted);
    - `tx_errors`: how many TransactionEvents to answer with a CALLERROR (InternalError) first;
    - `tx_token_status`: idToken -> status to put in TransactionEventResponse.idTokenInfo.
    """

    boot: list[tuple[str, int]] = field(default_factory=lambda: [("Accepted", 300)])
    tokens: dict[str, str] = field(default_factory=dict)
    tx_errors: int = 0
    tx_token_status: dict[str, str] = field(default_factory=dict)
    recorder: Recorder = field(default_factory=Recorder)
    boots: int = 0

    def answer(self, action: str, request: Payload) -> Payload:
        """The response payload; raises `OcppError` for a CALLERROR."""
        if action == "BootNotification":
            status, interval = self.boot[min(self.boots, len(self.boot) - 1)]
            self.boots += 1
            return {"currentTime": NOW, "interval": interval, "status": status}
        if action == "Heartbeat":
            return {"currentTime": NOW}
        if action == "Authorize":
            status = self.tokens.get(request["idToken"]["idToken"], "Accepted")
            return {"idTokenInfo": {"status": status}}
        if action == "TransactionEvent":
            if self.tx_errors > 0:
                self.tx_errors -= 1
                raise OcppError(ErrorCode.INTERNAL_ERROR, "test CSMS refuses this one")
            token = request.get("idToken", {}).get("idToken")
            if token in self.tx_token_status:
                return {"idTokenInfo": {"status": self.tx_token_status[token]}}
            return {}
        if action in ANSWERED_EMPTY:
            return {}
        raise OcppError(ErrorCode.NOT_SUPPORTED, action)


ANSWERED_EMPTY = ("StatusNotification", "NotifyEvent", "NotifyReport", "MeterValues")


class AnyCsms(Protocol):
    """What the station tests use of a test CSMS, whichever implementation it is."""

    boot: list[tuple[str, int]]
    tokens: dict[str, str]
    tx_errors: int
    tx_token_status: dict[str, str]
    recorder: Recorder

    def url(self) -> str: ...

    async def call(self, identity: str, action: str, payload: Payload) -> Payload:
        """A CSMS-initiated CALL; the station's answer as a wire payload. A CALLERROR raises
        `RemoteCallError` (its `code` is the error code on the wire)."""
        ...


@dataclass
class RecordingCsms(CsmsAnswers):
    """A CSMS on ocppgen's runtime. `start(**options)` passes options to `CsmsServer` (e.g. a
    security profile, `ssl_context`, `authenticate`)."""

    server: CsmsServer | None = None

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        payload = request.to_json_dict()
        await self.recorder.record(context.station_id, action, payload)
        response = v201.ACTIONS[action].response
        assert response is not None
        return response.from_json_dict(self.answer(action, payload))

    async def start(self, **options: Any) -> str:
        self.server = CsmsServer([(v201.VERSION, self)], ping_interval=None, **options)
        await self.server.start()
        return self.server.url()

    def url(self) -> str:
        assert self.server is not None
        return self.server.url()

    async def station(self, identity: str, timeout: float = 5.0) -> OcppConnection:
        assert self.server is not None
        return await self.server.wait_for_station(identity, timeout)

    async def call(self, identity: str, action: str, payload: Payload) -> Payload:
        conn = await self.station(identity)
        response = await conn.call(v201.ACTIONS[action].request.from_json_dict(payload))
        return response.to_json_dict()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close(grace=0.5)


_F = TypeVar("_F", bound=Callable[..., Any])


def on(action: str) -> Callable[[_F], _F]:
    return cast(Callable[[_F], _F], _ocpp_on(action))


def _answering(action: str) -> Callable[..., Awaitable[Any]]:
    """The `ocpp` package handler for `action`: answer from the test CSMS's knobs."""

    async def handler(self: _PackageSide, call_unique_id: str, **_: Any) -> Any:
        return self._answer(action, call_unique_id)

    # the package finds handlers by function name: the attribute's (see ANSWERED)
    handler.__name__ = handler.__qualname__ = f"on_{action}"
    return on(action)(handler)


class _PackageSide(ChargePoint):  # type: ignore[misc]  # untyped package
    """One station's connection, served by the `ocpp` package's v201 ChargePoint."""

    def __init__(self, identity: str, connection: ServerConnection, csms: OcppPackageCsms):
        super().__init__(identity, connection, response_timeout=10)
        self.csms = csms
        self.wire: dict[str, Payload] = {}  # message id -> payload as received
        self._ids = itertools.count(1)

    async def route_message(self, raw_msg: str) -> None:
        # The package hands handlers snake_case keywords (and results as dataclasses): keep
        # the wire payloads so that tests assert the same JSON against both CSMSs.
        message = json.loads(raw_msg)
        if message[0] == 2:
            await self.csms.recorder.record(self.id, message[2], message[3])
            self.wire[message[1]] = message[3]
        elif message[0] == 3:
            self.wire[message[1]] = message[2]
        await super().route_message(raw_msg)

    def _answer(self, action: str, call_unique_id: str) -> Any:
        payload = self.csms.answer(action, self.wire.pop(call_unique_id))
        return getattr(package_result, action)(**camel_to_snake_case(payload))

    async def call_json(self, action: str, payload: Payload) -> Payload:
        """`ChargePoint.call` (the package validates request and answer against its schemas),
        with the answer's wire payload back."""
        arguments = camel_to_snake_case(payload)
        # the package re-spells keys on the way out: make sure it sends what the test meant
        assert remove_nones(snake_to_camel_case(arguments)) == payload, "lossy key spelling"
        message_id = f"csms-{next(self._ids)}"
        try:
            await self.call(
                getattr(package_call, action)(**arguments), suppress=False, unique_id=message_id
            )
        except OCPPError as error:
            raise RemoteCallError(error.code, error.description, error.details) from None
        return self.wire.pop(message_id)


@dataclass
class OcppPackageCsms(CsmsAnswers):
    """A CSMS built with the `ocpp` package (ocpp.v201.ChargePoint on `websockets`)."""

    sides: dict[str, _PackageSide] = field(default_factory=dict)  # open connections only
    server: Server | None = None
    _sides_changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _serve(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        identity = websocket.request.path.rstrip("/").rsplit("/", 1)[-1]
        side = _PackageSide(identity, websocket, self)
        await self._set_side(identity, side)
        try:
            with contextlib.suppress(Exception):
                await side.start()  # returns once the connection is closed
        finally:
            if self.sides.get(identity) is side:
                await self._set_side(identity, None)

    async def _set_side(self, identity: str, side: _PackageSide | None) -> None:
        async with self._sides_changed:
            if side is None:
                del self.sides[identity]
            else:
                self.sides[identity] = side
            self._sides_changed.notify_all()

    async def start(self) -> str:
        self.server = await serve(
            self._serve,
            "127.0.0.1",
            0,
            subprotocols=[Subprotocol("ocpp2.0.1")],
            ping_interval=None,
        )
        return self.url()

    def url(self) -> str:
        assert self.server is not None
        port = int(next(iter(self.server.sockets)).getsockname()[1])
        return f"ws://127.0.0.1:{port}/"

    async def side(self, identity: str, timeout: float = 5.0) -> _PackageSide:
        """The station's live connection (a reconnected station has a new one)."""
        async with asyncio.timeout(timeout), self._sides_changed:
            await self._sides_changed.wait_for(lambda: identity in self.sides)
            return self.sides[identity]

    async def call(self, identity: str, action: str, payload: Payload) -> Payload:
        return await (await self.side(identity)).call_json(action, payload)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


# Every station-initiated action the test CSMS answers, from the shared knobs.
ANSWERED = (
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "Authorize",
    "TransactionEvent",
    "NotifyReport",
    "NotifyEvent",
    "MeterValues",
)
for _action in ANSWERED:
    setattr(_PackageSide, f"on_{_action}", _answering(_action))
