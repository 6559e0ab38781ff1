"""Where the runtime leans on a library's behaviour, a test here fails when that behaviour changes
(issue 14 item 5): JSON null rejected through pydantic's public schema hook (`NoJsonNull`)."""

from __future__ import annotations

import importlib
import inspect
import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from pydantic import Field, ValidationError

from ocppgen.runtime.model import AnyJson, Integer, NoJsonNull, OcppModel, String

VERSIONS = ("v16", "v201", "v21")


def generated_models() -> Iterator[type[OcppModel]]:
    for key in VERSIONS:
        for module_name in ("datatypes", "messages"):
            module = importlib.import_module(f"ocppgen.generated.{key}.{module_name}")
            for value in vars(module).values():
                mine = inspect.isclass(value) and value.__module__ == module.__name__
                if mine and issubclass(value, OcppModel):
                    yield value


def _takes_none(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(annotation)


# -- NoJsonNull: optional fields reject JSON null, Python None means absent -------------------


class Meter(OcppModel):
    label: Annotated[String | None, Field(alias="labelText", max_length=3), NoJsonNull] = None
    count: Annotated[Integer | None, NoJsonNull] = None
    data: AnyJson = None


def _error_types(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Meter.from_json(text)
    return [error["type"] for error in caught.value.errors()]


def test_json_null_gets_the_type_error_of_the_field() -> None:
    assert _error_types('{"labelText": null}') == ["string_type"]
    assert _error_types('{"count": null}') == ["int_type"]


def test_absent_and_python_none_mean_absent() -> None:
    assert Meter.from_json("{}").label is None
    assert Meter(label=None, count=None).to_json() == "{}"
    assert Meter.from_json('{"labelText": "abc", "count": 2.0}').count == 2


def test_the_fields_own_constraints_still_apply_in_json_and_python() -> None:
    assert _error_types('{"labelText": "abcd"}') == ["string_too_long"]
    with pytest.raises(ValidationError):
        Meter(label="abcd")


def test_untyped_fields_keep_null_as_a_value() -> None:
    assert Meter.from_json('{"data": null}').data is None
    assert "data" in Meter.from_json('{"data": null}').model_fields_set


def test_misplaced_marker_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="NoJsonNull belongs on an optional"):

        class Wrong(OcppModel):
            label: Annotated[String, NoJsonNull]


def test_every_optional_generated_field_carries_the_marker() -> None:
    """The generator's side of the contract: without the marker a field would take null."""
    checked = 0
    for model in generated_models():
        for name, field in model.model_fields.items():
            if _takes_none(field.annotation):
                assert field.metadata and field.metadata[-1] is NoJsonNull, (model, name)
                checked += 1
            else:
                assert NoJsonNull not in field.metadata, (model, name)
    assert checked > 1300  # 1.6, 2.0.1 and 2.1 together: 1342
