"""Test CSMSs for the reference station: one on ocppgen's runtime (`RecordingCsms`) and one
built with the `ocpp` package from PyPI (`OcppPackageCsms`), both recording every message."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from ocpp.routing import on as _ocpp_on
from ocpp.v201 import ChargePoint, call_result
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

from ocppgen.generated import v201
from ocppgen.runtime.dispatch import CallContext
from ocppgen.runtime.endpoint import OcppConnection
from ocppgen.runtime.errors import ErrorCode, OcppError
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
class RecordingCsms:
    """A CSMS on ocppgen's runtime. Behaviour knobs:

    - `boot`: (status, interval) answers, one per BootNotification (the last one repeats);
    - `tokens`: idToken -> authorization status (default Accepted);
    - `tx_errors`: how many TransactionEvents to answer with a CALLERROR first;
    - `tx_token_status`: idToken -> status to put in TransactionEventResponse.idTokenInfo.
    """

    boot: list[tuple[str, int]] = field(default_factory=lambda: [("Accepted", 300)])
    tokens: dict[str, str] = field(default_factory=dict)
    tx_errors: int = 0
    tx_token_status: dict[str, str] = field(default_factory=dict)
    recorder: Recorder = field(default_factory=Recorder)
    server: CsmsServer | None = None
    boots: int = 0

    async def handle(self, action: str, request: OcppModel, context: CallContext) -> OcppModel:
        await self.recorder.record(context.station_id, action, request.to_json_dict())
        if action == "BootNotification":
            status, interval = self.boot[min(self.boots, len(self.boot) - 1)]
            self.boots += 1
            return v201.BootNotificationResponse.from_json_dict(
                {"currentTime": NOW, "interval": interval, "status": status}
            )
        if action == "Heartbeat":
            return v201.HeartbeatResponse.from_json_dict({"currentTime": NOW})
        if action == "Authorize":
            assert isinstance(request, v201.AuthorizeRequest)
            status = self.tokens.get(request.id_token.id_token, "Accepted")
            return v201.AuthorizeResponse.from_json_dict({"idTokenInfo": {"status": status}})
        if action == "TransactionEvent":
            assert isinstance(request, v201.TransactionEventRequest)
            if self.tx_errors > 0:
                self.tx_errors -= 1
                raise OcppError(ErrorCode.INTERNAL_ERROR, "test CSMS refuses this one")
            token = request.id_token.id_token if request.id_token is not None else None
            if token is not None and token in self.tx_token_status:
                return v201.TransactionEventResponse.from_json_dict(
                    {"idTokenInfo": {"status": self.tx_token_status[token]}}
                )
            return v201.TransactionEventResponse()
        simple = {
            "StatusNotification": v201.StatusNotificationResponse,
            "NotifyEvent": v201.NotifyEventResponse,
            "NotifyReport": v201.NotifyReportResponse,
            "MeterValues": v201.MeterValuesResponse,
        }
        if action in simple:
            return simple[action]()
        raise OcppError(ErrorCode.NOT_SUPPORTED, action)

    async def start(self) -> str:
        self.server = CsmsServer([(v201.VERSION, self)], ping_interval=None)
        await self.server.start()
        return self.server.url()

    async def station(self, identity: str, timeout: float = 5.0) -> OcppConnection:
        assert self.server is not None
        return await self.server.wait_for_station(identity, timeout)

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close(grace=0.5)


_F = TypeVar("_F", bound=Callable[..., Any])


def on(action: str) -> Callable[[_F], _F]:
    return cast(Callable[[_F], _F], _ocpp_on(action))


class _PackageSide(ChargePoint):  # type: ignore[misc]  # untyped package
    def __init__(self, identity: str, connection: ServerConnection, recorder: Recorder) -> None:
        super().__init__(identity, connection, response_timeout=10)
        self.recorder = recorder

    async def _record(self, action: str, payload: dict[str, Any]) -> None:
        await self.recorder.record(self.id, action, payload)

    @on("BootNotification")
    async def on_boot(self, **payload: Any) -> Any:
        await self._record("BootNotification", payload)
        return call_result.BootNotification(current_time=NOW, interval=300, status="Accepted")

    @on("Heartbeat")
    async def on_heartbeat(self, **payload: Any) -> Any:
        await self._record("Heartbeat", payload)
        return call_result.Heartbeat(current_time=NOW)

    @on("StatusNotification")
    async def on_status(self, **payload: Any) -> Any:
        await self._record("StatusNotification", payload)
        return call_result.StatusNotification()

    @on("Authorize")
    async def on_authorize(self, **payload: Any) -> Any:
        await self._record("Authorize", payload)
        return call_result.Authorize(id_token_info={"status": "Accepted"})

    @on("TransactionEvent")
    async def on_transaction_event(self, **payload: Any) -> Any:
        await self._record("TransactionEvent", payload)
        return call_result.TransactionEvent()

    @on("NotifyReport")
    async def on_notify_report(self, **payload: Any) -> Any:
        await self._record("NotifyReport", payload)
        return call_result.NotifyReport()


@dataclass
class OcppPackageCsms:
    """A CSMS built with the `ocpp` package (payload keys are its snake_case names)."""

    recorder: Recorder = field(default_factory=Recorder)
    sides: dict[str, _PackageSide] = field(default_factory=dict)
    server: Server | None = None

    async def _serve(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        identity = websocket.request.path.rstrip("/").rsplit("/", 1)[-1]
        side = _PackageSide(identity, websocket, self.recorder)
        self.sides[identity] = side
        with contextlib.suppress(Exception):
            await side.start()

    async def start(self) -> str:
        self.server = await serve(
            self._serve,
            "127.0.0.1",
            0,
            subprotocols=[Subprotocol("ocpp2.0.1")],
            ping_interval=None,
        )
        port = int(next(iter(self.server.sockets)).getsockname()[1])
        return f"ws://127.0.0.1:{port}/"

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
