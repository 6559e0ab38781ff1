"""Frame decoding and encoding: a table of wire texts and what they decode to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ocppgen.runtime.frames import (
    Call,
    CallError,
    CallResult,
    CallResultError,
    FaultKind,
    Frame,
    FrameFault,
    Send,
    decode,
    encode,
    encode_call,
    encode_error,
    encode_result,
    nesting_depth,
)

ID36 = "0" * 36
ID37 = "0" * 37
DEEP = "[" * 1000 + "]" * 1000  # deeper than Python's JSON decoder goes

# text -> the frame it decodes to
GOOD: list[tuple[str, Frame]] = [
    ('[2,"1","Heartbeat",{}]', Call("1", "Heartbeat", {})),
    (
        '[2, "a-b", "BootNotification", {"x": [1, 2.5]}]',
        Call("a-b", "BootNotification", {"x": [1, 2.5]}),
    ),
    (f'[2,"{ID36}","Heartbeat",{{}}]', Call(ID36, "Heartbeat", {})),
    ('[2,"","Heartbeat",{}]', Call("", "Heartbeat", {})),
    # The payload is checked later, by the action's class; the envelope is fine.
    ('[2,"1","Heartbeat",null]', Call("1", "Heartbeat", None)),
    ('[2,"1","Heartbeat",[]]', Call("1", "Heartbeat", [])),
    ('[3,"1",{"status":"Accepted"}]', CallResult("1", {"status": "Accepted"})),
    ('[4,"1","NotSupported","",{}]', CallError("1", "NotSupported", "", {})),
    (
        '[4,"-1","RpcFrameworkError","x",{"a":1}]',
        CallError("-1", "RpcFrameworkError", "x", {"a": 1}),
    ),
    ('[5,"1","FormatViolation","bad",{}]', CallResultError("1", "FormatViolation", "bad", {})),
    ('[6,"1","NotifyPeriodicEventStream",{}]', Send("1", "NotifyPeriodicEventStream", {})),
    (' \n[3,"1",{}]\t', CallResult("1", {})),
    ('[2,"\\u00e9","Heartbeat",{}]', Call("é", "Heartbeat", {})),
]


@pytest.mark.parametrize(("text", "frame"), GOOD, ids=[t for t, _ in GOOD])
def test_decode_good(text: str, frame: Frame) -> None:
    assert decode(text) == frame


# text -> (fault kind, message type read, message id read)
BAD: list[tuple[str, FaultKind, int | None, str | None]] = [
    ("", FaultKind.NOT_JSON, None, None),
    ("[2,", FaultKind.NOT_JSON, None, None),
    ("not json", FaultKind.NOT_JSON, None, None),
    ('[2,"1","Heartbeat",{"a":NaN}]', FaultKind.NOT_JSON, None, None),
    ('[2,"1","Heartbeat",{"a":Infinity}]', FaultKind.NOT_JSON, None, None),
    ('[2,"1","Heartbeat",{"a":-Infinity}]', FaultKind.NOT_JSON, None, None),
    ('[2,"1","Heartbeat",{}] x', FaultKind.NOT_JSON, None, None),
    ("[" * 100_000, FaultKind.NOT_JSON, None, None),
    ("[" * 100_000 + "]" * 100_000, FaultKind.NOT_JSON, None, None),
    ('\ufeff[2,"1","Heartbeat",{}]', FaultKind.NOT_JSON, None, None),  # RFC 8259 §8.1: no BOM
    ("{}", FaultKind.NOT_ARRAY, None, None),
    ('"[2]"', FaultKind.NOT_ARRAY, None, None),
    ("2", FaultKind.NOT_ARRAY, None, None),
    ("null", FaultKind.NOT_ARRAY, None, None),
    ("[]", FaultKind.NOT_ARRAY, None, None),
    ('["2","1","Heartbeat",{}]', FaultKind.BAD_MESSAGE_TYPE, None, "1"),
    ('[2.0,"1","Heartbeat",{}]', FaultKind.BAD_MESSAGE_TYPE, None, "1"),
    ('[true,"1","Heartbeat",{}]', FaultKind.BAD_MESSAGE_TYPE, None, "1"),
    ("[null]", FaultKind.BAD_MESSAGE_TYPE, None, None),
    ('[7,"1",{}]', FaultKind.UNKNOWN_MESSAGE_TYPE, 7, "1"),
    ("[0]", FaultKind.UNKNOWN_MESSAGE_TYPE, 0, None),
    ('[-2,"1"]', FaultKind.UNKNOWN_MESSAGE_TYPE, -2, "1"),
    ("[2]", FaultKind.BAD_MESSAGE_ID, 2, None),
    ('[2,1,"Heartbeat",{}]', FaultKind.BAD_MESSAGE_ID, 2, None),
    ('[2,null,"Heartbeat",{}]', FaultKind.BAD_MESSAGE_ID, 2, None),
    (f'[2,"{ID37}","Heartbeat",{{}}]', FaultKind.BAD_MESSAGE_ID, 2, None),
    ('[3,["1"],{}]', FaultKind.BAD_MESSAGE_ID, 3, None),
    ('[2,"1","Heartbeat"]', FaultKind.BAD_STRUCTURE, 2, "1"),
    ('[2,"1","Heartbeat",{},{}]', FaultKind.BAD_STRUCTURE, 2, "1"),
    ('[2,"1",5,{}]', FaultKind.BAD_STRUCTURE, 2, "1"),
    ('[2,"1",null,{}]', FaultKind.BAD_STRUCTURE, 2, "1"),
    ('[3,"1"]', FaultKind.BAD_STRUCTURE, 3, "1"),
    ('[3,"1",{},{}]', FaultKind.BAD_STRUCTURE, 3, "1"),
    ('[4,"1","GenericError",""]', FaultKind.BAD_STRUCTURE, 4, "1"),
    ('[4,"1",5,"",{}]', FaultKind.BAD_STRUCTURE, 4, "1"),
    ('[4,"1","GenericError",null,{}]', FaultKind.BAD_STRUCTURE, 4, "1"),
    ('[4,"1","GenericError","",[]]', FaultKind.BAD_STRUCTURE, 4, "1"),
    ('[4,"1","GenericError","",null]', FaultKind.BAD_STRUCTURE, 4, "1"),
    ('[5,"1","GenericError","",5]', FaultKind.BAD_STRUCTURE, 5, "1"),
    ('[6,"1",{}]', FaultKind.BAD_STRUCTURE, 6, "1"),
    ('[6,"1",7,{}]', FaultKind.BAD_STRUCTURE, 6, "1"),
    # Too deep to decode: the type and id are read from the frame's start (issue 13, item 17).
    (f'[2,"c1","DataTransfer",{{"data":{DEEP}}}]', FaultKind.TOO_DEEP, 2, "c1"),
    (f' [ 2 , "c\\u00e9" , "DataTransfer", {DEEP}]', FaultKind.TOO_DEEP, 2, "c\u00e9"),
    (f'[3,"m1",{DEEP}]', FaultKind.TOO_DEEP, 3, "m1"),
    (f'[4,"m1","GenericError","",{{"d":{DEEP}}}]', FaultKind.TOO_DEEP, 4, "m1"),
    (f'[2,"{ID37}","DataTransfer",{DEEP}]', FaultKind.TOO_DEEP, 2, None),
    (f'[2,"\\ud800","DataTransfer",{DEEP}]', FaultKind.TOO_DEEP, 2, "\ud800"),
    (f'[9,"c1",{DEEP}]', FaultKind.UNKNOWN_MESSAGE_TYPE, 9, "c1"),
    (f'[2,17,"DataTransfer",{DEEP}]', FaultKind.NOT_JSON, None, None),
    (f'[2,"c1\\x",{DEEP}]', FaultKind.NOT_JSON, None, None),  # the bad escape comes first
]


@pytest.mark.parametrize(
    ("text", "kind", "message_type", "message_id"), BAD, ids=[b[0][:40] for b in BAD]
)
def test_decode_bad(
    text: str, kind: FaultKind, message_type: int | None, message_id: str | None
) -> None:
    fault = decode(text)
    assert isinstance(fault, FrameFault)
    assert (fault.kind, fault.message_type, fault.message_id) == (kind, message_type, message_id)
    assert fault.reason


@pytest.mark.parametrize(("text", "frame"), GOOD, ids=[t for t, _ in GOOD])
def test_encode_decodes_back(text: str, frame: Frame) -> None:
    encoded = encode(frame)
    assert decode(encoded) == frame
    assert json.loads(encoded) == json.loads(text.strip())
    assert ", " not in encoded and ": " not in encoded  # compact


def test_encode_layout() -> None:
    assert encode(Call("1", "Heartbeat", {})) == '[2,"1","Heartbeat",{}]'
    assert encode(Send("1", "N", {"a": 1})) == '[6,"1","N",{"a":1}]'
    assert encode(CallResult("1", {})) == '[3,"1",{}]'
    assert encode(CallError("1", "GenericError", "d", {"k": "v"})) == (
        '[4,"1","GenericError","d",{"k":"v"}]'
    )
    assert encode(CallResultError("1", "GenericError", "", {})) == '[5,"1","GenericError","",{}]'


def test_encode_refuses_non_json() -> None:
    with pytest.raises(ValueError):
        encode(CallResult("1", {"x": float("nan")}))
    with pytest.raises(TypeError):
        encode("not a frame")  # type: ignore[arg-type]


def test_fast_path_encoders_match_encode() -> None:
    payload: dict[str, Any] = {"a": [1, 'é"\\']}
    text = json.dumps(payload, separators=(",", ":"))
    assert encode_call(2, 'i"d', "Act", text) == encode(Call('i"d', "Act", payload))
    assert encode_call(6, "id", "Act", text) == encode(Send("id", "Act", payload))
    assert encode_result("id", text) == encode(CallResult("id", payload))
    assert encode_error(4, "id", "GenericError", "d", {}) == encode(
        CallError("id", "GenericError", "d", {})
    )
    assert encode_error(5, "id", "GenericError", "d", {}) == encode(
        CallResultError("id", "GenericError", "d", {})
    )


def test_lone_surrogate_in_id_is_escaped_on_the_way_back() -> None:
    frame = decode('[2,"\\ud800","Heartbeat",{}]')
    assert isinstance(frame, Call)
    encoded = encode_error(4, frame.message_id, "GenericError", "", {})
    encoded.encode("utf-8")  # ASCII-escaped, so it can go on a WebSocket text frame
    assert decode(encoded) == CallError("\ud800", "GenericError", "", {})


@pytest.mark.parametrize(
    ("value", "depth"),
    [
        (1, 0),
        ("x", 0),
        ({}, 0),
        ([], 0),
        ({"a": 1}, 1),
        ([[]], 1),
        ({"a": [1]}, 2),
        ({"a": [1, {"b": []}], "c": 2}, 3),
        ([[], [[[]]], []], 3),
    ],
)
def test_nesting_depth(value: Any, depth: int) -> None:
    assert nesting_depth(value) == depth


def test_nesting_depth_of_data_deeper_than_the_recursion_limit() -> None:
    value: Any = []
    for _ in range(5000):
        value = [value]
    assert nesting_depth(value) == 5000
