"""OCPP-J error codes, per version, and every decision about which fault gets which code.

Three tables, all in this module, each with a test per row (tests/runtime/test_errors.py):

- `ERROR_CODES`: the codes each version allows, each with the spec's definition (paraphrased)
  and where it is defined:
    OCPP-J 1.6 §4.2.3 "CallError", Table 7 "Valid Error Codes";
    OCPP 2.0.1 Part 4 §4.3 "RPC Framework Error Codes", Table 8 "Valid Error Codes";
    OCPP 2.1 Part 4 §4.3 "RPC Framework Error Codes", Table 9 "Valid Error Codes".
- `FAULT_CODES`: every fault the runtime detects (broken frame, unknown action, invalid
  payload, failing handler, ...) -> the code it is answered with, per version, and why.
- `VALIDATION_FAULTS`: every pydantic/ocppgen validation error type -> the fault it is.

The rule behind the payload rows: the code follows the JSON Schema keyword that failed.
`type` -> TypeConstraintViolation (the example in every version's definition is
`"somestring": 12`); `required`, `minItems`, `maxItems` -> Occurrence constraint (cardinality);
value keywords (`enum`, `maxLength`, `minimum`, `maximum`, `multipleOf`, `format`, `pattern`)
-> PropertyConstraintViolation ("a field contains an invalid value"); `additionalProperties`
-> "not conform the PDU structure", which is ProtocolError in 2.x and FormationViolation in 1.6
(1.6's ProtocolError means "incomplete"); a payload that is not a JSON object at all ->
"syntactically incorrect", FormatViolation (1.6 FormationViolation). No two existing libraries
agree on this mapping, so it is written down once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

__all__ = [
    "ERROR_CODES",
    "FAULT_CODES",
    "VALIDATION_FAULTS",
    "CallTimeout",
    "CodeDefinition",
    "ErrorCode",
    "Fault",
    "FaultRow",
    "InvalidResultError",
    "OcppError",
    "RemoteCallError",
    "ValidationFailure",
    "code_for",
    "fault_code",
    "lone_surrogate_failure",
    "validation_failure",
    "without_lone_surrogates",
]

V16: Final = "1.6"
V201: Final = "2.0.1"
V21: Final = "2.1"
VERSIONS: Final = (V16, V201, V21)


class ErrorCode(StrEnum):
    """Every RPC error code of OCPP 1.6, 2.0.1 and 2.1, spelled as on the wire."""

    FORMAT_VIOLATION = "FormatViolation"
    FORMATION_VIOLATION = "FormationViolation"  # OCPP 1.6 spelling of FormatViolation
    GENERIC_ERROR = "GenericError"
    INTERNAL_ERROR = "InternalError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    OCCURRENCE_CONSTRAINT_VIOLATION = "OccurrenceConstraintViolation"
    OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"  # OCPP 1.6 spelling
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    PROTOCOL_ERROR = "ProtocolError"
    RPC_FRAMEWORK_ERROR = "RpcFrameworkError"
    SECURITY_ERROR = "SecurityError"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"


E = ErrorCode


@dataclass(frozen=True, slots=True)
class CodeDefinition:
    """One row of a version's table of valid error codes."""

    code: ErrorCode
    definition: str  # the spec's definition, in our words
    source: str  # where the spec defines it


_S16 = "OCPP-J 1.6 §4.2.3, Table 7"
_S201 = "OCPP 2.0.1 Part 4 §4.3, Table 8"
_S21 = "OCPP 2.1 Part 4 §4.3, Table 9"

