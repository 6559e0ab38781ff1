"""One test per row of the error-code tables in runtime/errors.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import AwareDatetime, Field, Strict, ValidationError, field_validator

from ocppgen.runtime.actions import Role
from ocppgen.runtime.core import Connection, InvalidResponse, ProtocolFault
from ocppgen.runtime.errors import (
    ERROR_CODES,
    FAULT_CODES,
    VALIDATION_FAULTS,
    CodeDefinition,
    ErrorCode,
    Fault,
    OcppError,
    code_for,
    fault_code,
    validation_failure,
)
from ocppgen.runtime.model import DateTime, Integer, Number, OcppModel

from .fakeversion import VERSIONS, HeartbeatResponse

E = ErrorCode

# --- ERROR_CODES: the codes each version allows --------------------------------------------

EXPECTED_CODES = {
    "1.6": [
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    ],
    "2.0.1": [
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    ],
}
EXPECTED_CODES["2.1"] = EXPECTED_CODES["2.0.1"]
SOURCES = {
    "1.6": "OCPP-J 1.6 §4.2.3, Table 7",
    "2.0.1": "OCPP 2.0.1 Part 4 §4.3, Table 8",
    "2.1": "OCPP 2.1 Part 4 §4.3, Table 9",
}


def test_each_version_has_exactly_the_spec_codes_in_spec_order() -> None:
    assert set(ERROR_CODES) == set(EXPECTED_CODES)
    for version, rows in ERROR_CODES.items():
        assert [row.code.value for row in rows] == EXPECTED_CODES[version]


CODE_ROWS = [(version, row) for version, rows in ERROR_CODES.items() for row in rows]


@pytest.mark.parametrize(
    ("version", "row"), CODE_ROWS, ids=[f"{v}-{r.code.value}" for v, r in CODE_ROWS]
)
def test_code_row(version: str, row: CodeDefinition) -> None:
    assert row.source == SOURCES[version]
    assert len(row.definition) > 20
    # Every allowed code goes on the wire unchanged in its own version.
    assert code_for(version, row.code) is row.code
    assert code_for(version, row.code.value) is row.code


def test_1_6_spellings_are_the_errata_ones() -> None:
    codes = {row.code for row in ERROR_CODES["1.6"]}
    assert E.FORMATION_VIOLATION in codes and E.FORMAT_VIOLATION not in codes
    assert E.OCCURENCE_CONSTRAINT_VIOLATION in codes
    assert E.OCCURRENCE_CONSTRAINT_VIOLATION not in codes
    assert E.RPC_FRAMEWORK_ERROR not in codes and E.MESSAGE_TYPE_NOT_SUPPORTED not in codes


# --- code_for: translation of codes a version spells differently or lacks --------------------

TRANSLATIONS = [
    ("1.6", "FormatViolation", "FormationViolation"),
    ("1.6", "OccurrenceConstraintViolation", "OccurenceConstraintViolation"),
    ("1.6", "RpcFrameworkError", "GenericError"),
    ("1.6", "MessageTypeNotSupported", "GenericError"),
    ("2.0.1", "FormationViolation", "FormatViolation"),
    ("2.0.1", "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    ("2.1", "FormationViolation", "FormatViolation"),
    ("2.1", "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    ("1.6", "NoSuchCode", "GenericError"),
    ("2.0.1", "NoSuchCode", "GenericError"),
    ("2.1", "", "GenericError"),
]


@pytest.mark.parametrize(("version", "given", "sent"), TRANSLATIONS)
def test_code_for_translates(version: str, given: str, sent: str) -> None:
    assert code_for(version, given) == sent


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown OCPP version"):
        code_for("3.0", "GenericError")


# --- FAULT_CODES: every fault -> code per version, each checked on the wire --------------------

HB_OK = '{"currentTime":"2024-05-01T12:00:00Z"}'

# fault -> a received text that triggers it on a CSMS (for the CALL-side faults)
TRIGGERS: dict[Fault, str] = {
    Fault.NOT_JSON: "{",
    Fault.NOT_ARRAY: "{}",
    Fault.BAD_MESSAGE_TYPE: '[null,"c1","Heartbeat",{}]',
    Fault.UNKNOWN_MESSAGE_TYPE: '[9,"c1",{}]',
    Fault.BAD_MESSAGE_ID: '[2,{},"Heartbeat",{}]',
    Fault.BAD_STRUCTURE: '[2,"c1","Heartbeat",{},5]',
    Fault.TOO_DEEP: '[2,"c1","Heartbeat",{"a":' + "[" * 201 + "]" * 201 + "}]",
    Fault.UNKNOWN_ACTION: '[2,"c1","Nope",{}]',
    Fault.NOT_SUPPORTED: '[2,"c1","Reset",{"type":"OnIdle"}]',
    Fault.NOT_AN_OBJECT: '[2,"c1","Heartbeat","{}"]',
    Fault.UNKNOWN_PROPERTY: '[2,"c1","Heartbeat",{"a":1}]',
    Fault.WRONG_TYPE: '[2,"c1","DataTransfer",{"vendorId":true}]',
    Fault.MISSING_PROPERTY: '[2,"c1","DataTransfer",{}]',
    Fault.ARRAY_LENGTH: '[2,"c1","MeterValues",{"evseId":1,"meterValue":[]}]',
    Fault.BAD_VALUE: '[2,"c1","MeterValues",{"evseId":-1,"meterValue":[{"timestamp":'
    '"2024-05-01T12:00:00Z","sampledValue":[{"value":1}]}]}]',
}


class _Odd(OcppModel):
    # A validator failing in a way no row describes (pydantic's "uuid_type" is not listed).
    x: Any = None

    @field_validator("x")
    @classmethod
    def _odd(cls, value: Any) -> Any:
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError("uuid_type", "odd")


FAULT_ROWS = [(fault, version) for fault in FAULT_CODES for version in ERROR_CODES]


@pytest.mark.parametrize(("fault", "version"), FAULT_ROWS, ids=[f"{f}-{v}" for f, v in FAULT_ROWS])
def test_fault_row(fault: Fault, version: str) -> None:
    row = FAULT_CODES[fault]
    code = fault_code(version, fault)
    assert row.why
    allowed = {r.code for r in ERROR_CODES[version]}
    assert code is None or code in allowed, "a fault must map to a code the version allows"

    if fault in TRIGGERS:
        conn = Connection(VERSIONS[version], Role.CSMS)
        (event,) = conn.receive(TRIGGERS[fault])
        assert isinstance(event, ProtocolFault)
        assert event.fault == fault
        assert event.code == code
        if code is None:
            assert conn.outgoing() == []
        else:
            (reply,) = conn.outgoing()
            assert reply.startswith('[4,"') and f',"{code}",' in reply
    elif fault is Fault.DUPLICATE_ID:
        conn = Connection(VERSIONS[version], Role.CSMS)
        conn.receive('[2,"c1","Heartbeat",{}]')
        (event,) = conn.receive('[2,"c1","Heartbeat",{}]')
        assert isinstance(event, ProtocolFault) and event.fault == fault
        assert conn.outgoing() == [
            f'[4,"c1","{code}","a CALL with id \'c1\' is still being processed",{{}}]'
        ]
    elif fault is Fault.OTHER_INVALID:
        with pytest.raises(ValidationError) as info:
            _Odd.from_json_dict({"x": 1})
        failure = validation_failure(info.value)
        assert failure.fault is fault
        assert code == E.GENERIC_ERROR
    elif fault is Fault.INVALID_RESPONSE:
        conn = Connection(VERSIONS[version], Role.CSMS)
        conn.receive('[2,"c1","Heartbeat",{}]')
        bad = HeartbeatResponse.model_construct(current_time="yesterday")  # type: ignore[arg-type]
        assert isinstance(conn.respond("c1", bad), InvalidResponse)
        assert conn.outgoing() == [f'[4,"c1","{code}","invalid Heartbeat response",{{}}]']
    else:
        assert fault is Fault.HANDLER_FAILED  # exercised on the wire in test_dispatch.py
        assert code == E.INTERNAL_ERROR


def test_every_fault_has_a_row_and_every_row_is_tested() -> None:
    assert set(FAULT_CODES) == set(Fault)
    tested = set(TRIGGERS) | {
        Fault.DUPLICATE_ID,
        Fault.OTHER_INVALID,
        Fault.INVALID_RESPONSE,
        Fault.HANDLER_FAILED,
    }
    assert tested == set(Fault)


# --- VALIDATION_FAULTS: every validation error type -> fault -------------------------------


def _positive(value: int) -> int:
    if value == 13:
        raise ValueError("unlucky")
    assert value != 14, "unluckier"
    return value


class Probe(OcppModel):
    obj: Annotated[_Odd | None, Field(exclude=True)] = None
    sub: HeartbeatResponse | None = None
    d: dict[str, Integer] | None = None
    items: Annotated[list[Integer] | None, Field(min_length=1, max_length=2)] = None
    s: Annotated[str | None, Field(min_length=2, max_length=3, pattern="^[a-z]*$")] = None
    i: Annotated[Integer | None, Field(gt=0, lt=10)] = None
    j: Annotated[Integer | None, Field(ge=0, le=10, multiple_of=2)] = None
    n: Annotated[Number | None, Field(allow_inf_nan=False)] = None
    b: Annotated[bool | None, Strict()] = None
    lax_b: bool | None = None
    lax_i: int | None = None
    lax_n: float | None = None
    lit: Literal["A"] | None = None
    e: Literal["X"] | None = None
    t: DateTime | None = None
    plain_t: AwareDatetime | None = None
    v: Integer | None = None
    r: str

    @field_validator("v")
    @classmethod
    def _check(cls, value: int) -> int:
        return _positive(value)


VALIDATION_TRIGGERS: dict[str, dict[str, Any]] = {
    "extra_forbidden": {"r": "", "zz": 1},
    "model_type": {"r": "", "sub": 5},
    "dict_type": {"r": "", "d": []},
    "list_type": {"r": "", "items": {}},
    "string_type": {"r": 5},
    "int_type": {"r": "", "i": "5"},
    "int_from_float": {"r": "", "lax_i": 5.5},
    "int_parsing": {"r": "", "lax_i": "five"},
    "float_parsing": {"r": "", "lax_n": "five"},
    "bool_parsing": {"r": "", "lax_b": "maybe"},
    "float_type": {"r": "", "n": "1.5"},
    "bool_type": {"r": "", "b": "maybe"},
    "datetime_type": {"r": "", "plain_t": [2024]},
    "missing": {},
    "too_short": {"r": "", "items": []},
    "too_long": {"r": "", "items": [1, 2, 3]},
    "literal_error": {"r": "", "lit": "B"},
    "string_too_short": {"r": "", "s": "a"},
    "string_too_long": {"r": "", "s": "abcd"},
    "string_pattern_mismatch": {"r": "", "s": "AB"},
    "greater_than": {"r": "", "i": 0},
    "greater_than_equal": {"r": "", "j": -2},
    "less_than": {"r": "", "i": 10},
    "less_than_equal": {"r": "", "j": 12},
    "multiple_of": {"r": "", "j": 3},
    "finite_number": {"r": "", "n": float("inf")},
    "datetime_from_date_parsing": {"r": "", "t": "2024-13-01T12:00:00Z"},
    "timezone_aware": {"r": "", "t": "2024-05-01T12:00:00Z"},  # see test below
    "value_error": {"r": "", "v": 13},
    "assertion_error": {"r": "", "v": 14},
    "enum": {},  # see test below
}


class _Naive(OcppModel):
    # A schema-valid RFC 3339 string always has a zone, so `timezone_aware` is only reachable
    # through a plain pydantic datetime; the row exists for generated code that uses one.
    t: Annotated[Any, Field()] = None


@pytest.mark.parametrize("error_type", sorted(VALIDATION_FAULTS))
def test_validation_row(error_type: str) -> None:
    expected = VALIDATION_FAULTS[error_type]
    if error_type == "enum":
        from .fakeversion import ResetRequest

        with pytest.raises(ValidationError) as info:
            ResetRequest.from_json_dict({"type": "Later"})
    elif error_type == "timezone_aware":

        class Aware(OcppModel):
            t: AwareDatetime

        with pytest.raises(ValidationError) as info:
            Aware.from_json_dict({"t": "2024-05-01T12:00:00"})
    else:
        with pytest.raises(ValidationError) as info:
            Probe.from_json_dict(VALIDATION_TRIGGERS[error_type])
    types = [e["type"] for e in info.value.errors()]
    assert types == [error_type], types  # the trigger hits exactly this row
    failure = validation_failure(info.value)
    assert failure.fault is expected
    assert failure.description and len(failure.description) <= 255
    assert failure.details["errors"][0]["type"] == error_type


def test_every_validation_row_has_a_trigger() -> None:
    assert set(VALIDATION_TRIGGERS) == set(VALIDATION_FAULTS)


def test_enum_with_a_non_string_is_a_type_fault() -> None:
    from .fakeversion import ResetRequest

    with pytest.raises(ValidationError) as info:
        ResetRequest.from_json_dict({"type": 3})
    assert validation_failure(info.value).fault is Fault.WRONG_TYPE


def test_payload_that_is_not_an_object() -> None:
    payload: object
    for payload in (None, [], "x", 5, True):
        with pytest.raises(ValidationError) as info:
            Probe.from_json_dict(payload)
        assert validation_failure(info.value).fault is Fault.NOT_AN_OBJECT


def test_most_fundamental_error_decides() -> None:
    # missing `r` (occurrence), bad value and an unknown property: the unknown property wins.
    with pytest.raises(ValidationError) as info:
        Probe.from_json_dict({"j": 3, "zz": 1})
    failure = validation_failure(info.value)
    assert failure.fault is Fault.UNKNOWN_PROPERTY
    assert failure.description.startswith("/zz: ")
    assert {e["type"] for e in failure.details["errors"]} == {
        "multiple_of",
        "extra_forbidden",
        "missing",
    }


def test_json_pointer_paths_are_escaped() -> None:
    with pytest.raises(ValidationError) as info:
        Probe.from_json_dict({"r": "", "d": {"a/b~c": "x"}})
    assert validation_failure(info.value).details["errors"][0]["path"] == "/d/a~1b~0c"


def test_ocpp_error_carries_code_description_details() -> None:
    error = OcppError(E.SECURITY_ERROR, "nope", {"k": 1})
    assert (error.code, error.description, error.details) == ("SecurityError", "nope", {"k": 1})
    assert str(error) == "SecurityError: nope"
    assert OcppError("GenericError").details == {}
    assert "SecurityError" in repr(error)
