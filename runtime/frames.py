"""OCPP-J frames: the JSON arrays on the WebSocket, decoded and encoded without I/O.

`decode(text)` never raises on peer input: it returns a frame, or a `FrameFault` saying what was
wrong and, where it could be read, the message id (so the caller can answer with that id, or
with "-1" when it cannot). It checks the envelope only; payloads are left as decoded JSON for the
generated classes to validate.

`split(text)` is the fast path for the common case: it reads only the header of a plainly
written CALL, CALLRESULT or SEND and returns the payload as raw JSON text, so the generated
class can validate it straight from text (pydantic's JSON mode: one parse, no Python dicts).
It is a hint, not a verdict: the payload text is not checked, and a caller that fails to
validate it must fall back to `decode`, which classifies every fault.

Frames (OCPP-J 1.6 §4.2, OCPP 2.0.1 Part 4 §4.2, OCPP 2.1 Part 4 §4.2):

    CALL             [2, messageId, action, payload]
    CALLRESULT       [3, messageId, payload]
    CALLERROR        [4, messageId, errorCode, errorDescription, errorDetails]
    CALLRESULTERROR  [5, messageId, errorCode, errorDescription, errorDetails]   (2.1 only)
    SEND             [6, messageId, action, payload]                            (2.1 only)

The decoder knows all five types; which ones a version allows is the connection's business.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

__all__ = [
    "MAX_MESSAGE_ID_LENGTH",
    "MAX_NESTING",
    "Call",
    "CallError",
    "CallResult",
    "CallResultError",
    "FaultKind",
    "Frame",
    "FrameFault",
    "FrameType",
    "Send",
    "decode",
    "encode",
    "encode_call",
    "encode_error",
    "encode_result",
    "nesting_depth",
    "split",
]

MAX_MESSAGE_ID_LENGTH = 36
"""Message ids are strings of at most 36 characters (room for a UUID)."""

MAX_NESTING = 200
"""How many levels below the payload a value may sit: a property of the payload is level 1,
an item of that property's array level 2, and so on (`nesting_depth`).

pydantic's JSON parser (jiter) refuses deeper text with a fixed recursion limit that no option
changes, and RFC 8259 §9 lets a JSON parser limit nesting. A deeper payload is a `TOO_DEEP`
fault, answered FormatViolation (1.6 FormationViolation) with the CALL's own message id."""


class FrameType(IntEnum):
    """The MessageTypeId, the first element of every frame."""

    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5
    SEND = 6


@dataclass(frozen=True, slots=True)
class Call:
    """`[2, message_id, action, payload]`: a request that expects a CALLRESULT or CALLERROR."""

    message_id: str
    action: str
    payload: Any  # decoded JSON; an object if the peer is correct, validated later


@dataclass(frozen=True, slots=True)
class CallResult:
    """`[3, message_id, payload]`: the answer to a CALL."""

    message_id: str
    payload: Any


@dataclass(frozen=True, slots=True)
class CallError:
    """`[4, message_id, error_code, error_description, error_details]`: a CALL failed."""

    message_id: str
    error_code: str
    error_description: str
    error_details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResultError:
    """`[5, ...]` (OCPP 2.1): the CALLRESULT with this id could not be accepted."""

    message_id: str
    error_code: str
    error_description: str
    error_details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Send:
    """`[6, message_id, action, payload]` (OCPP 2.1): a one-way message; nothing answers it."""

    message_id: str
    action: str
    payload: Any


Frame = Call | CallResult | CallError | CallResultError | Send


class FaultKind(StrEnum):
    """What is wrong with a frame that cannot be decoded (`errors` maps each kind to a code)."""

    NOT_JSON = "not_json"
    """The text is not JSON (RFC 8259; NaN and Infinity are not JSON)."""
    NOT_ARRAY = "not_array"
    """JSON, but not a non-empty array."""
    BAD_MESSAGE_TYPE = "bad_message_type"
    """The first element is not an integer."""
    UNKNOWN_MESSAGE_TYPE = "unknown_message_type"
    """An integer MessageTypeId that is not 2 to 6."""
    BAD_MESSAGE_ID = "bad_message_id"
    """The second element is missing, not a string, or longer than 36 characters."""
    BAD_STRUCTURE = "bad_structure"
    """A readable type and id, but the wrong number of elements or an element of the wrong type."""
    TOO_DEEP = "too_deep"
    """Nested deeper than Python's JSON decoder goes (about 1,000 levels, far beyond
    `MAX_NESTING`), with a type and id read from the frame's first elements (`[2,"id",`);
    without them, such a frame is NOT_JSON."""


