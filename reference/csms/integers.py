"""OCPP's 32-bit `integer` (OCPP 2.0.1 Part 2, Primitive Datatypes): find the integer-typed
fields of a request whose value is outside it, so the CSMS can refuse them before storing
(see `handlers`).

The walk visits only the fields that can hold an integer: integer-typed ones and those whose
type holds (at any depth) a model that has one. Each model class's list of such fields is
worked out once from its annotations; a TransactionEvent with 5 sampled values then checks
its seqNo, evse ids and unit multipliers instead of every one of its ~60 values (about 8x less
CPU than walking every field, which cost more than the event's validation).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterator
from typing import Any, Final

from ocppgen.runtime.model import Integer, OcppModel

__all__ = ["INT32_RANGE", "any_out_of_range", "integer_plan", "out_of_range_integers"]

INT32_RANGE: Final = range(-(2**31), 2**31)
"""OCPP's `integer`: 32 bit (31 bit resolution, 1 sign bit), OCPP 2.0.1 Part 2, Primitive
Datatypes."""

_INTEGER_MARK: Final = typing.get_args(Integer)[1]  # what marks a field typed OCPP integer

Plan = tuple[tuple[str, str, bool], ...]
"""Per field that can hold an integer: (attribute, wire name, whether integer-typed)."""


def _mentions_integer(annotation: Any) -> bool:
    """Whether a field's annotation is Integer, optional or in a list (`list[Integer] | None`)."""
    if _INTEGER_MARK in getattr(annotation, "__metadata__", ()):
        return True
    return any(_mentions_integer(arg) for arg in typing.get_args(annotation))


def _models_in(annotation: Any) -> Iterator[type[OcppModel]]:
    """The model classes an annotation names (`list[X] | None` names X)."""
    if isinstance(annotation, type) and issubclass(annotation, OcppModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _can_hold_integers(model: type[OcppModel], outer: frozenset[type[OcppModel]]) -> bool:
    """Whether `model` or a model inside it has an integer field (a cycle counts as yes)."""
    if model in outer:
        return True
    return bool(_plan(model, outer | {model}))


def _plan(model: type[OcppModel], outer: frozenset[type[OcppModel]]) -> Plan:
    plan = []
    for name, info in model.model_fields.items():
        integer = _INTEGER_MARK in info.metadata or _mentions_integer(info.annotation)
        nested = any(_can_hold_integers(m, outer) for m in _models_in(info.annotation))
        if integer or nested:
            plan.append((name, info.alias or name, integer))
    return tuple(plan)


@functools.cache
def integer_plan(model: type[OcppModel]) -> Plan:
    """The fields of `model` the integer check visits (see the module docstring)."""
    return _plan(model, frozenset({model}))


def out_of_range_integers(model: OcppModel, path: str = "") -> Iterator[tuple[str, int]]:
    """(wire path, value) of each integer-typed field of `model`, nested objects and lists
    included, whose value is outside INT32_RANGE. Untyped values (customData's extras,
    DataTransfer `data`) are not checked."""
    for name, alias, integer in integer_plan(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        many = isinstance(value, list)
        for index, item in enumerate(value if many else (value,)):
            if integer and isinstance(item, int) and item not in INT32_RANGE:
                yield (f"{path}{alias}[{index}]" if many else f"{path}{alias}"), item
            elif isinstance(item, OcppModel):
                at = f"{path}{alias}[{index}]." if many else f"{path}{alias}."
                yield from out_of_range_integers(item, at)


def any_out_of_range(model: OcppModel) -> bool:
    """Whether `out_of_range_integers(model)` finds anything: the same walk without building
    paths or generators (one per nested object), which made the check as costly as the
    validation of the request itself."""
    for name, _alias, integer in integer_plan(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else (value,):
            if integer and isinstance(item, int):
                if item not in INT32_RANGE:
                    return True
            elif isinstance(item, OcppModel) and any_out_of_range(item):
                return True
    return False
