"""Build deterministic valid payloads straight from a schema's JSON, and mutate them.

`minimal(schema)` has the required properties only, each with the simplest valid value;
`maximal(schema)` has every property. Both only follow the keywords the OCPP schemas use:
type, properties, required, $ref to #/definitions, items, minItems, enum, format,
minimum and multipleOf.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["DATE_TIME", "Slot", "maximal", "minimal", "objects", "slots"]

DATE_TIME = "2024-05-01T12:00:00Z"

Path = tuple[str | int, ...]


def _resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    prefix = "#/definitions/"
    if not ref.startswith(prefix):  # pragma: no cover - OCPP refs are all local definitions
        raise ValueError(f"unsupported $ref {ref}")
    target: dict[str, Any] = root["definitions"][ref.removeprefix(prefix)]
    return _resolve(root, target)


def _value(root: dict[str, Any], node: dict[str, Any], full: bool) -> Any:
    node = _resolve(root, node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        props: dict[str, Any] = node.get("properties", {})
        names = list(props) if full else list(node.get("required", []))
        return {name: _value(root, props[name], full) for name in names}
    if kind == "array":
        count = max(node.get("minItems", 0), 1 if full else 0)
        return [_value(root, node["items"], full) for _ in range(count)]
    if kind == "string":
        return DATE_TIME if node.get("format") == "date-time" else "x"
    if kind == "integer":
        return int(node.get("minimum", 0))
    if kind == "number":
        step = node.get("multipleOf")
        return float(node.get("minimum", 0)) if step is None else 0.0
    if kind == "boolean":
        return False
    if kind is None:  # untyped (DataTransfer's data): any JSON value
        return "x"
    raise ValueError(f"unsupported schema node {node}")  # pragma: no cover


def minimal(schema: dict[str, Any]) -> dict[str, Any]:
    """Required properties only, simplest valid values."""
    payload: dict[str, Any] = _value(schema, schema, full=False)
    return payload


def maximal(schema: dict[str, Any]) -> dict[str, Any]:
    """Every property, arrays with at least one item."""
    payload: dict[str, Any] = _value(schema, schema, full=True)
    return payload


@dataclass(frozen=True)
class Slot:
    """One property of a payload: where it is, its schema, and whether it is required."""

    path: Path  # keys and list indexes from the payload root to the property
    schema: dict[str, Any]  # the property's schema, $ref resolved
    required: bool

    @property
    def name(self) -> str:
        return ".".join(str(part) for part in self.path)


@dataclass(frozen=True)
class ObjectAt:
    """One JSON object inside a payload and its schema."""

    path: Path
    schema: dict[str, Any]

    @property
    def name(self) -> str:
        return ".".join(str(part) for part in self.path) or "<root>"

    @property
    def open(self) -> bool:
        """Whether the schema admits extra properties (only CustomDataType does)."""
        return self.schema.get("additionalProperties", True) is not False


def objects(schema: dict[str, Any], payload: Any) -> Iterator[ObjectAt]:
    """Every JSON object in a payload built by `minimal` or `maximal`, with its schema."""
    yield from _walk_objects(schema, schema, payload, ())


def _walk_objects(
    root: dict[str, Any], node: dict[str, Any], value: Any, path: Path
) -> Iterator[ObjectAt]:
    node = _resolve(root, node)
    if isinstance(value, dict) and node.get("type") == "object":
        yield ObjectAt(path, node)
        props = node.get("properties", {})
        for key, item in value.items():
            yield from _walk_objects(root, props[key], item, (*path, key))
    elif isinstance(value, list) and node.get("type") == "array":
        for index, item in enumerate(value):
            yield from _walk_objects(root, node["items"], item, (*path, index))


def slots(schema: dict[str, Any], payload: Any) -> Iterator[Slot]:
    """Every property present in a payload, at any depth."""
    for obj in objects(schema, payload):
        required = set(obj.schema.get("required", []))
        value = get(payload, obj.path)
        for key in value:
            yield Slot(
                (*obj.path, key), _resolve(schema, obj.schema["properties"][key]), key in required
            )


def get(payload: Any, path: Path) -> Any:
    for part in path:
        payload = payload[part]
    return payload


def replaced(payload: Any, path: Path, value: Any) -> Any:
    """A deep copy of the payload with the value at path replaced."""
    result = copy.deepcopy(payload)
    parent = get(result, path[:-1])
    parent[path[-1]] = value
    return result


def dropped(payload: Any, path: Path) -> Any:
    """A deep copy of the payload without the property at path."""
    result = copy.deepcopy(payload)
    del get(result, path[:-1])[path[-1]]
    return result
