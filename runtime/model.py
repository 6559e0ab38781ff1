"""The base class and field types that every generated OCPP message class is built from.

Generated code imports only this module's public names (and `ocppgen.runtime.actions`).
The rule: a model accepts exactly the JSON that the official schema accepts. Where pydantic's
own behaviour differs from JSON Schema, the types here close the gap; the few differences
that remain are listed in README.md ("Deliberate divergences") and each has a test.
"""

from __future__ import annotations

import json
import math
import operator
from datetime import datetime
from enum import Enum, StrEnum
from types import UnionType
from typing import Annotated, Any, Self, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    JsonValue,
    Strict,
)
from pydantic_core import (
    PydanticCustomError,
    PydanticSerializationUnexpectedValue,
    SchemaSerializer,
    core_schema,
)

__all__ = [
    "AnyJson",
    "Boolean",
    "DateTime",
    "Draft4Integer",
    "Integer",
    "NoJsonNull",
    "Number",
    "OcppEnum",
    "OcppModel",
    "OpenOcppModel",
    "String",
]

# Everything below is expressed as pydantic-core schemas, not Python validator functions: a
# TransactionEvent has a dozen nested objects, and a Python call per field or per object would
# triple the cost of validating it.

# RFC 3339 section 5.6 `date-time`, the grammar JSON Schema's "date-time" format refers to.
# Pydantic alone also accepts a space separator, missing seconds, unix timestamps and other
# ISO 8601 forms; calendar checks (Feb 30, hour 24) are left to the datetime parser.
RFC3339_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"


class _DateTimeSchema:
    """JSON: a string matching RFC 3339 with a time zone. Python: also an aware datetime."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.chain_schema(
            [
                core_schema.str_schema(strict=True, pattern=RFC3339_PATTERN),
                core_schema.datetime_schema(tz_constraint="aware"),
            ]
        )
        instance = core_schema.datetime_schema(strict=True, tz_constraint="aware")
        return core_schema.json_or_python_schema(
            json_schema=text,
            python_schema=core_schema.union_schema([instance, text], mode="left_to_right"),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _datetime_to_json, when_used="json"
            ),
        )


# pydantic's own date-time writer: about 0.3 us, where `datetime.isoformat` takes 1-2 us.
_write_datetime = SchemaSerializer(core_schema.datetime_schema()).to_python


def _datetime_to_json(value: Any) -> str:
    """RFC 3339 text with at most 3 fractional digits (OCPP 2.0.1 Part 2, "Date time": no
    more than 3 decimal places): microseconds are truncated to milliseconds. Otherwise as
    pydantic writes it: no fraction when it is zero, "Z" for UTC, else +HH:MM.

    A plain serializer (a wrap serializer costs 0.2 us more per date-time). A value that is no
    datetime (`model_construct`) warns, or raises under `warnings="error"`, as pydantic's own
    serializer does: that is what PydanticSerializationUnexpectedValue makes pydantic do."""
    if not isinstance(value, datetime):
        raise PydanticSerializationUnexpectedValue(
            f"Expected `datetime` - serialized value may not be as expected "
            f"[input_value={value!r}, input_type={type(value).__name__}]"
        )
    text: str = _write_datetime(value, mode="json")
    if not value.microsecond:
        return text
    # pydantic writes microseconds as 6 digits after "YYYY-MM-DDTHH:MM:SS."
    if value.microsecond < 1000:
        return text[:19] + text[26:]
    return text[:23] + text[26:]


def _integral(value: float) -> int:
    if not value.is_integer():
        raise PydanticCustomError("int_from_float", "Input should be a valid integer")
    return int(value)


class _IntegerSchema:
    """JSON Schema draft-06 `integer`: 5, and 5.0 as 5; never 5.5, "5" or true."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        integral_float = core_schema.no_info_after_validator_function(
            _integral, core_schema.float_schema(strict=True)
        )
        return core_schema.union_schema(
            [core_schema.int_schema(strict=True), integral_float],
            mode="left_to_right",
            custom_error_type="int_type",  # one error, as pydantic's own int would give
        )


DateTime = Annotated[datetime, _DateTimeSchema()]
"""JSON Schema `{"type": "string", "format": "date-time"}`: RFC 3339 with a time zone."""

Integer = Annotated[int, _IntegerSchema()]
"""JSON Schema draft-06 `integer` (OCPP 2.x): 5 and 5.0, never "5" or true."""

Draft4Integer = Annotated[int, Strict()]
"""JSON Schema draft-04 `integer` (OCPP 1.6): 5 only; draft-04 counts 5.0 as a number."""

Number = Annotated[float, Strict(), AllowInfNan(False)]
"""JSON Schema `number`: any JSON number (5 and 5.5), never "5" or true."""

