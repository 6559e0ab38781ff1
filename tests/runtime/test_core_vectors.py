"""Wire vectors for the sans-IO core: (state, received frame) -> events + frames sent back.

Each row names the version(s) and local role, the commands that set up the state (our CALLs
get ids m1, m2, ...), the text received, the events expected (type and the fields that
matter) and the exact frames the core writes in response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ocppgen.generated import v16, v21, v201
from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.core import (
    CallReceived,
    Connection,
    ErrorReceived,
    InvalidResult,
    ProtocolFault,
    ResultErrorReceived,
    ResultReceived,
    SendReceived,
    UnexpectedError,
    UnexpectedResult,
)
from ocppgen.runtime.model import OcppModel

from .fakeversion import (
    BOOT,
    BOOT_JSON,
    BOOT_RESPONSE_JSON,
    VERSIONS,
    HeartbeatRequest,
    ResetRequest,
    ResetType,
    counter_ids,
)

ALL = ("1.6", "2.0.1", "2.1")
X2 = ("2.0.1", "2.1")
CS = Role.CHARGING_STATION
CSMS = Role.CSMS
HB = HeartbeatRequest()
RESET = ResetRequest(type=ResetType.IMMEDIATE)


@dataclass(frozen=True)
class Vector:
    name: str
    versions: tuple[str, ...]
    role: Role
    receive: str
    events: list[tuple[type, dict[str, Any]]]
    out: list[str]
    calls: tuple[OcppModel, ...] = ()  # our CALLs before (ids m1, m2, ...)
    before: tuple[str, ...] = ()  # frames received before
    supported: frozenset[str] | None = None
    still_in_progress: frozenset[str] = field(default_factory=frozenset)
    generated: bool = False  # the generated bindings (untyped `data`, customData), not the fake


GENERATED: dict[str, VersionSpec] = {"1.6": v16.VERSION, "2.0.1": v201.VERSION, "2.1": v21.VERSION}


def _boot(message_id: str = "c1", payload: str = BOOT_JSON) -> str:
    return f'[2,"{message_id}","BootNotification",{payload}]'


def _err(code: str, description: str, message_id: str = "c1", details: str = "{}") -> str:
    return f'[4,"{message_id}","{code}","{description}",{details}]'


def _fault(fault: str, code: str | None, reply: bool = True) -> tuple[type, dict[str, Any]]:
    return ProtocolFault, {"fault": fault, "code": code, **({} if reply else {"reply": None})}


def _payload_rows() -> list[Vector]:
    """Invalid CALL payloads: one row per validation fault and version spelling."""
    cases = [
        # name, payload, fault, {version: code}
        (
            "missing required",
            '{"reason":"PowerUp"}',
            "missing_property",
            {"1.6": "OccurenceConstraintViolation", "2.0.1": "OccurrenceConstraintViolation"},
        ),
        (
            "unknown property",
            '{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"},"x":1}',
            "unknown_property",
            {"1.6": "FormationViolation", "2.0.1": "ProtocolError"},
        ),
        (
            "wrong type",
            '{"reason":"PowerUp","chargingStation":{"model":5,"vendorName":"V"}}',
            "wrong_type",
            {"1.6": "TypeConstraintViolation", "2.0.1": "TypeConstraintViolation"},
        ),
        (
            "number for an enum",
            '{"reason":1,"chargingStation":{"model":"M","vendorName":"V"}}',
            "wrong_type",
            {"1.6": "TypeConstraintViolation", "2.0.1": "TypeConstraintViolation"},
        ),
        (
            "null",
            '{"reason":"PowerUp","chargingStation":null}',
            "wrong_type",
            {"1.6": "TypeConstraintViolation", "2.0.1": "TypeConstraintViolation"},
        ),
        (
            "value outside enum",
            '{"reason":"Reboot","chargingStation":{"model":"M","vendorName":"V"}}',
            "bad_value",
            {"1.6": "PropertyConstraintViolation", "2.0.1": "PropertyConstraintViolation"},
        ),
        (
            "string too long",
            '{"reason":"PowerUp","chargingStation":{"model":"' + "m" * 21 + '","vendorName":"V"}}',
            "bad_value",
            {"1.6": "PropertyConstraintViolation", "2.0.1": "PropertyConstraintViolation"},
        ),
        (
            "not an object",
            '["PowerUp"]',
            "not_an_object",
            {"1.6": "FormationViolation", "2.0.1": "FormatViolation"},
        ),
        (
            "null payload",
            "null",
            "not_an_object",
            {"1.6": "FormationViolation", "2.0.1": "FormatViolation"},
        ),
    ]
    rows = []
    for name, payload, fault, codes in cases:
        for version in ALL:
            code = codes["2.0.1" if version == "2.1" else version]
            rows.append(
                Vector(
                    f"payload {name} {version}",
                    (version,),
                    CSMS,
                    _boot("c1", payload),
                    [_fault(fault, code)],
                    ["*"],  # checked below: a CALLERROR with this code and id c1
                )
            )
    return rows


def _nest(depth: int, inner: str = "") -> str:
    """`depth` arrays, one in the other, the innermost holding `inner`."""
    return "[" * depth + inner + "]" * depth


# The frame's first elements are still read when the rest is too deep to decode.
_DEEP_REASON = "nested deeper than the JSON decoder goes; at most 200 levels are accepted"
_SURROGATE = "a lone surrogate (\\\\ud800-\\\\udfff) is not a Unicode character"


def _surrogate_err(code: str, path: str) -> str:
    details = f'{{"errors":[{{"path":"{path}","type":"lone_surrogate","message":"{_SURROGATE}"}}]}}'
    return _err(code, f"{path}: {_SURROGATE}", details=details)


def _limit_rows() -> list[Vector]:
    """Issue 13, item 17: payloads nested too deep, lone surrogates; every version's spelling."""
    rows = []
    for version in ALL:
        x2 = version != "1.6"
        fmt = "FormatViolation" if x2 else "FormationViolation"
        protocol = "ProtocolError" if x2 else "FormationViolation"
        rows += [
            Vector(
                f"payload nested 201 levels: {fmt} with the CALL's id, {version}",
                (version,),
                CSMS,
                f'[2,"c1","DataTransfer",{{"vendorId":"V","data":{_nest(200, "1")}}}]',
                [_fault("too_deep", fmt)],
                [_err(fmt, "payload: a value nested 201 levels deep; at most 200 are accepted")],
                generated=True,
            ),
            Vector(
                f"frame 1,000 deep: {fmt} with the CALL's id, not -1, {version}",
                (version,),
                CSMS,
                f'[2,"c1","DataTransfer",{{"vendorId":"V","data":{_nest(1000)}}}]',
                [_fault("too_deep", fmt)],
                [_err(fmt, _DEEP_REASON)],
            ),
            Vector(
                f"frame 100,000 deep: {fmt} with the CALL's id, {version}",
                (version,),
                CSMS,
                f'[2,"c1","Heartbeat",{_nest(100_000)}]',
                [_fault("too_deep", fmt)],
                [_err(fmt, _DEEP_REASON)],
            ),
            Vector(
                f"lone surrogate in an enum field, {version}",
                (version,),
                CSMS,
                _boot(
                    "c1", '{"reason":"\\ud800","chargingStation":{"model":"M","vendorName":"V"}}'
                ),
                [_fault("bad_value", "PropertyConstraintViolation")],
                [_surrogate_err("PropertyConstraintViolation", "/reason")],
            ),
            Vector(
                f"lone surrogate in a string field, {version}",
                (version,),
                CSMS,
                _boot(
                    "c1",
                    '{"reason":"PowerUp","chargingStation":{"model":"M\\udc00","vendorName":"V"}}',
                ),
                [_fault("bad_value", "PropertyConstraintViolation")],
                [_surrogate_err("PropertyConstraintViolation", "/chargingStation/model")],
            ),
            Vector(
                f"lone surrogate and an unknown property: the more fundamental fault, {version}",
                (version,),
                CSMS,
                _boot(
                    "c1",
                    '{"reason":"\\ud800","chargingStation":{"model":"M","vendorName":"V"},"x":1}',
                ),
                [_fault("unknown_property", protocol)],
                ["*"],
            ),
            Vector(
                f"a surrogate pair is one character, {version}",
                (version,),
                CSMS,
                _boot(
                    "c1",
                    '{"reason":"PowerUp","chargingStation":{"model":"\\ud83d\\ude00","vendorName":"V"}}',
                ),
                [(CallReceived, {"message_id": "c1"})],
                [],
            ),
        ]
    for version in X2:
        fmt = "FormatViolation"
        rows += [
            Vector(
                f"payload nested 200 levels is accepted, {version}",
                (version,),
                CSMS,
                f'[2,"c1","DataTransfer",{{"vendorId":"V","data":{_nest(199, "1")}}}]',
                [(CallReceived, {"message_id": "c1", "action": "DataTransfer"})],
                [],
                generated=True,
            ),
            Vector(
                f"payload nested 200 levels (empty arrays) is accepted, {version}",
                (version,),
                CSMS,
                f'[2,"c1","DataTransfer",{{"vendorId":"V","data":{_nest(200)}}}]',
                [(CallReceived, {"message_id": "c1", "action": "DataTransfer"})],
                [],
                generated=True,
            ),
            Vector(
                f"payload nested 201 levels (empty arrays): {fmt}, {version}",
                (version,),
                CSMS,
                f'[2,"c1","DataTransfer",{{"vendorId":"V","data":{_nest(201)}}}]',
                [_fault("too_deep", fmt)],
                [_err(fmt, "payload: a value nested 201 levels deep; at most 200 are accepted")],
                generated=True,
            ),
            Vector(
                f"customData nested 500 levels: {fmt} with the CALL's id, {version}",
                (version,),
                CSMS,
                f'[2,"c1","Heartbeat",{{"customData":{{"vendorId":"V","x":{_nest(499)}}}}}]',
                [_fault("too_deep", fmt)],
                [_err(fmt, "payload: a value nested 500 levels deep; at most 200 are accepted")],
                generated=True,
            ),
            Vector(
                f"lone surrogate in a generated enum field, {version}",
                (version,),
                CSMS,
                '[2,"c1","BootNotification",{"reason":"\\ud800",'
                '"chargingStation":{"model":"M","vendorName":"V"}}]',
                [_fault("bad_value", "PropertyConstraintViolation")],
                [_surrogate_err("PropertyConstraintViolation", "/reason")],
                generated=True,
            ),
        ]
    rows += [
        Vector(
            "generated 1.6 idTag with a lone surrogate",
            ("1.6",),
            CSMS,
            '[2,"c1","Authorize",{"idTag":"\\ud800"}]',
            [_fault("bad_value", "PropertyConstraintViolation")],
            [_surrogate_err("PropertyConstraintViolation", "/idTag")],
            generated=True,
        ),
        Vector(
            "result too deep for the outstanding call, 2.0.1: finished, never answered",
            ("2.0.1",),
            CS,
            f'[3,"m1",{_nest(1000)}]',
            [(InvalidResult, {"message_id": "m1", "code": "FormatViolation", "reply": None})],
            ['[2,"m2","Heartbeat",{}]'],
            calls=(BOOT, HB),
        ),
        Vector(
            "result too deep for the outstanding call, 2.1: CALLRESULTERROR with its id",
            ("2.1",),
            CS,
            f'[3,"m1",{{"currentTime":{_nest(300)}}}]',
            [(InvalidResult, {"message_id": "m1", "code": "FormatViolation"})],
            [
                '[5,"m1","FormatViolation","payload: a value nested 300 levels deep; '
                'at most 200 are accepted",{}]',
                '[2,"m2","Heartbeat",{}]',
            ],
            calls=(BOOT, HB),
        ),
    ]
    return rows


