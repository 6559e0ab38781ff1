"""Property tests for every rule of the diff classifier (issue 16 item 4).

Each test draws a message schema (fields of every kind, random constraints, required set and
closedness), applies one rule's change at a random place and checks that `compare` reports
exactly that change, at that location, and that its verdicts hold against a JSON Schema
validator: breaking for senders if and only if some boundary payload is valid under the old
schema and not the new one; breaking for receivers likewise the other way (diff_oracle.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ocppgen.codegen.diff_compare import compare
from ocppgen.codegen.diff_rules import Kind
from tests.codegen.diff_oracle import Schema, message, mutated, side, witnesses

MSG = "FooRequest"
_ENUM = ["Alpha", "Beta", "Gamma", "Delta"]
Draw = Callable[[st.SearchStrategy[Any]], Any]


@st.composite
def _string(draw: Draw) -> Schema:
    if draw(st.booleans()):
        return {"type": "string", "format": "date-time"}
    node: Schema = {"type": "string"}
    if draw(st.booleans()):
        node["maxLength"] = draw(st.integers(3, 20))
    if draw(st.booleans()):
        node["minLength"] = draw(st.integers(0, node.get("maxLength", 20) - 2))
    return node


@st.composite
def _integer(draw: Draw) -> Schema:
    node: Schema = {"type": "integer"}
    low = draw(st.none() | st.integers(-5, 5))
    if low is not None:
        node["minimum"] = low
    if draw(st.booleans()):
        node["maximum"] = (low if low is not None else 0) + draw(st.integers(3, 10))
    return node


@st.composite
def base(draw: Draw) -> Schema:
    """A message with a field of every kind; `o` a nested object, `r` a reference to `T`."""
    enum_values = draw(st.lists(st.sampled_from(_ENUM), min_size=2, max_size=4, unique=True))
    array: Schema = {"type": "array", "items": draw(_string())}
    if draw(st.booleans()):
        array["minItems"] = draw(st.integers(0, 2))
    if draw(st.booleans()):
        array["maxItems"] = array.get("minItems", 0) + draw(st.integers(1, 3))
    inner_closed = draw(st.booleans())
    properties: Schema = {
        "s": draw(_string()),
        "e": {"type": "string", "enum": sorted(enum_values)},
        "i": draw(_integer()),
        "n": {"type": "number", "multipleOf": draw(st.sampled_from([0.25, 0.5, 1, 2]))},
        "a": array,
        "b": {"type": "boolean"},
        "u": {},
        "o": {
            "type": "object",
            "additionalProperties": not inner_closed,
            "properties": {"x": draw(_string()), "y": draw(_integer())},
            "required": sorted(draw(st.sets(st.sampled_from(["x", "y"])))),
        },
        "r": {"$ref": "#/definitions/T"},
    }
    required = sorted(draw(st.sets(st.sampled_from(sorted(properties)))))
    definitions = {
        "T": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"z": {"type": "boolean"}, "w": draw(_integer())},
            "required": ["z"],
        }
    }
    return message(properties, required, draw(st.booleans()), definitions=definitions)


def _container(draw: Draw, schema: Schema) -> tuple[Schema, str]:
    """The root object or the nested one, with the location prefix of its fields."""
    if draw(st.booleans()):
        return schema, MSG
    return schema["properties"]["o"], f"{MSG}/o"


Mutation = Callable[[Draw, Schema], tuple[str, Kind]]


def field_added(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    obj, where = _container(draw, schema)
    obj["properties"]["added"] = draw(_string() | _integer() | st.just({"type": "boolean"}))
    if draw(st.booleans()):
        obj["required"] = sorted([*obj["required"], "added"])
    return f"{where}/added", Kind.FIELD_ADDED


def field_removed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    obj, where = _container(draw, schema)
    name = draw(st.sampled_from(sorted(obj["properties"])))
    del obj["properties"][name]
    obj["required"] = [n for n in obj["required"] if n != name]
    return f"{where}/{name}", Kind.FIELD_REMOVED


def field_renamed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    obj, where = _container(draw, schema)
    name = draw(st.sampled_from(sorted(obj["properties"])))
    obj["properties"]["renamed"] = obj["properties"].pop(name)
    obj["required"] = sorted("renamed" if n == name else n for n in obj["required"])
    return f"{where}/renamed", Kind.FIELD_RENAMED


def required_added(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    obj, where = _container(draw, schema)
    optional = sorted(set(obj["properties"]) - set(obj["required"]))
    assume(optional)
    name = draw(st.sampled_from(optional))
    obj["required"] = sorted([*obj["required"], name])
    return f"{where}/{name}", Kind.REQUIRED_ADDED


def required_removed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    obj, where = _container(draw, schema)
    assume(obj["required"])
    name = draw(st.sampled_from(obj["required"]))
    obj["required"] = [n for n in obj["required"] if n != name]
    return f"{where}/{name}", Kind.REQUIRED_REMOVED


def _enum(schema: Schema) -> list[str]:
    values: list[str] = schema["properties"]["e"]["enum"]
    return values


def enum_value_added(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    _enum(schema).append("Zeta")
    return f"{MSG}/e", Kind.ENUM_VALUE_ADDED


def enum_value_removed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    values = _enum(schema)
    values.remove(draw(st.sampled_from(values)))
    return f"{MSG}/e", Kind.ENUM_VALUE_REMOVED


def enum_value_renamed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    values = _enum(schema)
    index = draw(st.integers(0, len(values) - 1))
    values[index] = values[index].upper()
    return f"{MSG}/e", Kind.ENUM_VALUE_RENAMED


def enum_added(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    schema["properties"]["s"]["enum"] = ["Alpha", "Beta"]
    return f"{MSG}/s", Kind.ENUM_ADDED


def enum_removed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    del schema["properties"]["e"]["enum"]
    return f"{MSG}/e", Kind.ENUM_REMOVED


def type_widened(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    if draw(st.booleans()):
        schema["properties"]["i"]["type"] = "number"
        return f"{MSG}/i", Kind.TYPE_WIDENED
    name = draw(st.sampled_from(["b", "e", "s"]))
    schema["properties"][name] = {}
    return f"{MSG}/{name}", Kind.TYPE_WIDENED


def type_narrowed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    if draw(st.booleans()):
        number = schema["properties"]["n"]
        # A whole multipleOf keeps the same values: test_whole_number_is_integer.
        assume(not float(number["multipleOf"]).is_integer())
        number["type"] = "integer"
        return f"{MSG}/n", Kind.TYPE_NARROWED
    schema["properties"]["u"] = {"type": draw(st.sampled_from(["string", "integer", "boolean"]))}
    return f"{MSG}/u", Kind.TYPE_NARROWED


def type_changed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    name, new = draw(st.sampled_from([("s", "boolean"), ("b", "string"), ("e", "integer")]))
    schema["properties"][name] = {"type": new}
    return f"{MSG}/{name}", Kind.TYPE_CHANGED


_BOUNDS = [
    ("s", "maxLength"),
    ("s", "minLength"),
    ("s", "format"),
    ("i", "minimum"),
    ("i", "maximum"),
    ("a", "maxItems"),
    ("a", "minItems"),
    ("n", "multipleOf"),
]
_LOWER_OF = {"maxLength": "minLength", "maximum": "minimum", "maxItems": "minItems"}
_UPPER_OF = {low: up for up, low in _LOWER_OF.items()}


def _choices(node: Schema, key: str) -> list[int]:
    """New values for a bound that change it and keep the schema satisfiable."""
    if key in _LOWER_OF:  # an upper bound, not below the lower one
        floor = node.get(_LOWER_OF[key], -6 if key == "maximum" else 0)
        values = range(floor, floor + 12)
    else:
        start = -6 if key == "minimum" else 0
        values = range(start, node.get(_UPPER_OF[key], start + 12) + 1)
    current = node.get(key, None if key == "minimum" else 0)
    return [v for v in values if v != current]


def constraint(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    """A bound added, dropped or moved, a step or a format changed: tightened, loosened or
    changed, and the oracle checks the verdict that kind carries."""
    name, key = draw(st.sampled_from(_BOUNDS))
    node = schema["properties"][name]
    # A date-time is 20+ characters: its format masks a length bound, and verdicts are judged
    # per keyword (diff_rules.py), so such a change is "breaking" with no payload to show it.
    assume(not ("format" in node and key in ("minLength", "maxLength")))
    if key == "format":
        if node.pop("format", None) is None:
            node["format"] = "date-time"
    elif key == "multipleOf":
        node[key] = draw(st.sampled_from(sorted({0.25, 0.5, 1, 2, 3} - {node[key]})))
    elif key in node and draw(st.booleans()):
        del node[key]
    else:
        node[key] = draw(st.sampled_from(_choices(node, key)))
    return f"{MSG}/{name}", Kind.CONSTRAINT_CHANGED


def closedness(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    obj, where = _container(draw, schema)
    obj["additionalProperties"] = not obj["additionalProperties"]
    kind = Kind.PROPERTIES_OPENED if obj["additionalProperties"] else Kind.PROPERTIES_CLOSED
    return where, kind


def type_renamed(draw: Draw, schema: Schema) -> tuple[str, Kind]:
    schema["definitions"]["U"] = schema["definitions"].pop("T")
    schema["properties"]["r"] = {"$ref": "#/definitions/U"}
    return f"{MSG}/r", Kind.TYPE_RENAMED


_FIELD_KINDS = {
    Kind.FIELD_ADDED,
    Kind.FIELD_REMOVED,
    Kind.FIELD_RENAMED,
    Kind.REQUIRED_ADDED,
    Kind.REQUIRED_REMOVED,
}
_CONSTRAINT_KINDS = {Kind.CONSTRAINT_TIGHTENED, Kind.CONSTRAINT_LOOSENED, Kind.CONSTRAINT_CHANGED}

RULES: list[Mutation] = [
    field_added,
    field_removed,
    field_renamed,
    required_added,
    required_removed,
    enum_value_added,
    enum_value_removed,
    enum_value_renamed,
    enum_added,
    enum_removed,
    type_widened,
    type_narrowed,
    type_changed,
    constraint,
    closedness,
    type_renamed,
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), old=base())
def test_rule(rule: Mutation, data: st.DataObject, old: Schema) -> None:
    new = mutated(old)
    location, kind = rule(data.draw, new)
    changes = compare(side("old", {MSG: old}), side("new", {MSG: new}))
    if kind is Kind.CONSTRAINT_CHANGED:  # one of the three; the oracle judges the verdict
        assert [(c.location, c.kind in _CONSTRAINT_KINDS) for c in changes] == [(location, True)]
    else:
        assert [(c.location, c.kind) for c in changes] == [(location, kind)]
    change = changes[0]
    path = tuple(location.split("/")[1:])
    if kind in _FIELD_KINDS:  # vary the object that holds the field, every property of it
        path = path[:-1]
    only_old, only_new = witnesses(old, new, path)
    assert bool(only_old) == change.sender_breaking, (change, only_old[:3])
    assert bool(only_new) == change.receiver_breaking, (change, only_new[:3])


@pytest.mark.parametrize("step", [1, 2])
def test_whole_number_is_integer(step: int) -> None:
    """number with a whole multipleOf and integer accept the same values (draft-06 counts 5.0
    as an integer), so the type change is no change; the oracle agrees."""
    number = message({"n": {"type": "number", "multipleOf": step}}, ["n"], True)
    integer = message({"n": {"type": "integer", "multipleOf": step}}, ["n"], True)
    for old, new in ((number, integer), (integer, number)):
        assert compare(side("old", {MSG: old}), side("new", {MSG: new})) == ()
        assert witnesses(old, new) == ([], [])
