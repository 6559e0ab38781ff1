"""The IR -> `strategies.py`: a Hypothesis strategy for every datatype and message of a version.

Every constraint of the IR is built into the strategy directly (no `.filter()`): string lengths,
enum members, numeric bounds, `multipleOf`, array sizes, required and optional properties,
RFC 3339 date-times with a time zone, and CustomData's extra properties.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from ocppgen.codegen.ir import (
    AnyType,
    ArrayType,
    BooleanType,
    EnumRef,
    IntegerType,
    ModelRef,
    NumberType,
    Spec,
    StringType,
    TypeNode,
)
from ocppgen.codegen.templating import HEADER, environment

# A float multipleOf is checked by JSON Schema validators in binary floating point
# (jsonschema: `instance / 0.1` must be integral, so 0.3 fails while 3.0 passes). The strategy
# therefore draws integral multiples of the constraint's numerator (multipleOf 0.1 -> 1, 2, ...)
# from a range where every such value passes both the model and the official schema
# (tests/codegen/test_strategies.py checks the whole range).
MULTIPLE_OF_RANGE = 100_000


def strategy_variable(model_name: str) -> str:
    """The module-private variable holding a model's strategy: `_st_BootNotificationRequest`."""
    return f"_st_{model_name}"


def shape_variable(model_name: str) -> str:
    """The module-private variable holding a model's `Shape`: `_shape_BootNotificationRequest`."""
    return f"_shape_{model_name}"


# What every generated module imports from ocppgen.runtime.testing.strategies besides the
# helpers its expressions use (`date_times` and `json_values` it re-exports).
_ALWAYS_IMPORTED = frozenset(
    {"Shape", "date_times", "json_values", "model", "register", "shape_examples"}
)
_HELPER = re.compile(r"\b(strings|numbers|multiples|lists|uris|json_properties)\b")


def _helpers(expressions: list[str]) -> list[str]:
    """The names a module imports from the shared strategies, sorted."""
    used = {m.group(1) for text in expressions for m in _HELPER.finditer(text)}
    return sorted(_ALWAYS_IMPORTED | used)


def _kwargs(**values: object) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in values.items() if value is not None)


def _number(node: NumberType) -> str:
    if node.multiple_of is None:
        return f"numbers({_kwargs(min_value=node.minimum, max_value=node.maximum)})"
    fraction = Fraction(str(node.multiple_of))
    step = fraction.numerator
    low, high = -MULTIPLE_OF_RANGE, MULTIPLE_OF_RANGE
    if node.minimum is not None:
        low = max(low, math.ceil(node.minimum / step))
    if node.maximum is not None:
        high = min(high, math.floor(node.maximum / step))
    return f"multiples({step!r}, {low!r}, {high!r})"


def expression(node: TypeNode) -> str:
    """The strategy expression for one type node (Python source)."""
    if isinstance(node, StringType):
        if node.format == "date-time":
            return "date_times"
        if node.format == "uri" and node.min_length is None and node.max_length is None:
            return "uris"
        return f"strings({_kwargs(min_size=node.min_length, max_size=node.max_length)})"
    if isinstance(node, IntegerType):
        return f"st.integers({_kwargs(min_value=node.minimum, max_value=node.maximum)})"
    if isinstance(node, NumberType):
        return _number(node)
    if isinstance(node, BooleanType):
        return "st.booleans()"
    if isinstance(node, AnyType):
        return "json_properties"
    if isinstance(node, EnumRef):
        return f"st.sampled_from({node.name})"
    if isinstance(node, ModelRef):
        return strategy_variable(node.name)
    return f"lists({expression(node.item)}, {node.min_items or 0}, {node.max_items!r})"


def _enum_names(spec: Spec) -> list[str]:
    used: set[str] = set()

    def walk(node: TypeNode) -> None:
        if isinstance(node, EnumRef):
            used.add(node.name)
        elif isinstance(node, ArrayType):
            walk(node.item)

    for model in (*spec.datatypes, *spec.messages, *(spec.vendor.models if spec.vendor else ())):
        for field in model.fields:
            walk(field.type)
    return sorted(used)


def render_strategies(spec: Spec) -> dict[str, str]:
    """`<key>/strategies.py` (unformatted; render.py runs black over every file)."""

    key = spec.version.key
    folder = spec.version.folder
    vendor_models = spec.vendor.models if spec.vendor else ()
    vendor_enums = {e.name for e in spec.vendor.enums} if spec.vendor else set()
    models = [*spec.datatypes, *spec.messages, *vendor_models]
    fields = {m.name: [(f.name, expression(f.type)) for f in m.fields] for m in models}
    text = (
        environment()
        .get_template("strategies.py.jinja")
        .render(
            header=HEADER.format(key=key),
            version=spec.version,
            helpers=_helpers([e for pairs in fields.values() for _, e in pairs]),
            enum_names=[n for n in _enum_names(spec) if n not in vendor_enums],
            vendor_names=sorted(vendor_enums & set(_enum_names(spec)))
            + [m.name for m in vendor_models],
            datatypes=spec.datatypes,
            messages=spec.messages,
            models=models,
            variables={m.name: strategy_variable(m.name) for m in models},
            shapes={m.name: shape_variable(m.name) for m in models},
            fields=fields,
            required={
                m.name: "{" + ", ".join(repr(f.name) for f in m.fields if f.required) + "}"
                if any(f.required for f in m.fields)
                else ""
                for m in models
            },
        )
    )
    return {f"{folder}/strategies.py": text}