VECTORS: list[Vector] = [
    # --- CALLs from the peer -----------------------------------------------------------------
    Vector(
        "valid call",
        ALL,
        CSMS,
        _boot(),
        [(CallReceived, {"message_id": "c1", "action": "BootNotification", "request": BOOT})],
        [],
        still_in_progress=frozenset({"c1"}),
    ),
    Vector(
        "id of 36 characters",
        ALL,
        CSMS,
        _boot("x" * 36),
        [(CallReceived, {"message_id": "x" * 36})],
        [],
    ),
    Vector(
        "unknown action",
        ALL,
        CSMS,
        '[2,"c1","FlyToTheMoon",{}]',
        [_fault("unknown_action", "NotImplemented")],
        [_err("NotImplemented", "OCPP {v} has no action 'FlyToTheMoon'")],
    ),
    Vector(
        "action the other role receives",
        ALL,
        CSMS,
        '[2,"c1","Reset",{"type":"Immediate"}]',
        [_fault("not_supported", "NotSupported")],
        [_err("NotSupported", "Reset is not supported by this CSMS")],
    ),
    Vector(
        "action not in the supported set",
        ALL,
        CSMS,
        '[2,"c1","Heartbeat",{}]',
        [_fault("not_supported", "NotSupported")],
        [_err("NotSupported", "Heartbeat is not supported by this CSMS")],
        supported=frozenset({"BootNotification"}),
    ),
    Vector(
        "SEND-only action sent as CALL",
        ("2.1",),
        CSMS,
        '[2,"c1","NotifyPeriodicEventStream",{"id":1,"pending":0,"data":[{"t":1,"v":"2"}]}]',
        [_fault("not_supported", "NotSupported")],
        [_err("NotSupported", "NotifyPeriodicEventStream is not supported by this CSMS")],
    ),
    Vector(
        "duplicate id while the first is in progress",
        X2,
        CSMS,
        '[2,"c1","Heartbeat",{}]',
        [_fault("duplicate_id", "RpcFrameworkError")],
        [_err("RpcFrameworkError", "a CALL with id 'c1' is still being processed")],
        before=(_boot(),),
        still_in_progress=frozenset({"c1"}),
    ),
    Vector(
        "duplicate id while the first is in progress, 1.6",
        ("1.6",),
        CSMS,
        '[2,"c1","Heartbeat",{}]',
        [_fault("duplicate_id", "GenericError")],
        [_err("GenericError", "a CALL with id 'c1' is still being processed")],
        before=(_boot(),),
        still_in_progress=frozenset({"c1"}),
    ),
    Vector(
        "a second call with another id is accepted (calls may cross)",
        ALL,
        CSMS,
        '[2,"c2","Heartbeat",{}]',
        [(CallReceived, {"message_id": "c2", "action": "Heartbeat"})],
        [],
        before=(_boot(),),
        still_in_progress=frozenset({"c1", "c2"}),
    ),
    *_payload_rows(),
    *_limit_rows(),
    # --- broken frames -----------------------------------------------------------------------
    Vector(
        "not JSON",
        X2,
        CSMS,
        "[2,",
        [_fault("not_json", "RpcFrameworkError")],
        ["*-1"],
    ),
    Vector(
        "not JSON, 1.6",
        ("1.6",),
        CSMS,
        "hello",
        [_fault("not_json", "FormationViolation")],
        ["*-1"],
    ),
    Vector(
        "NaN is not JSON",
        X2,
        CSMS,
        '[2,"c1","Heartbeat",{"a":NaN}]',
        [_fault("not_json", "RpcFrameworkError")],
        ["*-1"],
    ),
    Vector(
        "not an array", X2, CSMS, '{"a":1}', [_fault("not_array", "RpcFrameworkError")], ["*-1"]
    ),
    Vector(
        "empty array", ("1.6",), CSMS, "[]", [_fault("not_array", "FormationViolation")], ["*-1"]
    ),
    Vector(
        "message type as string, id readable",
        X2,
        CSMS,
        '["2","c1","Heartbeat",{}]',
        [_fault("bad_message_type", "RpcFrameworkError")],
        [_err("RpcFrameworkError", "MessageTypeId is not an integer")],
    ),
    Vector(
        "id not a string",
        X2,
        CSMS,
        '[2,17,"Heartbeat",{}]',
        [_fault("bad_message_id", "RpcFrameworkError")],
        [
            _err(
                "RpcFrameworkError",
                "MessageId is missing, not a string or longer than 36 characters",
                "-1",
            )
        ],
    ),
    Vector(
        "id of 37 characters",
        ("1.6",),
        CSMS,
        _boot("x" * 37),
        [_fault("bad_message_id", "FormationViolation")],
        [
            _err(
                "FormationViolation",
                "MessageId is missing, not a string or longer than 36 characters",
                "-1",
            )
        ],
    ),
    Vector(
        "CALL with 3 elements",
        X2,
        CSMS,
        '[2,"c1","Heartbeat"]',
        [_fault("bad_structure", "RpcFrameworkError")],
        [_err("RpcFrameworkError", "MessageTypeId 2 takes 4 elements, got 3")],
    ),
    Vector(
        "CALL with action not a string",
        ("1.6",),
        CSMS,
        '[2,"c1",7,{}]',
        [_fault("bad_structure", "FormationViolation")],
        [_err("FormationViolation", "Action is not a string")],
    ),
    # --- message types a version does not have -------------------------------------------------
    Vector(
        "unknown type 7 in 2.0.1",
        ("2.0.1",),
        CSMS,
        '[7,"c1",{}]',
        [_fault("unknown_message_type", "MessageTypeNotSupported")],
        [_err("MessageTypeNotSupported", "MessageTypeId 7 is not supported in OCPP 2.0.1")],
    ),
    Vector(
        "unknown type 7 without id in 2.0.1",
        ("2.0.1",),
        CSMS,
        "[7]",
        [_fault("unknown_message_type", "MessageTypeNotSupported")],
        [_err("MessageTypeNotSupported", "MessageTypeId 7 is not supported in OCPP 2.0.1", "-1")],
    ),
    Vector(
        "SEND in 2.0.1",
        ("2.0.1",),
        CSMS,
        '[6,"c1","Heartbeat",{}]',
        [_fault("unknown_message_type", "MessageTypeNotSupported")],
        [_err("MessageTypeNotSupported", "MessageTypeId 6 is not supported in OCPP 2.0.1")],
    ),
    Vector(
        "CALLRESULTERROR in 2.0.1",
        ("2.0.1",),
        CSMS,
        '[5,"c1","GenericError","",{}]',
        [_fault("unknown_message_type", "MessageTypeNotSupported")],
        [_err("MessageTypeNotSupported", "MessageTypeId 5 is not supported in OCPP 2.0.1")],
    ),
    Vector(
        "broken SEND in 2.0.1 is still an unknown type",
        ("2.0.1",),
        CSMS,
        '[6,"c1"]',
        [_fault("unknown_message_type", "MessageTypeNotSupported")],
        [_err("MessageTypeNotSupported", "MessageTypeId 6 is not supported in OCPP 2.0.1")],
    ),
    Vector(
        "unknown type is ignored in 1.6 and 2.1",
        ("1.6", "2.1"),
        CSMS,
        '[7,"c1",{}]',
        [(ProtocolFault, {"fault": "unknown_message_type", "code": None, "reply": None})],
        [],
    ),
    Vector(
        "SEND and CALLRESULTERROR are unknown types in 1.6",
        ("1.6",),
        CSMS,
        '[6,"c1","Heartbeat",{}]',
        [(ProtocolFault, {"fault": "unknown_message_type", "code": None, "reply": None})],
        [],
    ),
    # --- answers to our CALLs ----------------------------------------------------------------
    Vector(
        "result for the outstanding call; the queued one goes out",
        ALL,
        CS,
        f'[3,"m1",{BOOT_RESPONSE_JSON}]',
        [(ResultReceived, {"message_id": "m1", "action": "BootNotification", "request": BOOT})],
        ['[2,"m2","Heartbeat",{}]'],
        calls=(BOOT, HB),
    ),
    Vector(
        "result for an unknown id",
        ALL,
        CS,
        '[3,"zz",{}]',
        [(UnexpectedResult, {"message_id": "zz", "payload": {}})],
        [],
        calls=(BOOT,),
    ),
    Vector(
        "result for a call still queued (never sent)",
        ALL,
        CS,
        '[3,"m2",{"currentTime":"2024-05-01T12:00:00Z"}]',
        [(UnexpectedResult, {"message_id": "m2"})],
        [],
        calls=(BOOT, HB),
    ),
    Vector(
        "invalid result in 2.0.1 and 1.6: reported, never answered",
        ("1.6", "2.0.1"),
        CS,
        '[3,"m1",{"currentTime":"2024-05-01T12:00:00Z","interval":"300","status":"Accepted"}]',
        [(InvalidResult, {"message_id": "m1", "code": "TypeConstraintViolation", "reply": None})],
        ['[2,"m2","Heartbeat",{}]'],
        calls=(BOOT, HB),
    ),
    Vector(
        "invalid result in 2.1: CALLRESULTERROR (FR.06)",
        ("2.1",),
        CS,
        '[3,"m1",{"currentTime":"2024-05-01T12:00:00Z","interval":"300","status":"Accepted"}]',
        [(InvalidResult, {"message_id": "m1", "code": "TypeConstraintViolation"})],
        [
            '[5,"m1","TypeConstraintViolation","/interval: Input should be a valid integer",'
            '{"errors":[{"path":"/interval","type":"int_type",'
            '"message":"Input should be a valid integer"}]}]',
            '[2,"m2","Heartbeat",{}]',
        ],
        calls=(BOOT, HB),
    ),
    Vector(
        "broken result carrying the outstanding id, 2.1",
        ("2.1",),
        CS,
        '[3,"m1"]',
        [(InvalidResult, {"message_id": "m1", "code": "RpcFrameworkError"})],
        ['[5,"m1","RpcFrameworkError","MessageTypeId 3 takes 3 elements, got 2",{}]'],
        calls=(BOOT,),
    ),
    Vector(
        "broken result carrying the outstanding id, 2.0.1",
        ("2.0.1",),
        CS,
        '[3,"m1",{},{}]',
        [(InvalidResult, {"message_id": "m1", "code": "RpcFrameworkError", "reply": None})],
        [],
        calls=(BOOT,),
    ),
    Vector(
        "broken result for no call of ours: never answered",
        ALL,
        CS,
        '[3,"zz"]',
        [(ProtocolFault, {"fault": "bad_structure", "message_id": "zz", "reply": None})],
        [],
        calls=(BOOT,),
    ),
    Vector(
        "result without readable id: never answered",
        ALL,
        CS,
        "[3,5,{}]",
        [(ProtocolFault, {"fault": "bad_message_id", "message_id": None, "reply": None})],
        [],
        calls=(BOOT,),
    ),
    Vector(
        "error for the outstanding call",
        ALL,
        CS,
        '[4,"m1","NotSupported","no",{"a":1}]',
        [
            (
                ErrorReceived,
                {
                    "message_id": "m1",
                    "action": "BootNotification",
                    "code": "NotSupported",
                    "description": "no",
                    "details": {"a": 1},
                },
            )
        ],
        ['[2,"m2","Heartbeat",{}]'],
        calls=(BOOT, HB),
    ),
    Vector(
        "error with id -1",
        ALL,
        CS,
        '[4,"-1","RpcFrameworkError","",{}]',
        [(UnexpectedError, {"message_id": "-1", "code": "RpcFrameworkError"})],
        [],
        calls=(BOOT,),
    ),
    Vector(
        "error code unknown to OCPP is passed on as is",
        ALL,
        CS,
        '[4,"m1","Whatever","",{}]',
        [(ErrorReceived, {"message_id": "m1", "code": "Whatever"})],
        [],
        calls=(BOOT,),
    ),
    Vector(
        "broken error for the outstanding call: finished, never answered",
        ALL,
        CS,
        '[4,"m1","GenericError","",[]]',
        [(InvalidResult, {"message_id": "m1", "reply": None})],
        ['[2,"m2","Heartbeat",{}]'],
        calls=(BOOT, HB),
    ),
    Vector(
        "CALLRESULTERROR in 2.1",
        ("2.1",),
        CSMS,
        '[5,"c9","FormatViolation","bad",{}]',
        [
            (
                ResultErrorReceived,
                {"message_id": "c9", "code": "FormatViolation", "description": "bad"},
            )
        ],
        [],
    ),
    Vector(
        "broken CALLRESULTERROR in 2.1: never answered",
        ("2.1",),
        CSMS,
        '[5,"c9","FormatViolation"]',
        [(ProtocolFault, {"fault": "bad_structure", "reply": None})],
        [],
    ),
    # --- SEND (2.1) ----------------------------------------------------------------------------
    Vector(
        "valid SEND",
        ("2.1",),
        CSMS,
        '[6,"s1","NotifyPeriodicEventStream",{"id":1,"pending":0,"data":[{"t":1,"v":"2"}]}]',
        [(SendReceived, {"message_id": "s1", "action": "NotifyPeriodicEventStream"})],
        [],
    ),
    Vector(
        "invalid SEND: never answered",
        ("2.1",),
        CSMS,
        '[6,"s1","NotifyPeriodicEventStream",{"id":1,"pending":0,"data":[]}]',
        [_fault("array_length", "OccurrenceConstraintViolation", reply=False)],
        [],
    ),
    Vector(
        "SEND of an unknown action: never answered",
        ("2.1",),
        CSMS,
        '[6,"s1","Nope",{}]',
        [_fault("unknown_action", "NotImplemented", reply=False)],
        [],
    ),
    Vector(
        "SEND of a CALL action: never answered",
        ("2.1",),
        CSMS,
        '[6,"s1","Heartbeat",{}]',
        [_fault("not_supported", "NotSupported", reply=False)],
        [],
    ),
    Vector(
        "broken SEND: never answered",
        ("2.1",),
        CSMS,
        '[6,"s1",{}]',
        [_fault("bad_structure", "RpcFrameworkError", reply=False)],
        [],
    ),
]


