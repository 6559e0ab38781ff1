"""The integer check walks only the fields that can hold an integer (`integers.integer_plan`):
on generated requests of every action a CSMS receives, it finds exactly what a walk of every
field finds, and `any_out_of_range` agrees with it."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ocppgen.generated.v201.strategies  # noqa: F401  (registers st.from_type)
from ocppgen.generated import v201
from ocppgen.reference.csms.integers import (
    INT32_RANGE,
    any_out_of_range,
    integer_plan,
    out_of_range_integers,
)
from ocppgen.runtime.actions import Role
from ocppgen.runtime.model import Integer, OcppModel

_MARK = typing.get_args(Integer)[1]


def _typed_integer(annotation: Any) -> bool:
    if _MARK in getattr(annotation, "__metadata__", ()):
        return True
    return any(_typed_integer(arg) for arg in typing.get_args(annotation))


def _every_field(model: OcppModel, path: str = "") -> Iterator[tuple[str, int]]:
    """The reference: visit every field of every nested model."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        where = f"{path}{info.alias or name}"
        items = value if isinstance(value, list) else [value]
        integer = _MARK in info.metadata or _typed_integer(info.annotation)
        for index, item in enumerate(items):
            at = f"{where}[{index}]" if isinstance(value, list) else where
            if integer and isinstance(item, int) and item not in INT32_RANGE:
                yield at, item
            elif isinstance(item, OcppModel):
                yield from _every_field(item, f"{at}.")


_RECEIVED = sorted(
    (spec.action, spec.request)
    for spec in v201.VERSION.actions.values()
    if spec.received_by(Role.CSMS)
)


@pytest.mark.parametrize(("action", "request_class"), _RECEIVED)
def test_the_plan_finds_what_a_walk_of_every_field_finds(
    action: str, request_class: type[OcppModel]
) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.from_type(request_class))
    def same(request: OcppModel) -> None:
        found = list(out_of_range_integers(request))
        assert found == list(_every_field(request))
        assert any_out_of_range(request) == bool(found)

    same()


def test_the_plan_of_a_transaction_event_skips_fields_without_integers() -> None:
    assert integer_plan(v201.SampledValueType) == (("unit_of_measure", "unitOfMeasure", False),)
    assert integer_plan(v201.IdTokenType) == ()
    event = v201.TransactionEventRequest.from_json_dict(
        {
            "eventType": "Updated",
            "timestamp": "2025-01-01T12:00:00Z",
            "triggerReason": "MeterValuePeriodic",
            "seqNo": 1,
            "transactionInfo": {"transactionId": "T"},
            "meterValue": [
                {
                    "timestamp": "2025-01-01T12:00:00Z",
                    "sampledValue": [{"value": 1, "unitOfMeasure": {"multiplier": 2**40}}],
                }
            ],
        }
    )
    assert list(out_of_range_integers(event)) == [
        ("meterValue[0].sampledValue[0].unitOfMeasure.multiplier", 2**40)
    ]
    assert any_out_of_range(event)
