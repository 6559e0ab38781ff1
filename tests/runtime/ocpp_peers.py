"""Independent OCPP 2.0.1 peers built with the `ocpp` package from PyPI (a test-only dependency).

`OcppPackageCsms` is a CSMS written the way that package's documentation shows (a `ChargePoint`
subclass with `@on` handlers per connection, served by `websockets`); `connect_ocpp_station`
gives a Charging Station built the same way. The interop tests point our runtime at them, and
`bench/bench_runtime.py` runs the benchmark workload on them as the incumbent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from ocpp.routing import on as _ocpp_on
from ocpp.v201 import ChargePoint, call, call_result
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

__all__ = [
    "CURRENT_TIME",
    "OcppPackageCsms",
    "OcppPackageCsmsSide",
    "OcppPackageStation",
    "OcppStationHandle",
    "connect_ocpp_station",
]

CURRENT_TIME = "2025-01-01T12:00:00Z"

_F = TypeVar("_F", bound=Callable[..., Any])


def on(action: str) -> Callable[[_F], _F]:
    """The package's `@on`, typed for mypy."""
    return cast(Callable[[_F], _F], _ocpp_on(action))


class OcppPackageCsmsSide(ChargePoint):  # type: ignore[misc]  # untyped package
    """The `ocpp` package's CSMS view of one connected station."""

    def __init__(self, identity: str, connection: ServerConnection) -> None:
        super().__init__(identity, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on("BootNotification")
    def on_boot_notification(self, **payload: Any) -> Any:
        self.received.append(("BootNotification", payload))
        return call_result.BootNotification(
            current_time=CURRENT_TIME, interval=300, status="Accepted"
        )

    @on("Heartbeat")
    def on_heartbeat(self, **payload: Any) -> Any:
        self.received.append(("Heartbeat", payload))
        return call_result.Heartbeat(current_time=CURRENT_TIME)

    @on("TransactionEvent")
    def on_transaction_event(self, **payload: Any) -> Any:
        self.received.append(("TransactionEvent", payload))
        return call_result.TransactionEvent()

    @on("StatusNotification")
    def on_status_notification(self, **payload: Any) -> Any:
        self.received.append(("StatusNotification", payload))
        return call_result.StatusNotification()


@dataclass
class OcppPackageCsms:
    """A CSMS built with the `ocpp` package: one `OcppPackageCsmsSide` per connection."""

    subprotocols: tuple[str, ...] = ("ocpp2.0.1",)
    ssl_context: ssl.SSLContext | None = None
    record: bool = True
    stations: dict[str, OcppPackageCsmsSide] = field(default_factory=dict)
    connected: asyncio.Condition = field(default_factory=asyncio.Condition)
    server: Server | None = None

    async def _handler(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        identity = websocket.request.path.rstrip("/").rsplit("/", 1)[-1]
        side = OcppPackageCsmsSide(identity, websocket)
        if not self.record:
            side.received = _Discard()
        self.stations[identity] = side
        async with self.connected:
            self.connected.notify_all()
        with contextlib.suppress(Exception):
            await side.start()
        self.stations.pop(identity, None)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen; return the port."""
        self.server = await serve(
            self._handler,
            host,
            port,
            subprotocols=[Subprotocol(name) for name in self.subprotocols],
            ssl=self.ssl_context,
            ping_interval=None,
        )
        return int(next(iter(self.server.sockets)).getsockname()[1])

    async def wait_for(self, identity: str, timeout: float = 5.0) -> OcppPackageCsmsSide:
        async with asyncio.timeout(timeout), self.connected:
            await self.connected.wait_for(lambda: identity in self.stations)
        return self.stations[identity]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


class _Discard(list[tuple[str, dict[str, Any]]]):
    """A `received` log that keeps nothing (for the benchmark)."""

    def append(self, item: tuple[str, dict[str, Any]]) -> None:
        pass


class OcppPackageStation(ChargePoint):  # type: ignore[misc]  # untyped package
    """A Charging Station built with the `ocpp` package; answers Reset and GetVariables."""

    def __init__(self, identity: str, connection: ClientConnection) -> None:
        super().__init__(identity, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []

    @on("Reset")
    def on_reset(self, **payload: Any) -> Any:
        self.received.append(("Reset", payload))
        return call_result.Reset(status="Accepted")

    @on("GetVariables")
    def on_get_variables(self, **payload: Any) -> Any:
        self.received.append(("GetVariables", payload))
        return call_result.GetVariables(
            get_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "attribute_value": "300",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in payload["get_variable_data"]
            ]
        )

    async def boot(self) -> Any:
        return await self.call(
            call.BootNotification(
                charging_station={"model": "Interop", "vendor_name": "ocpp-package"},
                reason="PowerUp",
            ),
            suppress=False,
        )


@dataclass
class OcppStationHandle:
    station: OcppPackageStation
    websocket: ClientConnection
    task: asyncio.Task[None]

    async def close(self) -> None:
        await self.websocket.close()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task


async def connect_ocpp_station(
    url: str,
    identity: str,
    *,
    subprotocols: tuple[str, ...] = ("ocpp2.0.1",),
    ssl_context: ssl.SSLContext | None = None,
    headers: Mapping[str, str] | None = None,
) -> OcppStationHandle:
    """Connect an `ocpp`-package station to `url` and start its receive loop."""
    websocket = await connect(
        url,
        subprotocols=[Subprotocol(name) for name in subprotocols],
        ssl=ssl_context,
        additional_headers=dict(headers or {}),
        ping_interval=None,
    )
    station = OcppPackageStation(identity, websocket)
    task = asyncio.create_task(station.start())
    return OcppStationHandle(station, websocket, task)