_CODES_16 = (
    CodeDefinition(E.NOT_IMPLEMENTED, "the receiver does not know the requested Action", _S16),
    CodeDefinition(E.NOT_SUPPORTED, "the receiver knows the Action but does not support it", _S16),
    CodeDefinition(
        E.INTERNAL_ERROR, "the receiver failed internally while processing the Action", _S16
    ),
    CodeDefinition(E.PROTOCOL_ERROR, "the payload for the Action is incomplete", _S16),
    CodeDefinition(
        E.SECURITY_ERROR, "a security issue stopped the receiver from completing the Action", _S16
    ),
    CodeDefinition(
        E.FORMATION_VIOLATION,
        "the payload is syntactically incorrect or does not conform to the Action's PDU "
        "structure (the spelling is a known erratum, kept: 1.6 errata sheet §5.2)",
        _S16,
    ),
    CodeDefinition(
        E.PROPERTY_CONSTRAINT_VIOLATION,
        "the payload is syntactically correct but a field has an invalid value",
        _S16,
    ),
    CodeDefinition(
        E.OCCURENCE_CONSTRAINT_VIOLATION,
        "the payload is syntactically correct but a field violates its occurrence constraints "
        "(the spelling is a known erratum, kept: 1.6 errata sheet §5.1)",
        _S16,
    ),
    CodeDefinition(
        E.TYPE_CONSTRAINT_VIOLATION,
        'the payload is syntactically correct but a field has the wrong data type ("x": 12)',
        _S16,
    ),
    CodeDefinition(E.GENERIC_ERROR, "any error that no other code covers", _S16),
)


def _codes_2x(source: str) -> tuple[CodeDefinition, ...]:
    return (
        CodeDefinition(E.FORMAT_VIOLATION, "the payload is syntactically incorrect", source),
        CodeDefinition(E.GENERIC_ERROR, "any error that no more specific code covers", source),
        CodeDefinition(
            E.INTERNAL_ERROR, "the receiver failed internally while processing the Action", source
        ),
        CodeDefinition(
            E.MESSAGE_TYPE_NOT_SUPPORTED,
            "the receiver does not support the message's MessageTypeId",
            source,
        ),
        CodeDefinition(
            E.NOT_IMPLEMENTED, "the receiver does not know the requested Action", source
        ),
        CodeDefinition(
            E.NOT_SUPPORTED, "the receiver knows the Action but does not support it", source
        ),
        CodeDefinition(
            E.OCCURRENCE_CONSTRAINT_VIOLATION,
            "the payload is syntactically correct but a field violates its occurrence constraints",
            source,
        ),
        CodeDefinition(
            E.PROPERTY_CONSTRAINT_VIOLATION,
            "the payload is syntactically correct but a field has an invalid value",
            source,
        ),
        CodeDefinition(
            E.PROTOCOL_ERROR, "the payload does not conform to the Action's PDU structure", source
        ),
        CodeDefinition(
            E.RPC_FRAMEWORK_ERROR,
            "the message is not a valid RPC request, e.g. its MessageId cannot be read",
            source,
        ),
        CodeDefinition(
            E.SECURITY_ERROR,
            "a security issue stopped the receiver from completing the Action",
            source,
        ),
        CodeDefinition(
            E.TYPE_CONSTRAINT_VIOLATION,
            'the payload is syntactically correct but a field has the wrong data type ("x": 12)',
            source,
        ),
    )


ERROR_CODES: Mapping[str, tuple[CodeDefinition, ...]] = MappingProxyType(
    {V16: _CODES_16, V201: _codes_2x(_S201), V21: _codes_2x(_S21)}
)
"""The error codes each version allows (keyed by `VersionSpec.name`), with their definitions."""

_ALLOWED = {version: frozenset(row.code for row in rows) for version, rows in ERROR_CODES.items()}


class Fault(StrEnum):
    """Every fault the runtime answers (or deliberately does not answer) with an error code."""

    # The frame (values equal frames.FaultKind, so a FrameFault's kind looks up directly).
    NOT_JSON = "not_json"
    NOT_ARRAY = "not_array"
    BAD_MESSAGE_TYPE = "bad_message_type"
    UNKNOWN_MESSAGE_TYPE = "unknown_message_type"
    BAD_MESSAGE_ID = "bad_message_id"
    BAD_STRUCTURE = "bad_structure"
    TOO_DEEP = "too_deep"
    DUPLICATE_ID = "duplicate_id"
    # The action.
    UNKNOWN_ACTION = "unknown_action"
    NOT_SUPPORTED = "not_supported"
    # The payload (see VALIDATION_FAULTS).
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_PROPERTY = "unknown_property"
    WRONG_TYPE = "wrong_type"
    MISSING_PROPERTY = "missing_property"
    ARRAY_LENGTH = "array_length"
    BAD_VALUE = "bad_value"
    OTHER_INVALID = "other_invalid"
    # Our own side.
    HANDLER_FAILED = "handler_failed"
    INVALID_RESPONSE = "invalid_response"


