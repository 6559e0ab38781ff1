"""Every message class of every version against its official schema, with built payloads.

- the minimal payload (required properties only) is accepted by both and round-trips;
- dropping any required property, or adding an unknown one, is rejected by both;
- the maximal payload (every property) is accepted by both and round-trips;
- per property of the maximal payload (each distinct datatype property once per version):
  null, values of the wrong JSON type, strings at and over maxLength, integers as x.0, enum
  values in the wrong case, arrays empty, over maxItems and with null items — both sides
  agree, and agree with what JSON Schema says.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.strictness.builder import (
    Slot,
    dropped,
    get,
    maximal,
    minimal,
    objects,
    replaced,
    slots,
)
from tests.strictness.harness import (
    SPEC,
    Message,
    Verdict,
    draft_of,
    iter_messages,
    load_schema,
    model_verdict,
    schema_verdict,
)

MESSAGES = list(iter_messages())
UNKNOWN = "zzUnknownProperty"


def _schema(msg: Message) -> dict[str, Any]:
    return load_schema(msg.version, msg.schema_file)


def _text(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _mutations() -> list[tuple[str, Message, str]]:
    cases: list[tuple[str, Message, str]] = []
    for msg in MESSAGES:
        payload = minimal(_schema(msg))
        for name in payload:
            cases.append((f"{msg.id}-drop-{name}", msg, _text(dropped(payload, (name,)))))
        cases.append((f"{msg.id}-unknown-property", msg, _text({**payload, UNKNOWN: 1})))
    return cases


MUTATIONS = _mutations()


def test_every_schema_file_has_a_class() -> None:
    for version in ("v16", "v201", "v21"):
        schema_files = {path.name for path in (SPEC / version / "schemas").glob("*.json")}
        classes = {msg.schema_file for msg in MESSAGES if msg.version == version}
        assert classes == schema_files


@pytest.mark.parametrize("msg", MESSAGES, ids=[f"{m.id}-minimal" for m in MESSAGES])
def test_minimal_payload(msg: Message) -> None:
    text = _text(minimal(_schema(msg)))
    assert schema_verdict(msg, text) == ("accept", "")
    assert model_verdict(msg, text) == ("accept", "")
    assert msg.cls.from_json(text).to_json_dict() == json.loads(text)


@pytest.mark.parametrize("msg", MESSAGES, ids=[f"{m.id}-maximal" for m in MESSAGES])
def test_maximal_payload(msg: Message) -> None:
    text = _text(maximal(_schema(msg)))
    assert schema_verdict(msg, text) == ("accept", "")
    assert model_verdict(msg, text) == ("accept", "")
    assert msg.cls.from_json(text).to_json_dict() == json.loads(text)


@pytest.mark.parametrize(("msg", "text"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_mutation_rejected(msg: Message, text: str) -> None:
    schema, schema_error = schema_verdict(msg, text)
    model, model_error = model_verdict(msg, text)
    assert (schema, model) == ("reject", "reject"), f"{schema_error}\n{model_error}"


# --- per-property sweep over maximal payloads ----------------------------------------------


def _raw(payload: Any, path: tuple[str | int, ...], raw: str) -> str:
    """The payload as text with raw JSON text (e.g. 5.0, which json.dumps writes as 5.0 but a
    Python int cannot express) at path."""
    marker = "\u0000MARK\u0000"
    return _text(replaced(payload, path, marker)).replace(json.dumps(marker), raw)


def _probes(msg: Message, payload: Any, slot: Slot) -> list[tuple[str, str, Verdict]]:
    """(label, JSON text, the verdict JSON Schema gives) for one property."""
    node = slot.schema
    kind = node.get("type")
    path = slot.path
    probes: list[tuple[str, str, Verdict]] = []

    def put(label: str, value: Any, verdict: Verdict) -> None:
        probes.append((label, _text(replaced(payload, path, value)), verdict))

    put("null", None, "accept" if kind is None else "reject")
    if kind is None:
        return probes
    # values of another JSON type
    for json_type, value in (("object", {}), ("array", []), ("boolean", True), ("string", "5")):
        if json_type != kind:
            put(json_type, value, "reject")
    if kind == "string":
        put("number", 5, "reject")
        if "enum" in node:
            first: str = node["enum"][0]
            put(
                "enum-swapcase",
                first.swapcase(),
                "reject" if first.swapcase() not in node["enum"] else "accept",
            )
            put("enum-empty", "", "reject")
        elif node.get("format") == "date-time":
            put("date-time-no-zone", "2024-05-01T12:00:00", "reject")
            put("date-time-offset", "2024-05-01T12:00:00.123456789+05:30", "accept")
            put("date-time-number", 1714564800, "reject")
        elif "maxLength" in node:
            limit = node["maxLength"]
            put("at-maxLength", "é" * (limit - 1) + "😀", "accept")
            put("over-maxLength", "é" * limit + "😀", "reject")
    elif kind == "integer":
        low = node.get("minimum")
        high = node.get("maximum")
        base = int(low if low is not None else 0)
        draft04 = draft_of(msg.version, msg.schema_file) == "draft-04"
        probes.append(("x.0", _raw(payload, path, f"{base}.0"), "reject" if draft04 else "accept"))
        probes.append(("x.5", _raw(payload, path, f"{base}.5"), "reject"))
        probes.append(
            ("2^70", _raw(payload, path, str(2**70)), "accept" if high is None else "reject")
        )
        if low is not None:
            probes.append(("below-minimum", _raw(payload, path, str(int(low) - 1)), "reject"))
        if high is not None:
            probes.append(("at-maximum", _raw(payload, path, str(int(high))), "accept"))
            probes.append(("above-maximum", _raw(payload, path, str(int(high) + 1)), "reject"))
    elif kind == "number":
        low = node.get("minimum")
        high = node.get("maximum")
        probes.append(("integer", _raw(payload, path, str(int(low or 0))), "accept"))
        probes.append(("NaN", _raw(payload, path, "NaN"), "reject"))
        if low is not None:
            probes.append(("below-minimum", _raw(payload, path, f"{low - 0.5}"), "reject"))
        if high is not None:
            probes.append(("at-maximum", _raw(payload, path, f"{high}"), "accept"))
            probes.append(("above-maximum", _raw(payload, path, f"{high + 0.5}"), "reject"))
    elif kind == "boolean":
        put("zero", 0, "reject")
        put("one", 1, "reject")
        put("string-true", "true", "reject")
    elif kind == "array":
        items = get(payload, path)
        put("empty", [], "reject" if node.get("minItems", 0) > 0 else "accept")
        put("null-item", [None], "reject")
        if "maxItems" in node:
            put("at-maxItems", items[:1] * node["maxItems"], "accept")
            put("over-maxItems", items[:1] * (node["maxItems"] + 1), "reject")
    return probes


def _sweep_plan() -> list[tuple[Message, list[tuple[str, str, Verdict]]]]:
    """Probes per message; each distinct (parent schema, property) once per version."""
    seen: set[tuple[str, str, str]] = set()
    plan: list[tuple[Message, list[tuple[str, str, Verdict]]]] = []
    for msg in MESSAGES:
        schema = _schema(msg)
        payload = maximal(schema)
        probes: list[tuple[str, str, Verdict]] = []
        for obj in objects(schema, payload):
            key = (msg.version, json.dumps(obj.schema, sort_keys=True), "")
            if key not in seen:
                seen.add(key)
                extra = (
                    replaced(payload, (*obj.path, UNKNOWN), 1)
                    if obj.path
                    else {**payload, UNKNOWN: 1}
                )
                probes.append(
                    (f"{obj.name}+unknown", _text(extra), "accept" if obj.open else "reject")
                )
                for name in obj.schema.get("required", []):
                    probes.append(
                        (
                            f"{obj.name}-drop-{name}",
                            _text(dropped(payload, (*obj.path, name))),
                            "reject",
                        )
                    )
        parents = {obj.path: obj.schema for obj in objects(schema, payload)}
        for slot in slots(schema, payload):
            parent_schema = parents[slot.path[:-1]]
            key = (msg.version, json.dumps(parent_schema, sort_keys=True), str(slot.path[-1]))
            if key in seen:
                continue
            seen.add(key)
            probes.extend(
                (f"{slot.name}:{label}", text, verdict)
                for label, text, verdict in _probes(msg, payload, slot)
            )
        if probes:
            plan.append((msg, probes))
    return plan


PLAN = _sweep_plan()


@pytest.mark.parametrize(("msg", "probes"), PLAN, ids=[f"{m.id}-properties" for m, _ in PLAN])
def test_property_probes(msg: Message, probes: list[tuple[str, str, Verdict]]) -> None:
    problems: list[str] = []
    for label, text, expected in probes:
        schema, schema_error = schema_verdict(msg, text)
        model, model_error = model_verdict(msg, text)
        if (schema, model) != (expected, expected):
            first_line = model_error.splitlines()[1:3]
            problems.append(
                f"{label}: expected {expected}, schema {schema} {schema_error}, model {model} "
                f"{' '.join(line.strip() for line in first_line)}"
            )
    assert problems == [], f"{len(problems)} of {len(probes)} probes:\n" + "\n".join(problems)


def test_probe_count() -> None:
    """The sweep really probes thousands of properties (guards against a builder regression)."""
    assert sum(len(probes) for _, probes in PLAN) > 3000