@dataclass(frozen=True, slots=True)
class FrameFault:
    """A frame that could not be decoded. `message_id` is None when the id cannot be read."""

    kind: FaultKind
    message_type: int | None
    message_id: str | None
    reason: str


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_loads = json.JSONDecoder(parse_constant=_reject_constant).decode
_dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode

_LENGTHS = {2: 4, 3: 3, 4: 5, 5: 5, 6: 4}


# A CALL, CALLRESULT or SEND header whose strings need no unescaping: `[2,"id","Action",` or
# `[3,"id",`, JSON whitespace allowed where JSON allows it. Anything else (escapes, a float
# type, an id over 36 characters, ...) does not match and goes through `decode`.
_WS = r"[ \t\n\r]*"
_PLAIN = r'"([^"\\\x00-\x1f]*)"'
_HEADER = re.compile(
    rf'{_WS}\[{_WS}([236]){_WS},{_WS}"([^"\\\x00-\x1f]{{0,36}})"{_WS},{_WS}(?:{_PLAIN}{_WS},{_WS})?'
)
_match_header = _HEADER.match
_TYPES = {"2": 2, "3": 3, "6": 6}


def split(text: str) -> tuple[int, str, str | None, str] | None:
    """`(message_type, message_id, action, payload_text)` of a plainly written CALL (2),
    CALLRESULT (3, action None) or SEND (6), or None: then use `decode`.

    Never raises. The payload text is everything between the header and the closing bracket,
    unchecked: the frame is well-formed if and only if it is exactly one JSON value, which
    validating it with `model_validate_json` (rejecting trailing characters) establishes. On
    any validation failure, use `decode` and classify the fault from there.
    """
    match = _match_header(text)
    if match is None:
        return None
    kind, message_id, action = match.groups()
    message_type = _TYPES[kind]
    if (action is None) is (message_type != 3):
        return None  # a CALL or SEND without an action, or a CALLRESULT with a string payload
    end = len(text.rstrip(" \t\n\r")) - 1
    start = match.end()
    if end < start or text[end] != "]":
        return None
    return message_type, message_id, action, text[start:end]


def decode(text: str) -> Frame | FrameFault:
    """Decode one WebSocket text message. Never raises: faults are returned as `FrameFault`."""
    try:
        data = _loads(text)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        return FrameFault(FaultKind.NOT_JSON, None, None, f"not JSON: {exc}")
    except RecursionError:
        return _too_deep(text)
    if type(data) is not list or not data:
        return FrameFault(FaultKind.NOT_ARRAY, None, None, "a frame is a non-empty JSON array")
    message_type = data[0]
    if type(message_type) is not int:
        return FrameFault(
            FaultKind.BAD_MESSAGE_TYPE, None, _read_id(data), "MessageTypeId is not an integer"
        )
    message_id = _read_id(data)
    length = _LENGTHS.get(message_type)
    if length is None:
        return FrameFault(
            FaultKind.UNKNOWN_MESSAGE_TYPE,
            message_type,
            message_id,
            f"unknown MessageTypeId {message_type}",
        )
    if message_id is None:
        return FrameFault(
            FaultKind.BAD_MESSAGE_ID,
            message_type,
            None,
            "MessageId is missing, not a string or longer than 36 characters",
        )
    if len(data) != length:
        return FrameFault(
            FaultKind.BAD_STRUCTURE,
            message_type,
            message_id,
            f"MessageTypeId {message_type} takes {length} elements, got {len(data)}",
        )
    if message_type == 2 or message_type == 6:
        action = data[2]
        if type(action) is not str:
            return FrameFault(
                FaultKind.BAD_STRUCTURE, message_type, message_id, "Action is not a string"
            )
        if message_type == 2:
            return Call(message_id, action, data[3])
        return Send(message_id, action, data[3])
    if message_type == 3:
        return CallResult(message_id, data[2])
    code, description, details = data[2], data[3], data[4]
    if type(code) is not str or type(description) is not str or type(details) is not dict:
        return FrameFault(
            FaultKind.BAD_STRUCTURE,
            message_type,
            message_id,
            "errorCode and errorDescription must be strings and errorDetails an object",
        )
    if message_type == 4:
        return CallError(message_id, code, description, details)
    return CallResultError(message_id, code, description, details)