String = Annotated[str, Strict()]
"""JSON Schema `string`: never a number or a boolean."""

Boolean = Annotated[bool, Strict()]
"""JSON Schema `boolean`: true or false, never 0, 1 or "true"."""


def _finite(value: JsonValue) -> JsonValue:
    # pydantic's JSON parser reads NaN, Infinity and 1e400 (as inf) into a JsonValue; none of
    # them is JSON. Only untyped values get here (DataTransfer data, customData extras).
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "Input should be a finite number")
    elif isinstance(value, list):
        for item in value:
            _finite(item)
    elif isinstance(value, dict):
        for item in value.values():
            _finite(item)
    return value


AnyJson = Annotated[JsonValue, AfterValidator(_finite)]
"""A property without `type` in its schema: any JSON value, null included."""


class OcppEnum(StrEnum):
    """Base for generated enumerations: a `StrEnum` whose `value` is read without Python code
    (see `_read_value_in_c`). Members, lookup by value, names and validation behave exactly as
    for `StrEnum`.
    """


def _read_value_in_c(enum_class: type[Enum]) -> None:
    """Give `enum_class` a C-level `value` getter: pydantic-core serializes an enum member by
    reading its `value`, and `Enum.value` is a Python-level descriptor (two Python calls per
    read). Measured on a TransactionEvent (ten enum values), `to_json`: 7.9 us with Enum.value,
    6.9 us with this getter.

    No public pydantic option gives this. The one faster public way measured, an enum schema
    serialized as `str` (6.2 us), would also write any str or other StrEnum put in place of a
    member without a word, where the enum serializer warns (and fails under warnings="error").
    tests/runtime/test_library_contracts.py fails if Enum or pydantic stop working this way.
    Set after the class is made: in the class body, type checkers would take it for a member.
    """
    setattr(enum_class, "value", property(operator.attrgetter("_value_")))  # noqa: B010


_read_value_in_c(OcppEnum)


class _NoJsonNull:
    """Field metadata for an optional field `T | None`: JSON null is rejected (no OCPP schema
    allows null, so it gets T's own error, e.g. string_type), Python's None means "absent".

    Pydantic alone would make the field nullable in JSON too. This builds T's schema (with the
    field's other constraints, which come before it in the `Annotated`) through the public
    handler and uses it as the JSON branch, `nullable(T)` as the Python branch.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        present = [arg for arg in get_args(source) if arg is not type(None)]
        if get_origin(source) not in _UNIONS or len(present) != 1:
            raise TypeError(f"NoJsonNull belongs on an optional `T | None`, not {source!r}")
        schema = handler(present[0])
        return core_schema.json_or_python_schema(
            json_schema=schema, python_schema=core_schema.nullable_schema(schema)
        )

    def __repr__(self) -> str:
        return "NoJsonNull"


_UNIONS = (Union, UnionType)

NoJsonNull = _NoJsonNull()
"""Put last in the `Annotated` of every optional field: `Annotated[T | None, ..., NoJsonNull]
= None` is absent or T in JSON (never null), T or None in Python. Generated code does so."""


class OcppModel(BaseModel):
    """Base of every generated OCPP message and datatype.

    - fields are snake_case in Python and carry the wire name as alias; both names are accepted
      when constructing in Python, only the wire name from JSON;
    - unknown properties are rejected (the schemas say `additionalProperties: false`);
    - an optional field may be absent but never JSON `null` (no OCPP schema allows null);
      in Python, None means "absent": the generator marks each such field with `NoJsonNull`
      (a hand-written subclass does the same, or its optional fields also take null);
    - `to_json_dict()` and `to_json()` give the wire form: wire names, absent fields omitted.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        use_enum_values=False,
        revalidate_instances="never",
        validate_assignment=True,  # an instance stays valid, so it can go out unchecked
        allow_inf_nan=False,  # NaN and Infinity are not JSON, not even inside `data`
    )

    def to_json_dict(self) -> dict[str, Any]:
        """The payload as JSON-compatible data: wire names, absent fields omitted."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_json(self) -> str:
        """The payload as compact JSON text."""
        return self.model_dump_json(by_alias=True, exclude_none=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Parse and validate a JSON payload exactly as the official schema would."""
        return cls.model_validate_json(text, by_alias=True, by_name=False)

    @classmethod
    def from_json_dict(cls, data: Any) -> Self:
        """Validate already-decoded JSON data (wire names only) as the official schema would."""
        return cls.model_validate_json(json.dumps(data), by_alias=True, by_name=False)


class OpenOcppModel(OcppModel):
    """A datatype whose schema allows extra properties (CustomDataType); they are kept as is."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, AnyJson] = Field(init=False)
