"""The IR -> `proptests.json`, `proptables.py`, `proptests.py`: the property tests of a version.

The tests are generic (`ocppgen.runtime.testing`: `tables` loads and uses the rows,
`properties` has the test bodies); what is generated are their tables, facts taken from the IR
at generation time, written as data (`proptests.json`), and two small modules that bind them:
`proptables.py` (the tables with the version's classes; no pytest, so the conformance tester can
use them) and `proptests.py` (the pytest functions, each parametrized over a table):

- `MODELS`: every datatype and message with the location of its official schema;
- `MUTATIONS`: one row per constraint of each field of each model (required, JSON type, null,
  maxLength, minLength, enum, minimum, maximum, multipleOf, minItems, maxItems, date-time
  format, additionalProperties, and the integer-versus-5.0 rule of the schema's draft), with the
  JSON Schema keyword that must fail, the fault the runtime must classify it as, and the message
  that carries the model to the runtime (the shortest way in, preferring a CALL request);
- `RECEIVES`, `NOT_RECEIVED`, `SENDS`: which role receives and sends which action, from the
  tables' initiator column.

Because the tables are facts of the IR and the checks run against the official schemas and the
runtime, a generator, model or runtime fault shows up as a failing row.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

from ocppgen.codegen.ir import (
    Action,
    AnyType,
    ArrayType,
    BooleanType,
    EnumRef,
    Field,
    IntegerType,
    Model,
    ModelRef,
    NumberType,
    Spec,
    StringType,
    TypeNode,
)
from ocppgen.codegen.naming import call_method, handler_method
from ocppgen.codegen.templating import HEADER, environment

UNKNOWN_PROPERTY = "ocppgenUnknownProperty"
NOT_A_MEMBER = "ocppgen-not-a-member"
NO_TIME_ZONE = "2024-01-01T00:00:00"  # valid ISO 8601, but RFC 3339 needs an offset


# The code each payload fault must get, from the spec's definitions of the codes (OCPP-J 1.6
# §4.2.3 Table 7, 2.x Part 4 §4.3): an oracle independent of the runtime's own table.
EXPECTED_CODES = {
    "WRONG_TYPE": ("TypeConstraintViolation", "TypeConstraintViolation"),
    "MISSING_PROPERTY": ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    "ARRAY_LENGTH": ("OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    "BAD_VALUE": ("PropertyConstraintViolation", "PropertyConstraintViolation"),
    "UNKNOWN_PROPERTY": ("FormationViolation", "ProtocolError"),
}


def expected_code(spec: Spec, fault: str | None) -> str | None:
    if fault is None:
        return None
    v16, v2x = EXPECTED_CODES[fault]
    return v16 if spec.version.key == "v16" else v2x


@dataclass(frozen=True)
class Mutation:
    """One generated row: mutate `field` of `model` by `kind`."""

    id: str
    model: str
    field: str | None  # wire name; None for a model-level mutation
    attribute: str | None
    kind: str
    keyword: str | None  # the JSON Schema keyword that must fail; None: must be accepted
    fault: str | None  # runtime.errors.Fault member name; None: must be accepted
    value: str = "None"  # Python literal of the replacement (for kinds with a fixed value)
    limit: int | None = None
    item: bool = False


@dataclass(frozen=True)
class Host:
    """How a model reaches the runtime: inside `message` at `path` (a chain of fields)."""

    message: str
    action: str
    direction: str  # "request" or "response"
    path: tuple[tuple[str, str, bool, str], ...]  # (wire name, attribute, array, child model)


def _wrong_type(node: TypeNode) -> str:
    """A JSON value of another type than the node's."""
    if isinstance(node, StringType | EnumRef):
        return "12"
    if isinstance(node, IntegerType | NumberType):
        return '"1"'
    if isinstance(node, BooleanType):
        return '"true"'
    if isinstance(node, ModelRef):
        return '"x"'
    return '"x"'  # an array


