"""An independent check of the diff classifier: boundary payloads judged by `jsonschema`.

`candidates(old, new)` builds payloads around every constraint of both schemas (lengths and
bounds one either side, each enum value, values of every JSON type, objects with and without
each property and with an unknown one). A claim "breaking for senders" must have a witness
valid under the old schema and invalid under the new; "compatible for senders" must have none
(receivers: the same with old and new swapped).
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from typing import Any

from jsonschema import Draft6Validator, FormatChecker

from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.diff_compare import Side
from ocppgen.codegen.schema import DRAFT6, Document, parse_document

Schema = dict[str, Any]
_CHECKER = FormatChecker()
_PER_NODE = 40  # candidates kept per schema node (the combinations grow fast otherwise)
_SCALARS: list[Any] = ["s", 1, 1.5, True, None, [], {}, "2024-01-01T00:00:00Z"]


def message(properties: Schema, required: list[str], closed: bool, **extra: Any) -> Schema:
    return {
        "$schema": DRAFT6,
        "type": "object",
        "additionalProperties": not closed,
        "properties": properties,
        "required": required,
        **extra,
    }


def side(label: str, schemas: dict[str, Schema]) -> Side:
    diags = Diagnostics()
    actions: dict[str, dict[str, Document]] = {}
    for stem, raw in schemas.items():
        doc = parse_document(f"{label}/{stem}.json", stem, raw, diags)
        assert doc is not None, diags.items
        kind = "response" if stem.endswith("Response") else "request"
        actions.setdefault(stem.removesuffix("Request").removesuffix("Response"), {})[kind] = doc
    assert not diags, diags.items
    return Side(label, actions)


def valid(schema: Schema, payload: Any) -> bool:
    result: bool = Draft6Validator(schema, format_checker=_CHECKER).is_valid(payload)
    return result


def _resolve(node: Schema | None, root: Schema) -> Schema | None:
    while node is not None and "$ref" in node:
        node = root["definitions"][node["$ref"].removeprefix("#/definitions/")]
    return node


def example(node: Schema | None, root: Schema) -> Any:
    """A value valid under `node` (for the schemas the tests generate)."""
    node = _resolve(node, root)
    if node is None or "type" not in node:
        return "x"
    kind = node["type"]
    if "enum" in node:
        return node["enum"][0]
    if kind == "string":
        if node.get("format") == "date-time":
            return "2024-01-01T00:00:00Z"
        return "a" * max(node.get("minLength", 0), 1 if node.get("maxLength", 1) else 0)
    if kind in ("integer", "number"):
        return _number_in(node)
    if kind == "boolean":
        return True
    if kind == "array":
        return [example(node["items"], root)] * node.get("minItems", 0)
    properties = node.get("properties", {})
    return {name: example(properties[name], root) for name in node.get("required", [])}


def _number_in(node: Schema) -> int | float:
    step = Fraction(str(node.get("multipleOf", 1)))
    value = Fraction(0)
    if "minimum" in node and value < node["minimum"]:
        value = -(-Fraction(str(node["minimum"])) // step) * step
    if "maximum" in node and value > node["maximum"]:
        value = (Fraction(str(node["maximum"])) // step) * step
    return int(value) if value.denominator == 1 else float(value)


def _scalars(nodes: list[Schema]) -> list[Any]:
    values: list[Any] = list(_SCALARS)
    for node in nodes:
        values += node.get("enum", [])
        values += [v.upper() for v in node.get("enum", [])]
        for key in ("minLength", "maxLength"):
            if key in node:
                values += ["a" * n for n in (node[key] - 1, node[key], node[key] + 1) if n >= 0]
        for key in ("minimum", "maximum"):
            if key in node:
                values += [node[key] + d for d in (-1, -0.5, 0, 0.5, 1)]
        if "multipleOf" in node:
            step = node["multipleOf"]
            values += [step, step / 2, step * 3 / 2, step * 2]
        values += [1, 2, 3, 0.5, 0.25, 0.75]
    return values


Focus = tuple[str, ...] | None


def candidates(
    old: Schema | None,
    new: Schema | None,
    old_root: Schema,
    new_root: Schema,
    focus: Focus = None,
) -> list[Any]:
    """Boundary payloads for the pair of nodes (either may be None: absent on that side).

    `focus`, a property path, limits the variations above it to that path (its end and below
    are varied in full); None varies every property, keeping `_PER_NODE` values of each."""
    o, n = _resolve(old, old_root), _resolve(new, new_root)
    nodes = [x for x in (o, n) if x is not None]
    found: list[Any] = [example(o, old_root), example(n, new_root)]
    found += _scalars(nodes)
    arrays = [x for x in nodes if x.get("type") == "array"]
    if arrays:
        found += _arrays(o, n, arrays, old_root, new_root, focus)
    if any(x.get("type") == "object" or "properties" in x for x in nodes):
        found += _objects(o, n, old_root, new_root, focus)
    return _unique(found)


def _arrays(
    o: Schema | None,
    n: Schema | None,
    arrays: list[Schema],
    old_root: Schema,
    new_root: Schema,
    focus: Focus,
) -> list[Any]:
    item_o = o.get("items") if o is not None and o.get("type") == "array" else None
    item_n = n.get("items") if n is not None and n.get("type") == "array" else None
    item = example(item_o, old_root) if item_o is not None else example(item_n, new_root)
    counts = {0, 1, 2}
    for node in arrays:
        for key in ("minItems", "maxItems"):
            if key in node:
                counts |= {node[key] - 1, node[key], node[key] + 1}
    found: list[Any] = [[item] * count for count in sorted(counts) if count >= 0]
    repeat = sorted({1, *(node.get("minItems", 1) for node in arrays)})
    for value in candidates(item_o, item_n, old_root, new_root, focus)[:_PER_NODE]:
        found += [[value] * count for count in repeat if count > 0]
    return found


def _objects(
    o: Schema | None, n: Schema | None, old_root: Schema, new_root: Schema, focus: Focus
) -> list[Any]:
    props_o = (o or {}).get("properties", {})
    props_n = (n or {}).get("properties", {})
    bases = [b for b in (example(o, old_root), example(n, new_root)) if isinstance(b, dict)]
    both = {
        **{k: example(v, old_root) for k, v in props_o.items()},
        **{k: example(v, new_root) for k, v in props_n.items()},
    }
    bases += [{**b, **both} for b in list(bases)]
    names = sorted(props_o.keys() | props_n.keys()) if not focus else [focus[0]]
    inner: Focus = focus[1:] if focus else None
    found: list[Any] = []
    for name in names:
        values = candidates(props_o.get(name), props_n.get(name), old_root, new_root, inner)
        if inner is None:
            values = values[:_PER_NODE]
        for base in bases:
            found.append({k: v for k, v in base.items() if k != name})
            found += [{**base, name: value} for value in values]
    found += [{**base, "zzUnknown": 1} for base in bases]
    return found


def _unique(values: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = json.dumps(value, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def witnesses(old: Schema, new: Schema, focus: Focus = None) -> tuple[list[Any], list[Any]]:
    """(payloads valid under old only, payloads valid under new only) among the candidates."""
    only_old, only_new = [], []
    check_old = Draft6Validator(old, format_checker=_CHECKER).is_valid
    check_new = Draft6Validator(new, format_checker=_CHECKER).is_valid
    for payload in candidates(old, new, old, new, focus):
        in_old, in_new = check_old(payload), check_new(payload)
        if in_old and not in_new:
            only_old.append(payload)
        elif in_new and not in_old:
            only_new.append(payload)
    return only_old, only_new


def mutated(schema: Schema) -> Schema:
    return copy.deepcopy(schema)


__all__ = ["candidates", "example", "message", "mutated", "side", "valid", "witnesses"]
