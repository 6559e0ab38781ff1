"""The base class and field types that every generated OCPP message class is built from.

Generated code imports only this module's public names (and `ocppgen.runtime.actions`).
The rule: a model accepts exactly the JSON that the official schema accepts. Where pydantic's
own behaviour differs from JSON Schema, the types here close the gap; the few differences
that remain are listed in README.md ("Deliberate divergences") and each has a test.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "Boolean",
    "DateTime",
    "Draft4Integer",
    "Integer",
    "Number",
    "OcppModel",
    "OpenOcppModel",
    "String",
]

# RFC 3339 section 5.6 `date-time`, the grammar JSON Schema's "date-time" format refers to.
# Pydantic alone also accepts a space separator, missing seconds and some other ISO 8601 forms.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})",
)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise PydanticCustomError(
            "datetime_format",
            "Input should be an RFC 3339 date-time with a time zone, e.g. 2024-05-01T12:00:00Z",
        )
    return value


def _integral_float(value: Any) -> Any:
    # JSON Schema draft-06 and later: "integer" is any number with a zero fractional part,
    # so 5.0 is a valid integer. Booleans are not numbers in JSON.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


DateTime = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
"""JSON Schema `{"type": "string", "format": "date-time"}`: RFC 3339 with a time zone."""

Integer = Annotated[int, Strict(), BeforeValidator(_integral_float)]
"""JSON Schema draft-06 `integer` (OCPP 2.x): 5 and 5.0, never "5" or true."""

Draft4Integer = Annotated[int, Strict()]
"""JSON Schema draft-04 `integer` (OCPP 1.6): 5 only; draft-04 counts 5.0 as a number."""

Number = Annotated[float, Strict()]
"""JSON Schema `number`: any JSON number (5 and 5.5), never "5" or true."""

String = Annotated[str, Strict()]
"""JSON Schema `string`: never a number or a boolean."""

Boolean = Annotated[bool, Strict()]
"""JSON Schema `boolean`: true or false, never 0, 1 or "true"."""


class OcppModel(BaseModel):
    """Base of every generated OCPP message and datatype.

    - fields are snake_case in Python and carry the wire name as alias; both names are accepted
      when constructing in Python, only the wire name from JSON;
    - unknown properties are rejected (the schemas say `additionalProperties: false`);
    - an optional field may be absent but never JSON `null` (no OCPP schema allows null);
      in Python, None means "absent";
    - `to_json_dict()` and `to_json()` give the wire form: wire names, absent fields omitted.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        use_enum_values=False,
        revalidate_instances="never",
        allow_inf_nan=False,  # NaN and Infinity are not JSON
    )

    # Wire names of properties whose schema has no type (DataTransfer's `data`): any JSON
    # value, null included.
    _any_json: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _reject_null(cls, data: Any, info: ValidationInfo) -> Any:
        # With extra="forbid" every key is a declared property or rejected anyway, so a JSON
        # null is an error unless the property admits any value. In Python, None means absent.
        if _from_wire(info) and isinstance(data, dict) and None in data.values():
            for key, value in data.items():
                if value is None and key not in cls._any_json:
                    raise _null_error(key)
        return data

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
        return cls.model_validate(data, by_alias=True, by_name=False, context=_WIRE)


class OpenOcppModel(OcppModel):
    """A datatype whose schema allows extra properties (CustomDataType); they are kept as is."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _reject_null(cls, data: Any, info: ValidationInfo) -> Any:
        return data  # extra properties may be anything, null included

    @model_validator(mode="after")
    def _reject_declared_null(self, info: ValidationInfo) -> Self:
        if _from_wire(info):
            fields = type(self).model_fields
            for name in self.model_fields_set & fields.keys():
                if getattr(self, name) is None:
                    raise _null_error(fields[name].alias or name)
        return self


# Marks validation of decoded JSON (from_json_dict) so that it is as strict as JSON text.
_WIRE: dict[str, bool] = {"ocpp_wire": True}


def _from_wire(info: ValidationInfo) -> bool:
    return info.mode == "json" or info.context is _WIRE


def _null_error(name: str) -> PydanticCustomError:
    return PydanticCustomError(
        "null_not_allowed",
        "Property {name} is null; OCPP omits absent properties instead",
        {"name": name},
    )