def _node_mutations(node: TypeNode, draft4: bool, item: bool) -> list[tuple[object, ...]]:
    """(kind, keyword, fault, value, limit) for each constraint of one type node."""
    if isinstance(node, AnyType):
        return []
    rows: list[tuple[object, ...]] = [
        ("type", "type", "WRONG_TYPE", _wrong_type(node), None),
        # null is of no OCPP type (Part 4: absent properties are omitted, never null)
        ("null", "type", "WRONG_TYPE", "None", None),
    ]
    if isinstance(node, StringType):
        if node.max_length is not None:
            rows.append(("maxLength", "maxLength", "BAD_VALUE", "None", node.max_length))
        if node.min_length:
            rows.append(("minLength", "minLength", "BAD_VALUE", "None", node.min_length))
        if node.format == "date-time":
            rows.append(("format", "format", "BAD_VALUE", repr(NO_TIME_ZONE), None))
    elif isinstance(node, IntegerType | NumberType):
        one = 1 if isinstance(node, IntegerType) else 1.0
        if node.minimum is not None:
            rows.append(("minimum", "minimum", "BAD_VALUE", repr(node.minimum - one), None))
        if node.maximum is not None:
            rows.append(("maximum", "maximum", "BAD_VALUE", repr(node.maximum + one), None))
        if isinstance(node, NumberType) and node.multiple_of is not None:
            rows.append(("multipleOf", "multipleOf", "BAD_VALUE", repr(node.multiple_of / 2), None))
        if isinstance(node, IntegerType):
            # 5.0 is an integer from draft-06 on, only a number in draft-04 (OCPP 1.6).
            if node.draft4:
                rows.append(("integralFloat", "type", "WRONG_TYPE", "None", None))
            else:
                rows.append(("integralFloat", None, None, "None", None))
    elif isinstance(node, EnumRef):
        rows.append(("enum", "enum", "BAD_VALUE", repr(NOT_A_MEMBER), None))
    elif isinstance(node, ArrayType):
        if node.min_items:
            rows.append(("minItems", "minItems", "ARRAY_LENGTH", "None", node.min_items))
        if node.max_items is not None:
            if not node.min_items:  # maxItems repeats the first item, so one must be there
                raise ValueError("maxItems without minItems >= 1 is not supported")
            rows.append(("maxItems", "maxItems", "ARRAY_LENGTH", "None", node.max_items))
    return rows


def _field_rows(
    model: str, field: Field, node: TypeNode, draft4: bool, *, item: bool
) -> list[Mutation]:
    """The rows of one field's type (`item`: of its array's items)."""
    base = f"{model}.{field.wire_name}{'[]' if item else ''}"
    return [
        Mutation(
            f"{base}:{kind}",
            model,
            field.wire_name,
            field.name,
            str(kind),
            None if keyword is None else str(keyword),
            None if fault is None else str(fault),
            str(value),
            None if limit is None else int(str(limit)),
            item=item,
        )
        for kind, keyword, fault, value, limit in _node_mutations(node, draft4, item)
    ]


def mutations(spec: Spec) -> list[Mutation]:
    draft4 = spec.version.key == "v16"
    rows = []
    for model in (*spec.datatypes, *spec.messages):
        for field in model.fields:
            base = f"{model.name}.{field.wire_name}"
            if field.required:
                rows.append(
                    Mutation(
                        f"{base}:required",
                        model.name,
                        field.wire_name,
                        field.name,
                        "required",
                        "required",
                        "MISSING_PROPERTY",
                    )
                )
            rows += _field_rows(model.name, field, field.type, draft4, item=False)
            if isinstance(field.type, ArrayType) and not isinstance(field.type.item, ModelRef):
                # An item that is a model is covered by that model's own rows.
                rows += _field_rows(model.name, field, field.type.item, draft4, item=True)
        if model.open:
            rows.append(
                Mutation(
                    f"{model.name}:extraProperty",
                    model.name,
                    None,
                    None,
                    "extraProperty",
                    None,
                    None,
                )
            )
        else:
            rows.append(
                Mutation(
                    f"{model.name}:additionalProperties",
                    model.name,
                    None,
                    None,
                    "additionalProperties",
                    "additionalProperties",
                    "UNKNOWN_PROPERTY",
                )
            )
    return rows


def _children(model: Model) -> list[tuple[str, str, bool, str]]:
    found = []
    for field in model.fields:
        node, array = field.type, False
        if isinstance(node, ArrayType):
            node, array = node.item, True
        if isinstance(node, ModelRef):
            found.append((field.wire_name, field.name, array, node.name))
    return found