# The first elements of a frame, `[type, "id"`, read from the text without parsing the rest.
_START = re.compile(rf'{_WS}\[{_WS}(-?[0-9]+){_WS},{_WS}("(?:[^"\\\x00-\x1f]|\\.)*")')


def _too_deep(text: str) -> FrameFault:
    """A frame too deep to decode: the type and id are still read from its start, so a CALL is
    answered with its own id (only a frame whose id cannot be read gets "-1")."""
    reason = f"nested deeper than the JSON decoder goes; at most {MAX_NESTING} levels are accepted"
    match = _START.match(text)
    if match is None:  # nothing says it is a CALL: a frame we cannot read, as before
        return FrameFault(FaultKind.NOT_JSON, None, None, f"not JSON: {reason}")
    try:
        message_id = _loads(match[2])
    except ValueError:  # a bad escape in the id
        message_id = None
    if type(message_id) is not str or len(message_id) > MAX_MESSAGE_ID_LENGTH:
        message_id = None
    message_type = int(match[1])
    if message_type not in _LENGTHS:  # as `decode` would: the type is judged first
        reason = f"unknown MessageTypeId {message_type}"
        return FrameFault(FaultKind.UNKNOWN_MESSAGE_TYPE, message_type, message_id, reason)
    return FrameFault(FaultKind.TOO_DEEP, message_type, message_id, reason)


def nesting_depth(value: Any) -> int:
    """How many levels below `value` its deepest value sits: 0 for a scalar, `{}` or `[]`;
    1 for `{"a": 1}` or `[[]]`; 2 for `{"a": [1]}`. The measure `MAX_NESTING` limits.
    Iterative: it must not itself hit the recursion limit on deep data."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if type(item) is dict:
            stack.extend((child, level + 1) for child in item.values())
        elif type(item) is list:
            stack.extend((child, level + 1) for child in item)
    return deepest


def _read_id(data: list[Any]) -> str | None:
    if len(data) < 2:
        return None
    message_id = data[1]
    if type(message_id) is not str or len(message_id) > MAX_MESSAGE_ID_LENGTH:
        return None
    return message_id


def encode(frame: Frame) -> str:
    """Encode a frame as compact JSON text (payloads must be JSON-compatible data)."""
    match frame:
        case Call(message_id, action, payload):
            return _dumps([2, message_id, action, payload])
        case Send(message_id, action, payload):
            return _dumps([6, message_id, action, payload])
        case CallResult(message_id, payload):
            return _dumps([3, message_id, payload])
        case CallError(message_id, code, description, details):
            return _dumps([4, message_id, code, description, details])
        case CallResultError(message_id, code, description, details):
            return _dumps([5, message_id, code, description, details])
    raise TypeError(f"not a frame: {frame!r}")


def encode_call(message_type: int, message_id: str, action: str, payload_json: str) -> str:
    """A CALL or SEND from an already encoded payload (the fast path: no re-encoding)."""
    return f"[{message_type},{_dumps(message_id)},{_dumps(action)},{payload_json}]"


def encode_result(message_id: str, payload_json: str) -> str:
    """A CALLRESULT from an already encoded payload."""
    return f"[3,{_dumps(message_id)},{payload_json}]"


def encode_error(
    message_type: int, message_id: str, code: str, description: str, details: dict[str, Any]
) -> str:
    """A CALLERROR (4) or CALLRESULTERROR (5)."""
    return _dumps([message_type, message_id, code, description, details])
