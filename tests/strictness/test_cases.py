"""Differential cases: the official schema and the generated model give the same verdict."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from tests.strictness.cases import (
    CASES,
    NULL_READS_AS_ABSENT,
    PINNED_ELSEWHERE,
    README_DIVERGENCES,
    ROUND_TRIPS,
    Case,
    Divergence,
)
from tests.strictness.harness import (
    load_schema,
    message,
    model_verdict,
    schema_verdict,
    strict_json,
)


def test_case_ids_are_unique() -> None:
    repeated = [cid for cid, count in Counter(case.id for case in CASES).items() if count > 1]
    assert repeated == []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(case: Case) -> None:
    msg = message(case.version, case.message)
    model, model_error = model_verdict(msg, case.json)
    schema, schema_error = schema_verdict(msg, case.json)
    detail = f"model: {model} {model_error}\nschema: {schema} {schema_error}"
    if isinstance(case.expected, Divergence):
        assert (model, schema) == (case.expected.model, case.expected.schema), detail
        return
    assert model == schema, f"model and schema disagree\n{detail}"
    assert model == case.expected, f"both sides changed\n{detail}"
    if model == "accept":
        # The wire form of what was accepted is itself valid on both sides.
        wire = msg.cls.from_json(case.json).to_json()
        assert schema_verdict(msg, wire)[0] == "accept", wire
        assert model_verdict(msg, wire)[0] == "accept", wire


README = Path(__file__).resolve().parents[2] / "README.md"
_ITEM = re.compile(r"^(\d+)\. ", re.M)
_TITLE = re.compile(r"\*\*(.+?)\*\*", re.S)


def readme_divergences() -> list[tuple[int, str]]:
    """(number, bold title) of each item of README.md's "### Deliberate divergences" list."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n### Deliberate divergences\n")
    end = text.index("\n#", start + 1)
    section = text[start:end]
    items = []
    starts = [match.start() for match in _ITEM.finditer(section)]
    for begin, finish in zip(starts, [*starts[1:], len(section)], strict=True):
        item = section[begin:finish]
        title = _TITLE.search(item)
        assert title is not None, f"a divergence item without a bold title: {item[:60]!r}"
        number = int(item.split(".", 1)[0])
        items.append((number, " ".join(title[1].split())))
    return items


def test_divergences_match_the_readme() -> None:
    """README.md's numbered list of deliberate divergences is exactly `README_DIVERGENCES`, and
    every Divergence case belongs to an item of it (each item pinned by cases or its own test)."""
    items = readme_divergences()
    assert [number for number, _ in items] == list(range(1, len(items) + 1))
    assert [title for _, title in items] == [title for title, _ in README_DIVERGENCES]
    listed = {reason for _, reason in README_DIVERGENCES}
    cased = {case.expected.reason for case in CASES if isinstance(case.expected, Divergence)}
    assert cased <= listed, "a Divergence case whose reason the README does not list"
    assert listed - cased == set(PINNED_ELSEWHERE), "a README item that nothing pins"
    assert all(name in globals() for name in PINNED_ELSEWHERE.values())


def test_validator_side_decodes_strict_json() -> None:
    """Why the harness decodes JSON strictly: Python's json reads NaN, and jsonschema then
    accepts it as a number. NaN is not JSON (RFC 8259), so both sides must reject it."""
    msg = message("v201", "CostUpdatedRequest")
    text = '{"totalCost": NaN, "transactionId": "tx-1"}'
    lenient = json.loads(text)
    assert jsonschema.Draft6Validator(load_schema("v201", msg.schema_file)).is_valid(lenient)
    assert schema_verdict(msg, text)[0] == "reject"
    assert model_verdict(msg, text)[0] == "reject"


def test_uri_format_is_not_checked() -> None:
    """1.6 uses `format: uri` (GetDiagnostics, UpdateFirmware location); jsonschema checks it
    only if rfc3987 is installed, and the model never does. If this fails, the environment
    gained a uri checker and the uri cases need a decision."""
    assert "uri" not in jsonschema.Draft4Validator.FORMAT_CHECKER.checkers


@pytest.mark.parametrize(
    ("version", "name", "text"),
    [case[1:] for case in ROUND_TRIPS],
    ids=[case[0] for case in ROUND_TRIPS],
)
def test_round_trip(version: str, name: str, text: str) -> None:
    msg = message(version, name)
    assert schema_verdict(msg, text)[0] == "accept"
    assert msg.cls.from_json(text).to_json_dict() == strict_json(text)


@pytest.mark.parametrize(
    ("version", "name", "text", "lost"),
    [case[1:] for case in NULL_READS_AS_ABSENT],
    ids=[case[0] for case in NULL_READS_AS_ABSENT],
)
def test_divergence_null_in_untyped_value_reads_as_absent(
    version: str, name: str, text: str, lost: str
) -> None:
    msg = message(version, name)
    assert schema_verdict(msg, text)[0] == "accept"
    out = msg.cls.from_json(text).to_json_dict()
    expected = strict_json(text)
    *parents, key = lost.split(".")
    inner = expected
    for parent in parents:
        inner = inner[parent]
    assert inner.pop(key) is None
    assert out == expected