@dataclass(frozen=True, slots=True)
class FaultRow:
    """The code a fault is answered with, per version; None: the spec says ignore it."""

    codes: Mapping[str, ErrorCode | None]
    why: str


def _row(v16: ErrorCode | None, v2x: ErrorCode | None, why: str, v21: Any = ...) -> FaultRow:
    return FaultRow(MappingProxyType({V16: v16, V201: v2x, V21: v2x if v21 is ... else v21}), why)


_FRAMING = "the message is not a valid RPC request (2.x RpcFrameworkError); 1.6 has no framework "
_FRAMING_16 = "code, and its FormationViolation covers syntax and PDU structure"

FAULT_CODES: Mapping[Fault, FaultRow] = MappingProxyType(
    {
        Fault.NOT_JSON: _row(
            E.FORMATION_VIOLATION,
            E.RPC_FRAMEWORK_ERROR,
            _FRAMING + _FRAMING_16 + "; answered with id -1 (2.x Part 4 §4.2.3)",
        ),
        Fault.NOT_ARRAY: _row(E.FORMATION_VIOLATION, E.RPC_FRAMEWORK_ERROR, _FRAMING + _FRAMING_16),
        Fault.BAD_MESSAGE_TYPE: _row(
            E.FORMATION_VIOLATION, E.RPC_FRAMEWORK_ERROR, _FRAMING + _FRAMING_16
        ),
        Fault.BAD_MESSAGE_ID: _row(
            E.FORMATION_VIOLATION,
            E.RPC_FRAMEWORK_ERROR,
            "the MessageId cannot be read (missing, not a string, or over 36 characters): "
            "2.x names this very case under RpcFrameworkError; the answer carries id -1",
        ),
        Fault.BAD_STRUCTURE: _row(
            E.FORMATION_VIOLATION, E.RPC_FRAMEWORK_ERROR, _FRAMING + _FRAMING_16
        ),
        Fault.TOO_DEEP: _row(
            E.FORMATION_VIOLATION,
            E.FORMAT_VIOLATION,
            "a value more than frames.MAX_NESTING (200) levels below the payload: valid JSON "
            "and possibly schema-valid, but beyond the depth our JSON parser reads (RFC 8259 §9 "
            "lets a parser limit nesting). The refusal is about the text, not a field's type, "
            "value or occurrence, so the only code about the text fits: the payload is "
            "syntactically unacceptable to the receiver; answered with the CALL's own id",
        ),
        Fault.UNKNOWN_MESSAGE_TYPE: _row(
            None,
            E.MESSAGE_TYPE_NOT_SUPPORTED,
            "1.6 §4.1.3 and 2.1 Part 4 §4.1.3/§4.4: ignore the message; 2.0.1 Part 4 §4.4: "
            "answer MessageTypeNotSupported (2.0.1 also counts 5 and 6 as unknown)",
            v21=None,
        ),
        Fault.DUPLICATE_ID: _row(
            E.GENERIC_ERROR,
            E.RPC_FRAMEWORK_ERROR,
            "a CALL reusing the id of a CALL still being handled is an improper message "
            "(Part 4 §4.2.3); not a payload fault, so 2.x RpcFrameworkError, 1.6 GenericError",
        ),
        Fault.UNKNOWN_ACTION: _row(
            E.NOT_IMPLEMENTED, E.NOT_IMPLEMENTED, "the Action is not known by the receiver"
        ),
        Fault.NOT_SUPPORTED: _row(
            E.NOT_SUPPORTED,
            E.NOT_SUPPORTED,
            "the Action is known but this endpoint does not handle it (other role's action, "
            "no handler, or a SEND-only action sent as CALL)",
        ),
        Fault.NOT_AN_OBJECT: _row(
            E.FORMATION_VIOLATION,
            E.FORMAT_VIOLATION,
            "the payload is not a JSON object at all: syntactically incorrect",
        ),
        Fault.UNKNOWN_PROPERTY: _row(
            E.FORMATION_VIOLATION,
            E.PROTOCOL_ERROR,
            "additionalProperties: the payload does not conform to the PDU structure "
            "(2.x ProtocolError; in 1.6 that phrase belongs to FormationViolation)",
        ),
        Fault.WRONG_TYPE: _row(
            E.TYPE_CONSTRAINT_VIOLATION,
            E.TYPE_CONSTRAINT_VIOLATION,
            "JSON Schema `type` failed: a field of the wrong data type",
        ),
        Fault.MISSING_PROPERTY: _row(
            E.OCCURENCE_CONSTRAINT_VIOLATION,
            E.OCCURRENCE_CONSTRAINT_VIOLATION,
            "JSON Schema `required` failed: a 1..1 or 1..* field occurs zero times",
        ),
        Fault.ARRAY_LENGTH: _row(
            E.OCCURENCE_CONSTRAINT_VIOLATION,
            E.OCCURRENCE_CONSTRAINT_VIOLATION,
            "JSON Schema `minItems`/`maxItems` failed: a list field occurs too few/many times",
        ),
        Fault.BAD_VALUE: _row(
            E.PROPERTY_CONSTRAINT_VIOLATION,
            E.PROPERTY_CONSTRAINT_VIOLATION,
            "a value keyword failed (enum, maxLength, minimum, maximum, multipleOf, "
            "date-time format, pattern): the field has an invalid value",
        ),
        Fault.OTHER_INVALID: _row(
            E.GENERIC_ERROR,
            E.GENERIC_ERROR,
            "a validation failure none of the rows above describes",
        ),
        Fault.HANDLER_FAILED: _row(
            E.INTERNAL_ERROR,
            E.INTERNAL_ERROR,
            "the handler raised something other than OcppError: the receiver failed internally",
        ),
        Fault.INVALID_RESPONSE: _row(
            E.INTERNAL_ERROR,
            E.INTERNAL_ERROR,
            "the handler's response is not valid for the Action: our fault, not the caller's",
        ),
    }
)
"""Every fault -> its code per version (None: not answered), with the reason."""


