"""Stage 2: a typed view of one JSON schema document.

Turns the loaded JSON into `Node`s, checking every keyword: a keyword the generator does not
understand is an error (a new schema edition must not lose a constraint silently), as is a keyword
value of the wrong JSON type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ocppgen.codegen.diagnostics import Diagnostics

# Keywords with no effect on validation (annotations) and those we translate.
_ANNOTATIONS = frozenset({"description", "javaType", "comment", "$comment", "title", "$id"})
_KNOWN = _ANNOTATIONS | {
    "$schema",
    "$ref",
    "type",
    "format",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "additionalItems",
    "minItems",
    "maxItems",
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "multipleOf",
    "default",
    "definitions",
}
_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean"})
_FORMATS = frozenset({"date-time", "uri"})
DRAFT4 = "http://json-schema.org/draft-04/schema#"
DRAFT6 = "http://json-schema.org/draft-06/schema#"


@dataclass(frozen=True)
class Node:
    """One schema object, with where it came from."""

    file: str
    pointer: str
    type: str | None = None
    ref: str | None = None  # the definition name of a local "#/definitions/X" reference
    format: str | None = None
    enum: tuple[str, ...] | None = None
    properties: tuple[tuple[str, Node], ...] = ()
    required: frozenset[str] = frozenset()
    closed: bool = False  # additionalProperties: false
    items: Node | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    multiple_of: int | float | None = None
    default: Any = None
    description: str = ""
    raw: Any = field(default=None, compare=False, repr=False)

    @property
    def where(self) -> str:
        return f"{self.file}#{self.pointer}"


@dataclass(frozen=True)
class Document:
    file: str
    stem: str
    draft4: bool
    root: Node
    definitions: tuple[tuple[str, Node], ...]


def parse_document(file: str, stem: str, raw: Any, diags: Diagnostics) -> Document | None:
    if not isinstance(raw, dict):
        diags.error(file, "", "a schema must be a JSON object")
        return None
    dialect = raw.get("$schema")
    if dialect not in (DRAFT4, DRAFT6):
        diags.error(file, "/$schema", f"unsupported JSON Schema dialect {dialect!r}")
        return None
    definitions_raw = raw.get("definitions", {})
    definitions: list[tuple[str, Node]] = []
    if not isinstance(definitions_raw, dict):
        diags.error(file, "/definitions", "must be an object")
    else:
        for name, body in definitions_raw.items():
            node = _parse(file, f"/definitions/{_escape(name)}", body, diags)
            if node is not None:
                definitions.append((name, node))
    root = _parse(file, "", raw, diags)
    if root is None:
        return None
    if root.type != "object":
        diags.error(file, "/type", "a message schema must describe an object")
        return None
    return Document(file, stem, dialect == DRAFT4, root, tuple(definitions))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _parse(file: str, pointer: str, raw: Any, diags: Diagnostics) -> Node | None:
    if not isinstance(raw, dict):
        diags.error(file, pointer or "/", "a schema must be a JSON object")
        return None
    for key in sorted(raw.keys() - _KNOWN):
        diags.error(file, f"{pointer}/{_escape(key)}", f"unsupported schema keyword {key!r}")
    check = _Checker(file, pointer, raw, diags)
    node_type = check.one_of("type", _TYPES)
    ref = raw.get("$ref")
    ref_name: str | None = None
    if ref is not None:
        if not isinstance(ref, str) or not ref.startswith("#/definitions/"):
            diags.error(
                file,
                f"{pointer}/$ref",
                f"only local #/definitions/ references are supported: {ref!r}",
            )
        else:
            ref_name = ref.removeprefix("#/definitions/")
    properties: list[tuple[str, Node]] = []
    props_raw = raw.get("properties", {})
    if not isinstance(props_raw, dict):
        diags.error(file, f"{pointer}/properties", "must be an object")
    else:
        for name, body in props_raw.items():
            child = _parse(file, f"{pointer}/properties/{_escape(name)}", body, diags)
            if child is not None:
                properties.append((name, child))
    required = check.string_list("required") or ()
    for name in required:
        if name not in props_raw:
            diags.error(file, f"{pointer}/required", f"required property {name!r} is not defined")
    items = None
    if "items" in raw:
        items = _parse(file, f"{pointer}/items", raw["items"], diags)
    enum = check.string_list("enum")
    additional = raw.get("additionalProperties", True)
    if not isinstance(additional, bool):
        diags.error(file, f"{pointer}/additionalProperties", "only true or false is supported")
    description = raw.get("description", "")
    return Node(
        file=file,
        pointer=pointer,
        type=node_type,
        ref=ref_name,
        format=check.one_of("format", _FORMATS),
        enum=tuple(enum) if enum is not None else None,
        properties=tuple(properties),
        required=frozenset(required),
        closed=additional is False,
        items=items,
        min_items=check.count("minItems"),
        max_items=check.count("maxItems"),
        min_length=check.count("minLength"),
        max_length=check.count("maxLength"),
        minimum=check.number("minimum"),
        maximum=check.number("maximum"),
        multiple_of=check.number("multipleOf"),
        default=raw.get("default"),
        description=description if isinstance(description, str) else "",
        raw=raw,
    )


@dataclass
class _Checker:
    file: str
    pointer: str
    raw: dict[str, Any]
    diags: Diagnostics

    def _bad(self, key: str, what: str) -> None:
        self.diags.error(self.file, f"{self.pointer}/{key}", f"{key} must be {what}")

    def one_of(self, key: str, allowed: frozenset[str]) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if value not in allowed:
            self._bad(key, "one of " + ", ".join(sorted(allowed)) + f", not {value!r}")
            return None
        return str(value)

    def string_list(self, key: str) -> list[str] | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._bad(key, "a list of strings")
            return None
        return list(value)

    def count(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self._bad(key, "a non-negative integer")
            return None
        return value

    def number(self, key: str) -> int | float | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._bad(key, "a number")
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
