"""The frame log (opt-in): every OCPP-J frame a connection sends or receives, one JSON line each.

    {"time": "2026-12-07T22:16:34.123Z", "connection": "CS001", "version": "2.0.1",
     "role": "CSMS", "direction": "in", "text": "[2,\"19\",\"Heartbeat\",{}]"}

`role` is the logging end's role and `direction` is seen from it: "in" received, "out" sent.
`text` is the frame exactly as on the wire. A line is self-contained (grep or cut a log and it
still reads), and `ocppgen validate --capture FILE` checks such a log (`capture_check.py`).

Give a `FrameLog` to `CsmsServer(frame_log=...)` or `StationClient(frame_log=...)`. Lines are
written as frames pass (received before they are handled, sent in the order they go out) and
flushed per line; JSON escapes keep every line one line of ASCII.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

__all__ = ["DIRECTIONS", "FrameLog", "Record", "parse_record"]

Direction = Literal["in", "out"]
DIRECTIONS: tuple[Direction, ...] = ("in", "out")
_FIELDS = ("time", "connection", "version", "role", "direction", "text")
_ROLES = ("ChargingStation", "CSMS")


@dataclass(frozen=True, slots=True)
class Record:
    """One line of the frame log."""

    time: str
    connection: str
    version: str
    role: str
    direction: Direction
    text: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FrameLog:
    """Writes records to a text stream (`FrameLog.open(path)` appends to a file)."""

    def __init__(self, stream: TextIO, *, clock: Callable[[], str] = _now) -> None:
        self._stream = stream
        self._clock = clock
        self._owned = False

    @classmethod
    def open(cls, path: str | Path) -> FrameLog:
        log = cls(Path(path).open("a", encoding="utf-8"))  # noqa: SIM115 - closed by close()
        log._owned = True
        return log

    def write(
        self, connection: str, version: str, role: str, direction: Direction, text: str
    ) -> None:
        line = json.dumps(
            {
                "time": self._clock(),
                "connection": connection,
                "version": version,
                "role": role,
                "direction": direction,
                "text": text,
            }
        )
        self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()


def parse_record(line: str) -> Record:
    """One log line as a `Record`; raises ValueError saying what is wrong with it."""
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ValueError("a record is a JSON object")
    missing = [name for name in _FIELDS if not isinstance(data.get(name), str)]
    if missing:
        raise ValueError("missing or not a string: " + ", ".join(missing))
    if data["direction"] not in DIRECTIONS:
        raise ValueError(f"direction must be 'in' or 'out', not {data['direction']!r}")
    if data["role"] not in _ROLES:
        raise ValueError(f"role must be ChargingStation or CSMS, not {data['role']!r}")
    return Record(*(data[name] for name in _FIELDS))
