"""The strategy generator: expressions from IR constraints, and the multipleOf range claim."""

from __future__ import annotations

import jsonschema
import pytest

from ocppgen.codegen.ir import (
    ArrayType,
    EnumRef,
    IntegerType,
    ModelRef,
    NumberType,
    StringType,
)
from ocppgen.codegen.render_strategies import MULTIPLE_OF_RANGE, expression


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (StringType(max_length=20), "strings(max_size=20)"),
        (StringType(min_length=1, max_length=5), "strings(min_size=1, max_size=5)"),
        (StringType(format="date-time"), "date_times"),
        (IntegerType(minimum=0, maximum=100), "st.integers(min_value=0, max_value=100)"),
        (NumberType(maximum=0), "numbers(max_value=0)"),
        (NumberType(multiple_of=0.1), f"multiples(1, {-MULTIPLE_OF_RANGE}, {MULTIPLE_OF_RANGE})"),
        (NumberType(minimum=0, multiple_of=0.5), f"multiples(1, 0, {MULTIPLE_OF_RANGE})"),
        (NumberType(multiple_of=2, maximum=9), f"multiples(2, {-MULTIPLE_OF_RANGE}, 4)"),
        (EnumRef("ResetEnumType"), "st.sampled_from(ResetEnumType)"),
        (ModelRef("CustomDataType"), "_st_CustomDataType"),
        (
            ArrayType(ModelRef("X"), min_items=1, max_items=4),
            "lists(_st_X, 1, 4)",
        ),
        (ArrayType(StringType(max_length=3)), "lists(strings(max_size=3), 0, None)"),
    ],
)
def test_expression_builds_the_constraint_in(node: object, expected: str) -> None:
    assert expression(node) == expected  # type: ignore[arg-type]


def test_float_multiple_of_range_is_valid_for_schema_and_model() -> None:
    """OCPP 1.6's only float multipleOf is 0.1: every value the strategy can draw
    (n * 1.0 for |n| <= MULTIPLE_OF_RANGE) passes jsonschema's float check and the model."""
    from ocppgen.generated.v16 import ChargingSchedulePeriod

    validator = jsonschema.Draft4Validator({"type": "number", "multipleOf": 0.1})
    bad = [
        n
        for n in range(-MULTIPLE_OF_RANGE, MULTIPLE_OF_RANGE + 1)
        if not validator.is_valid(float(n))
    ]
    assert bad == []
    for n in (-MULTIPLE_OF_RANGE, -1, 0, 7, MULTIPLE_OF_RANGE):
        ChargingSchedulePeriod.from_json_dict({"startPeriod": 0, "limit": float(n)})
    # and the reason for the restriction: a multiple of 0.1 in decimal is not one for jsonschema
    assert not validator.is_valid(0.3)
