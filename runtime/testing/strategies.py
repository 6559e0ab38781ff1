"""The Hypothesis building blocks every version's generated `strategies.py` uses.

A generated module holds only facts (one `Shape` per datatype and message: a strategy per field,
the required ones, whether extra properties are allowed); the strategies for JSON values,
strings, numbers, lists and RFC 3339 date-times, and the assembly of models from their shapes,
are the same for every version and live here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from hypothesis import strategies as st
from pydantic import JsonValue

from ocppgen.runtime.model import OcppModel

__all__ = [
    "EXTRA_ITEMS",
    "Shape",
    "date_times",
    "json_properties",
    "json_values",
    "lists",
    "model",
    "multiples",
    "numbers",
    "register",
    "shape_examples",
    "strings",
    "uris",
]

M = TypeVar("M", bound=OcppModel)
T = TypeVar("T")

# JSON strings hold any Unicode scalar value; lone surrogates cannot be encoded as UTF-8.
_CHARACTERS = st.characters(codec="utf-8")


def strings(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """JSON strings of `min_size` to `max_size` characters."""
    return st.text(_CHARACTERS, min_size=min_size, max_size=max_size)


def numbers(
    min_value: float | None = None, max_value: float | None = None
) -> st.SearchStrategy[float]:
    """JSON numbers within the bounds (NaN and Infinity are not JSON)."""
    return st.floats(
        min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False
    )


def multiples(step: int, low: int, high: int) -> st.SearchStrategy[float]:
    """Multiples of `step` (the numerator of a multipleOf; see the generator's comment at
    `codegen/render_strategies.py: MULTIPLE_OF_RANGE`), from `low * step` to `high * step`."""
    return st.integers(min_value=low, max_value=high).map(lambda n: float(n * step))


# Lists hold at most this many items beyond their minItems (and never more than maxItems):
# OCPP payloads nest lists of objects holding lists (a 2.1 ChargingProfile is five deep), and
# Hypothesis' usual list sizes make such examples thousands of objects large. The mutation
# tests check maxItems itself with maxItems + 1 items.
EXTRA_ITEMS = 2


def lists(
    item: st.SearchStrategy[T], min_size: int, max_size: int | None
) -> st.SearchStrategy[list[T]]:
    """Lists of `min_size` to `max_size` items, at most `EXTRA_ITEMS` beyond `min_size`."""
    cap = min_size + EXTRA_ITEMS
    return st.lists(
        item, min_size=min_size, max_size=cap if max_size is None else min(max_size, cap)
    )


# RFC 3339 date-times always carry a time zone, an offset in whole minutes below 24 hours.
# Dates keep one day off the ends of the calendar so that every offset stays representable.
_OFFSETS = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
date_times: st.SearchStrategy[datetime] = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_OFFSETS
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))
"""Aware datetimes whose JSON form is a valid RFC 3339 `date-time` for pydantic and jsonschema,
in whole milliseconds: OCPP allows 3 fractional digits, so the runtime writes no more and a
drawn value survives the JSON round trip exactly."""

uris: st.SearchStrategy[str] = st.builds(
    "{}://{}/{}".format,
    st.sampled_from(["ftp", "http", "https"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,15}(\.[a-z]{2,6}){0,2}", fullmatch=True),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~/", max_size=20),
)
"""Absolute URIs (format `uri` without length limits)."""

_JSON_SCALARS: st.SearchStrategy[JsonValue] = (
    st.none() | st.booleans() | st.integers() | numbers() | strings(max_size=20)
)
json_values: st.SearchStrategy[JsonValue] = st.recursive(
    _JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(strings(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
"""Any JSON value, null included."""

json_properties: st.SearchStrategy[JsonValue] = (
    st.booleans()
    | st.integers()
    | numbers()
    | strings(max_size=20)
    | st.lists(json_values, max_size=3)
    | st.dictionaries(strings(max_size=10), json_values, max_size=3)
)
"""Values of a property of any JSON type: never null itself, since in Python None means
"absent" (null inside an array or object is drawn)."""

# Extra properties of an open model (CustomData): names that no declared field or alias can
# take, values that are not null at the top (the model drops extra nulls from its JSON form).
_EXTRA_NAMES = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=8
).map(lambda name: "x" + name)


@dataclass(frozen=True)
class Shape:
    """What a generated class is drawn from: a strategy per field (keyed by attribute name),
    the required fields, and whether extra properties are allowed (CustomData)."""

    fields: Mapping[str, st.SearchStrategy[Any]]
    required: frozenset[str] = frozenset()
    open: bool = False


def model(cls: type[M], shape: Shape) -> st.SearchStrategy[M]:
    """Instances of `cls`: every required field, any subset of the others (absent ones are left
    out, not set to None), and for an open shape up to two extra properties."""
    values = st.fixed_dictionaries(
        {name: s for name, s in shape.fields.items() if name in shape.required},
        optional={name: s for name, s in shape.fields.items() if name not in shape.required},
    )
    if not shape.open:
        return values.map(lambda fields: cls(**fields))
    extra = st.dictionaries(_EXTRA_NAMES, json_properties, max_size=2)
    return st.tuples(values, extra).map(lambda parts: cls(**parts[0], **parts[1]))


def shape_examples(
    cls: type[M],
    shape: Shape,
    attributes: Iterable[str],
    strategies: Mapping[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[M]:
    """Instances of `cls` where the optional fields named in `attributes` are always present and
    fields given a strategy take their values from it (ValueError for an unknown field)."""
    present = frozenset(attributes) | frozenset(strategies)
    unknown = present - shape.fields.keys()
    if unknown:
        raise ValueError(f"{cls.__name__} has no fields {sorted(unknown)}")
    required = shape.required | present
    return model(cls, Shape({**shape.fields, **strategies}, required, shape.open))


def register(strategies: Mapping[type[OcppModel], st.SearchStrategy[OcppModel]]) -> None:
    """Make `st.from_type(cls)` draw from each class's strategy."""
    for cls, strategy in strategies.items():
        st.register_type_strategy(cls, strategy)
