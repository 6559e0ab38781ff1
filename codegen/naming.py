"""Every name the generator invents or changes, in one place.

Class and action names stay verbatim from the spec (so generated code can be grepped against it);
fields become snake_case with the wire name kept as alias (where the two differ); enum members
keep their value as name where Python allows it. Description text is `text.py`'s.
"""

from __future__ import annotations

import keyword
import re

# Attributes of pydantic's BaseModel that a field must not shadow.
_RESERVED_FIELDS = frozenset(
    {"construct", "copy", "dict", "fields", "json", "schema", "schema_json", "validate"}
)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_IDENTIFIER = re.compile(r"\W")


def field_name(wire_name: str) -> str:
    """`evseId` -> `evse_id`, `EVSEId` -> `evse_id`, `iso15118Version` -> `iso15118_version`."""
    snake = _CAMEL_BOUNDARY.sub("_", wire_name).lower()
    snake = _NOT_IDENTIFIER.sub("_", snake)
    if snake[:1].isdigit():
        snake = f"f_{snake}"
    if keyword.iskeyword(snake) or snake in _RESERVED_FIELDS or snake.startswith("model_"):
        snake = f"{snake}_"
    return snake


def enum_member_name(value: str) -> str:
    """`Accepted` stays `Accepted`; `Energy.Active.Net` -> `Energy_Active_Net`."""
    name = _NOT_IDENTIFIER.sub("_", value)
    if not name or name[0].isdigit():
        name = f"V_{name}"
    if keyword.iskeyword(name) or name.startswith("_"):
        name = f"{name}_"
    return name


def unique_members(values: list[str]) -> list[tuple[str, str]]:
    """Member names for an enum's values, made unique where two values map to one name."""
    seen: dict[str, int] = {}
    members: list[tuple[str, str]] = []
    for value in values:
        name = enum_member_name(value)
        count = seen.get(name, 0)
        seen[name] = count + 1
        members.append((f"{name}_{count + 1}" if count else name, value))
    return members


def pascal(wire_name: str) -> str:
    """`idTagInfo` -> `IdTagInfo`."""
    return wire_name[:1].upper() + wire_name[1:]


def action_of(schema_stem: str) -> tuple[str, str]:
    """A schema file name -> (action, kind): `BootNotificationRequest` -> ("BootNotification",
    "request"); OCPP 1.6 names requests without suffix: `BootNotification` -> same."""
    for suffix, kind in (("Request", "request"), ("Response", "response")):
        if schema_stem.endswith(suffix) and len(schema_stem) > len(suffix):
            return schema_stem[: -len(suffix)], kind
    return schema_stem, "request"


def message_class(action: str, kind: str, one_way: bool = False) -> str:
    """`BootNotification` + request -> `BootNotificationRequest`; a 2.1 SEND keeps its bare name."""
    if one_way:
        return action
    return f"{action}{'Request' if kind == 'request' else 'Response'}"


def inline_model_name(property_name: str) -> str:
    """OCPP 1.6 defines nested objects inline; they are named after their property:
    `idTagInfo` -> `IdTagInfo`; an array's items after the array: `meterValue` -> `MeterValue`."""
    return pascal(property_name)


def inline_enum_name(owner: str, property_name: str) -> str:
    """OCPP 1.6 defines enums inline; they are named owner + property, the message suffix dropped:
    BootNotificationResponse.status -> `BootNotificationStatus`,
    ChargingProfile.chargingProfileKind -> `ChargingProfileKind`."""
    for suffix in ("Request", "Response"):
        if owner.endswith(suffix) and len(owner) > len(suffix):
            owner = owner[: -len(suffix)]
    prop = pascal(property_name)
    if prop.startswith(owner):
        return prop
    return owner + prop


def handler_method(action: str) -> str:
    """`BootNotification` -> `on_boot_notification` (used by generated handler bases)."""
    return f"on_{field_name(action).rstrip('_')}"


def call_method(action: str) -> str:
    """`BootNotification` -> `boot_notification` (the typed call method for the sender)."""
    return field_name(action).rstrip("_")
