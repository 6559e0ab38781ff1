"""The intermediate representation: every fact the templates need, names already resolved.

Frozen dataclasses only; built by `build.py`, read by `render.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ocppgen.codegen.versions import Version

JsonNumber = int | float


@dataclass(frozen=True)
class StringType:
    max_length: int | None = None
    min_length: int | None = None
    format: Literal["date-time", "uri"] | None = None


@dataclass(frozen=True)
class IntegerType:
    minimum: JsonNumber | None = None
    maximum: JsonNumber | None = None
    # JSON Schema draft-04 counts 5.0 as a number only; draft-06 and later as an integer.
    draft4: bool = False


@dataclass(frozen=True)
class NumberType:
    minimum: JsonNumber | None = None
    maximum: JsonNumber | None = None
    multiple_of: JsonNumber | None = None


@dataclass(frozen=True)
class BooleanType:
    pass


@dataclass(frozen=True)
class AnyType:
    """A property whose schema gives no type: any JSON value."""


@dataclass(frozen=True)
class EnumRef:
    name: str


@dataclass(frozen=True)
class ModelRef:
    name: str


@dataclass(frozen=True)
class ArrayType:
    item: TypeNode
    min_items: int | None = None
    max_items: int | None = None


TypeNode = (
    StringType | IntegerType | NumberType | BooleanType | AnyType | EnumRef | ModelRef | ArrayType
)


@dataclass(frozen=True)
class Field:
    wire_name: str
    name: str  # Python attribute name
    type: TypeNode
    required: bool
    description: str
    default: str | None  # the schema's default, as JSON text, for documentation


@dataclass(frozen=True)
class Model:
    name: str
    description: str
    fields: tuple[Field, ...]
    open: bool  # extra properties allowed (CustomDataType)
    source: str  # "file#/pointer" of its first definition
    kind: Literal["datatype", "request", "response"]
    action: str | None = None


@dataclass(frozen=True)
class EnumMember:
    name: str
    value: str


@dataclass(frozen=True)
class Enum:
    name: str
    description: str
    members: tuple[EnumMember, ...]
    source: str


@dataclass(frozen=True)
class Action:
    name: str
    request: str
    response: str | None
    initiators: tuple[str, ...]  # Role values: "ChargingStation", "CSMS"
    message_type: Literal["CALL", "SEND"]
    functional_block: str
    use_cases: tuple[str, ...]


@dataclass(frozen=True)
class UseCase:
    id: str
    name: str
    functional_block: str
    initiator: str
    core: bool
    core_choice: str
    messages: tuple[str, ...]


@dataclass(frozen=True)
class VendorMessage:
    """A vendor DataTransfer message: the classes of its request and response `data`."""

    message_id: str
    request: str
    response: str | None  # None: the response carries no data
    initiators: tuple[str, ...]  # Role values
    snake: str  # for method names: "set_led_color"


@dataclass(frozen=True)
class VendorCustomData:
    message: str  # the standard message class: "HeartbeatRequest"
    model: str  # the vendor's class of its customData


@dataclass(frozen=True)
class VendorExtension:
    """A vendor's DataTransfer messages and customData, from its vendor.json and schemas."""

    vendor_id: str
    folder: str  # where the schemas are shipped in the package: "vendor"
    messages: tuple[VendorMessage, ...]  # sorted by message_id
    custom_data: tuple[VendorCustomData, ...]
    models: tuple[Model, ...]  # dependency order
    enums: tuple[Enum, ...]
    schemas: tuple[tuple[str, str], ...]  # (file name, text), shipped verbatim


@dataclass(frozen=True)
class Spec:
    version: Version
    enums: tuple[Enum, ...]
    datatypes: tuple[Model, ...]  # dependency order, ties by name
    messages: tuple[Model, ...]  # sorted by name
    actions: tuple[Action, ...]  # sorted by name
    use_cases: tuple[UseCase, ...]  # sorted by id
    left_out: tuple[str, ...] = ()  # a vendor subset: the version's actions it leaves out, sorted
    vendor: VendorExtension | None = None