def fault_code(version: str, fault: Fault) -> ErrorCode | None:
    """The code `fault` is answered with in `version` (None: the spec says ignore it)."""
    return FAULT_CODES[fault].codes[_version(version)]


VALIDATION_FAULTS: Mapping[str, Fault] = MappingProxyType(
    {
        # additionalProperties
        "extra_forbidden": Fault.UNKNOWN_PROPERTY,
        # type (at the root, model_type/dict_type mean the payload is no object: NOT_AN_OBJECT)
        "model_type": Fault.WRONG_TYPE,
        "dict_type": Fault.WRONG_TYPE,
        "list_type": Fault.WRONG_TYPE,
        "string_type": Fault.WRONG_TYPE,
        "int_type": Fault.WRONG_TYPE,
        "int_from_float": Fault.WRONG_TYPE,
        "int_parsing": Fault.WRONG_TYPE,  # lax (non-strict) fields only
        "float_parsing": Fault.WRONG_TYPE,  # lax fields only
        "bool_parsing": Fault.WRONG_TYPE,  # lax fields only
        "float_type": Fault.WRONG_TYPE,
        "bool_type": Fault.WRONG_TYPE,
        "datetime_type": Fault.WRONG_TYPE,
        # required, minItems, maxItems
        "missing": Fault.MISSING_PROPERTY,
        "too_short": Fault.ARRAY_LENGTH,
        "too_long": Fault.ARRAY_LENGTH,
        # value keywords
        "enum": Fault.BAD_VALUE,
        "literal_error": Fault.BAD_VALUE,
        "string_too_short": Fault.BAD_VALUE,
        "string_too_long": Fault.BAD_VALUE,
        "string_pattern_mismatch": Fault.BAD_VALUE,
        "greater_than": Fault.BAD_VALUE,
        "greater_than_equal": Fault.BAD_VALUE,
        "less_than": Fault.BAD_VALUE,
        "less_than_equal": Fault.BAD_VALUE,
        "multiple_of": Fault.BAD_VALUE,
        "finite_number": Fault.BAD_VALUE,
        "datetime_from_date_parsing": Fault.BAD_VALUE,
        "timezone_aware": Fault.BAD_VALUE,
        "value_error": Fault.BAD_VALUE,
        "assertion_error": Fault.BAD_VALUE,
    }
)
"""Validation error type -> the fault it is. Types not listed are `Fault.OTHER_INVALID`.
JSON null in an optional field fails with that field's own type error (e.g. `string_type`), and
a date-time that is not RFC 3339 with `string_pattern_mismatch` (see runtime/model.py)."""