def hosts(spec: Spec) -> dict[str, Host]:
    """For each model, the message that carries it to the runtime most directly: a CALL request
    before a SEND before a response, then the shortest path, then by name."""
    actions = {a.name: a for a in spec.actions}
    models = {m.name: m for m in (*spec.datatypes, *spec.messages)}
    best: dict[str, tuple[tuple[int, int, str], Host]] = {}
    for message in spec.messages:
        assert message.action is not None
        action = actions[message.action]
        # a CALL request reaches the receiver's CALL path; a SEND, then a response, less so
        rank = (0 if action.message_type == "CALL" else 1) if message.kind == "request" else 2
        frontier: list[tuple[str, tuple[tuple[str, str, bool, str], ...]]] = [(message.name, ())]
        seen = {message.name}
        while frontier:
            name, path = frontier.pop(0)
            key = (rank, len(path), message.name)
            if name not in best or key < best[name][0]:
                best[name] = (key, Host(message.name, action.name, message.kind, path))
            for step in _children(models[name]):
                if step[3] not in seen:
                    seen.add(step[3])
                    frontier.append((step[3], (*path, step)))
    return {name: host for name, (_, host) in best.items()}


def _receivers(action: Action) -> list[str]:
    return [r for r in ("CSMS", "ChargingStation") if any(i != r for i in action.initiators)]


def render_proptests(spec: Spec) -> dict[str, str]:
    """`<key>/proptests.py`, `<key>/proptables.py` (unformatted; render.py runs black over every
    Python file) and `<key>/proptests.json`."""

    key = spec.version.key
    folder = spec.version.folder
    models = (*spec.datatypes, *spec.messages)
    # a vendor's classes: round trip and examples against its schema (they have no host message)
    vendor_models = spec.vendor.models if spec.vendor else ()
    receives = [
        (role, a.name, handler_method(a.name), a.message_type == "SEND")
        for a in spec.actions
        for role in _receivers(a)
    ]
    not_received = [
        (role, a.name)
        for a in spec.actions
        for role in ("CSMS", "ChargingStation")
        if role not in _receivers(a) and a.message_type == "CALL"
    ]
    sends = [
        (role, a.name, call_method(a.name), a.message_type == "SEND")
        for a in spec.actions
        for role in a.initiators
    ]
    rows = mutations(spec)
    tables = {
        "models": [[m.name, m.source] for m in (*models, *vendor_models)],
        "hosts": {
            name: [host.message, host.action, host.direction, [list(step) for step in host.path]]
            for name, host in ((m.name, hosts(spec)[m.name]) for m in models)
        },
        "mutations": [
            [
                row.id,
                row.model,
                row.field,
                row.attribute,
                row.kind,
                row.keyword,
                row.fault,
                ast.literal_eval(row.value),
                row.limit,
                row.item,
                expected_code(spec, row.fault),
            ]
            for row in rows
        ],
        "receives": [list(r) for r in receives],
        "not_received": [list(r) for r in not_received],
        "sends": [list(r) for r in sends],
    }
    env = environment()
    header = HEADER.format(key=key)
    tables_module = env.get_template("proptables.py.jinja").render(
        header=header,
        version=spec.version,
        unknown_property=UNKNOWN_PROPERTY,
        vendor=spec.vendor is not None,
    )
    tests_module = env.get_template("proptests.py.jinja").render(
        header=header, version=spec.version, vendor=spec.vendor is not None
    )
    return {
        f"{folder}/proptests.py": tests_module,
        f"{folder}/proptables.py": tables_module,
        f"{folder}/proptests.json": _table_json(tables),
    }


def _table_json(tables: dict[str, Any]) -> str:
    """Deterministic JSON with one row per line, so that a diff shows the rows that changed."""
    lines = ["{"]
    for index, (name, table) in enumerate(tables.items()):
        rows = table.items() if isinstance(table, dict) else enumerate(table)
        is_map = isinstance(table, dict)
        lines.append(f"  {json.dumps(name)}: {'{' if is_map else '['}")
        entries = [
            (f"{json.dumps(k)}: " if is_map else "") + json.dumps(v, ensure_ascii=False)
            for k, v in rows
        ]
        lines.extend(f"    {entry}," for entry in entries[:-1])
        lines.extend(f"    {entry}" for entry in entries[-1:])
        closing = "}" if is_map else "]"
        lines.append(f"  {closing}{',' if index < len(tables) - 1 else ''}")
    lines.append("}")
    return "\n".join(lines) + "\n"
