"""A small local control API for a running station: JSON lines over TCP on 127.0.0.1.

Each request is one JSON object on one line, each answer one line:

    {"cmd": "plug_in", "evse": 1}                       -> {"ok": true, "result": null}
    {"cmd": "present_token", "id_token": "AB12", "type": "ISO14443", "evse": 1}
                                                        -> {"ok": true, "result": "Accepted"}
    {"cmd": "status"}                                   -> {"ok": true, "result": {...snapshot}}
    {"cmd": "unplug", "evse": 1}  /  {"cmd": "nope"}   -> {"ok": false, "error": "..."}

A command that fails answers `ok: false` with a one-line reason (never a traceback; a
station bug is logged). present_token answers the authorization status, also when no EVSE is
free and nothing starts (see `Station.present_token`).

Commands: plug_in (evse, connector), unplug (evse), present_token (id_token, type, evse),
start_button (evse), fault (evse), clear_fault (evse), lock_failure (evse, failing),
offline, online, status, idle (timeout: wait until the outbound queue is empty), stop (ends
the `ocppgen station` process). The same commands drive `ocppgen station --script`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ocppgen.reference.station.station import Station, StationError

__all__ = ["COMMANDS", "ControlServer", "execute"]

logger = logging.getLogger("ocppgen.reference.station")


async def _plug_in(s: Station, a: dict[str, Any]) -> Any:
    await s.plug_in(int(a.get("evse", 1)), int(a.get("connector", 1)))


async def _unplug(s: Station, a: dict[str, Any]) -> Any:
    await s.unplug(int(a.get("evse", 1)))


async def _token(s: Station, a: dict[str, Any]) -> Any:
    evse = a.get("evse")
    return await s.present_token(
        str(a["id_token"]), str(a.get("type", "ISO14443")), int(evse) if evse else None
    )


async def _button(s: Station, a: dict[str, Any]) -> Any:
    await s.press_start_button(int(a.get("evse", 1)))


async def _fault(s: Station, a: dict[str, Any]) -> Any:
    await s.fault(int(a.get("evse", 1)))


async def _clear(s: Station, a: dict[str, Any]) -> Any:
    await s.clear_fault(int(a.get("evse", 1)))


async def _lock(s: Station, a: dict[str, Any]) -> Any:
    await s.set_lock_failure(int(a.get("evse", 1)), bool(a.get("failing", True)))


async def _offline(s: Station, a: dict[str, Any]) -> Any:
    await s.go_offline()


async def _online(s: Station, a: dict[str, Any]) -> Any:
    await s.go_online()


async def _status(s: Station, a: dict[str, Any]) -> Any:
    return s.snapshot()


async def _idle(s: Station, a: dict[str, Any]) -> Any:
    await s.idle(float(a.get("timeout", 10.0)))


COMMANDS: dict[str, Callable[[Station, dict[str, Any]], Awaitable[Any]]] = {
    "plug_in": _plug_in,
    "unplug": _unplug,
    "present_token": _token,
    "start_button": _button,
    "fault": _fault,
    "clear_fault": _clear,
    "lock_failure": _lock,
    "offline": _offline,
    "online": _online,
    "status": _status,
    "idle": _idle,
}


async def execute(station: Station, request: dict[str, Any]) -> dict[str, Any]:
    """Run one command; the answer as the control API sends it."""
    command = COMMANDS.get(str(request.get("cmd")))
    if command is None:
        return {"ok": False, "error": f"unknown command {request.get('cmd')!r}"}
    try:
        return {"ok": True, "result": await command(station, request)}
    except (StationError, KeyError, ValueError, TypeError, TimeoutError) as error:
        return {"ok": False, "error": _explain(error)}
    except Exception as error:  # a station bug: still one answer line, the traceback in the log
        logger.exception("control command %r failed", request.get("cmd"))
        return {"ok": False, "error": f"internal error: {_explain(error)}"}


def _explain(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return f"missing argument {error}"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, StationError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class ControlServer:
    """Serves the control API for one station; `stopped` is set by the "stop" command."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.stopped = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> int:
        """Listen on 127.0.0.1:`port` (0: any free port); return the port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    request = json.loads(line)
                    if not isinstance(request, dict):
                        raise ValueError("a request is a JSON object")
                except ValueError as error:
                    answer: dict[str, Any] = {"ok": False, "error": f"bad request: {error}"}
                else:
                    if request.get("cmd") == "stop":
                        answer = {"ok": True, "result": None}
                        self.stopped.set()
                    else:
                        answer = await execute(self.station, request)
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