# When one payload has several errors, the most fundamental one decides the code.
_PRECEDENCE = (
    Fault.NOT_AN_OBJECT,
    Fault.UNKNOWN_PROPERTY,
    Fault.WRONG_TYPE,
    Fault.MISSING_PROPERTY,
    Fault.ARRAY_LENGTH,
    Fault.BAD_VALUE,
    Fault.OTHER_INVALID,
)
_RANK = {fault: rank for rank, fault in enumerate(_PRECEDENCE)}
_MAX_DETAILS = 8
MAX_DESCRIPTION = 255  # ErrorDescription is string[255] in 2.x (Part 4 §4.2.3, Table 7)


@dataclass(frozen=True, slots=True)
class ValidationFailure:
    """A payload validation error, classified: the fault, a description and JSON details."""

    fault: Fault
    description: str
    details: dict[str, Any]


def _classify(error: ErrorDetails) -> Fault:
    kind = error["type"]
    if not error["loc"] and kind in ("model_type", "dict_type"):
        return Fault.NOT_AN_OBJECT
    if kind == "enum" and not isinstance(error.get("input"), str):
        return Fault.WRONG_TYPE  # every OCPP enum is `"type": "string"`: 5 fails `type` first
    return VALIDATION_FAULTS.get(kind, Fault.OTHER_INVALID)


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def validation_failure(exc: ValidationError) -> ValidationFailure:
    """Classify a validation error of a payload (the most fundamental error decides)."""
    errors = exc.errors(include_url=False, include_context=False)
    faults = [_classify(error) for error in errors]
    first = min(range(len(errors)), key=lambda i: _RANK[faults[i]]) if errors else None
    if first is None:  # pragma: no cover - pydantic never raises without errors
        return ValidationFailure(Fault.OTHER_INVALID, "invalid payload", {})
    error = errors[first]
    where = _pointer(error["loc"]) or "payload"
    description = f"{where}: {error['msg']}"[:MAX_DESCRIPTION]
    details = {
        "errors": [
            {"path": _pointer(e["loc"]), "type": e["type"], "message": e["msg"]}
            for e in errors[:_MAX_DETAILS]
        ]
    }
    return ValidationFailure(faults[first], description, details)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")  # fails only on a surrogate: decoded JSON has no other invalid text
    except UnicodeEncodeError:
        return False
    return True


def _escaped(pointer: str) -> str:
    # A key's surrogate shown as the escape it came as: our CALLERROR must be valid text.
    return pointer.encode("utf-8", "backslashreplace").decode("utf-8")


def _lone_surrogates(payload: Any) -> list[str]:
    """JSON pointers to every string (value or property name) holding a lone surrogate, in
    document order. Python's json decodes an escaped pair to one character, so any surrogate
    left in decoded text is lone."""
    found: list[str] = []
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(payload, ())]
    while stack:
        item, loc = stack.pop()
        if type(item) is str:
            if not _is_unicode(item):
                found.append(_escaped(_pointer(loc)))
        elif type(item) is list:
            stack.extend((child, (*loc, i)) for i, child in reversed(list(enumerate(item))))
        elif type(item) is dict:
            for key, child in reversed(item.items()):
                stack.append((child, (*loc, key)))
                stack.append((key, (*loc, key)))  # the name, checked before its value
    return found


def without_lone_surrogates(payload: Any) -> Any:
    """`payload` with each lone surrogate replaced by "?", so the rest of it can be validated."""
    if type(payload) is str:
        return payload.encode("utf-8", "replace").decode("utf-8")
    if type(payload) is list:
        return [without_lone_surrogates(item) for item in payload]
    if type(payload) is dict:
        return {
            without_lone_surrogates(key): without_lone_surrogates(value)
            for key, value in payload.items()
        }
    return payload


_SURROGATE = "a lone surrogate (\\ud800-\\udfff) is not a Unicode character"