def _cases() -> list[Any]:
    return [
        pytest.param(vector, version, id=f"{vector.name} [{version}]")
        for vector in VECTORS
        for version in vector.versions
    ]


@pytest.mark.parametrize(("vector", "version"), _cases())
def test_vector(vector: Vector, version: str) -> None:
    spec = (GENERATED if vector.generated else VERSIONS)[version]
    conn = Connection(spec, vector.role, supported=vector.supported, id_factory=counter_ids())
    for request in vector.calls:
        conn.call(request)
    for text in vector.before:
        conn.receive(text)
    conn.outgoing()

    events = conn.receive(vector.receive)
    out = conn.outgoing()

    assert [type(e) for e in events] == [t for t, _ in vector.events]
    for event, (_, fields) in zip(events, vector.events, strict=True):
        for name, expected in fields.items():
            assert getattr(event, name) == expected, name
    if vector.out == ["*"]:  # a CALLERROR with the event's code for id c1
        (fault,) = events
        assert isinstance(fault, ProtocolFault)
        assert out == [fault.reply]
        assert out[0].startswith(f'[4,"c1","{fault.code}","/') or out[0].startswith(
            f'[4,"c1","{fault.code}","payload:'
        )
    elif vector.out == ["*-1"]:  # a CALLERROR with id -1
        (fault,) = events
        assert isinstance(fault, ProtocolFault)
        assert out == [fault.reply]
        assert out[0].startswith(f'[4,"-1","{fault.code}",')
    else:
        assert out == [text.replace("{v}", version) for text in vector.out]
    for event in events:
        if isinstance(event, ProtocolFault | InvalidResult) and event.reply is not None:
            assert event.reply in out
    if vector.still_in_progress:
        assert conn.in_progress == vector.still_in_progress


def test_every_fault_reply_is_listed_in_outgoing_in_order() -> None:
    conn = Connection(VERSIONS["2.0.1"], CSMS)
    replies = []
    for text in ["x", '[2,"a","Nope",{}]', "[7]", '[2,"b","Heartbeat",[]]']:
        (event,) = conn.receive(text)
        assert isinstance(event, ProtocolFault)
        replies.append(event.reply)
    assert conn.outgoing() == replies
    assert conn.outgoing() == []