def lone_surrogate_failure(
    payload: Any, rest: ValidationFailure | None
) -> ValidationFailure | None:
    """The failure of a payload holding lone surrogates, or None if it holds none.

    pydantic's JSON parser refuses the whole text; RFC 8259 §8.2 allows the escape, the value
    cannot be a Unicode (UTF-8) string. The string has the right type, so it is a field with
    an invalid value: BAD_VALUE (PropertyConstraintViolation), as for a value outside an enum.
    `rest` is the verdict on the payload without them: a more fundamental fault there
    (an unknown property, a wrong type, ...) decides, as within one payload."""
    paths = _lone_surrogates(payload)
    if not paths:
        return None
    description = f"{paths[0] or 'payload'}: {_SURROGATE}"[:MAX_DESCRIPTION]
    errors = [{"path": path, "type": "lone_surrogate", "message": _SURROGATE} for path in paths]
    found = ValidationFailure(Fault.BAD_VALUE, description, {"errors": errors[:_MAX_DETAILS]})
    if rest is not None and _RANK[rest.fault] < _RANK[Fault.BAD_VALUE]:
        return rest
    return found


# How a code that a version spells differently or lacks is sent in that version.
_TRANSLATE: Mapping[str, Mapping[ErrorCode, ErrorCode]] = MappingProxyType(
    {
        V16: {
            E.FORMAT_VIOLATION: E.FORMATION_VIOLATION,
            E.OCCURRENCE_CONSTRAINT_VIOLATION: E.OCCURENCE_CONSTRAINT_VIOLATION,
            E.RPC_FRAMEWORK_ERROR: E.GENERIC_ERROR,
            E.MESSAGE_TYPE_NOT_SUPPORTED: E.GENERIC_ERROR,
        },
        V201: {
            E.FORMATION_VIOLATION: E.FORMAT_VIOLATION,
            E.OCCURENCE_CONSTRAINT_VIOLATION: E.OCCURRENCE_CONSTRAINT_VIOLATION,
        },
        V21: {
            E.FORMATION_VIOLATION: E.FORMAT_VIOLATION,
            E.OCCURENCE_CONSTRAINT_VIOLATION: E.OCCURRENCE_CONSTRAINT_VIOLATION,
        },
    }
)


def code_for(version: str, code: str) -> ErrorCode:
    """The code to put on the wire in `version` for `code`.

    A code the version allows is kept; the other spelling of FormatViolation or
    OccurrenceConstraintViolation is translated; a 2.x-only code becomes GenericError in 1.6;
    anything that is no OCPP error code at all becomes GenericError.
    """
    version = _version(version)
    try:
        known = ErrorCode(code)
    except ValueError:
        return E.GENERIC_ERROR
    if known in _ALLOWED[version]:
        return known
    return _TRANSLATE[version].get(known, E.GENERIC_ERROR)


def _version(version: str) -> str:
    if version not in _ALLOWED:
        raise ValueError(f"unknown OCPP version {version!r}; expected one of {VERSIONS}")
    return version


class OcppError(Exception):
    """An OCPP RPC error: raise it in a handler and the peer receives this CALLERROR.

    `code` is an `ErrorCode` (or its wire string). A code that the connection's version spells
    differently or lacks is translated when sent (see `code_for`).
    """

    def __init__(
        self, code: str, description: str = "", details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, description)
        self.code = code
        self.description = description
        self.details: dict[str, Any] = {} if details is None else details

    def __str__(self) -> str:
        return f"{self.code}: {self.description}" if self.description else self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.description!r}, {self.details!r})"


class RemoteCallError(OcppError):
    """The peer answered our CALL with a CALLERROR (raised by the adapters' `call`)."""


class InvalidResultError(OcppError):
    """The peer's answer to our CALL was unusable (raised by the adapters' `call`).

    `code` is the code we would have answered with; in OCPP 2.1 it was sent in a CALLRESULTERROR.
    """


class CallTimeout(TimeoutError):
    """No answer to our CALL arrived in time (raised by the adapters' `call`)."""

    def __init__(self, message_id: str, action: str) -> None:
        super().__init__(f"no answer to {action} CALL {message_id!r}")
        self.message_id = message_id
        self.action = action
