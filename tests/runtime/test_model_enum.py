"""OcppEnum: a StrEnum with a C-level `value`, for generated enumerations; behaves as StrEnum."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pytest
from pydantic import Field, ValidationError
from pydantic_core import PydanticSerializationError

from ocppgen.runtime.model import OcppEnum, OcppModel


class Phase(OcppEnum):
    L1 = "L1"
    L1_N = "L1-N"


class Plain(StrEnum):
    L1 = "L1"


class Sample(OcppModel):
    phase: Phase
    phases: Annotated[list[Phase] | None, Field(alias="phaseList")] = None


def test_members_values_and_lookup_as_for_str_enum() -> None:
    assert [m.value for m in Phase] == ["L1", "L1-N"]
    assert Phase("L1-N") is Phase.L1_N and Phase.L1_N.name == "L1_N"
    assert Phase.L1 == "L1" and str(Phase.L1_N) == "L1-N" and isinstance(Phase.L1, str)
    assert Phase.L1.value == Plain.L1.value and type(Phase.L1.value) is str
    with pytest.raises(ValueError):
        Phase("L2")


def test_validated_and_serialized_as_before() -> None:
    sample = Sample.from_json('{"phase":"L1-N","phaseList":["L1"]}')
    assert sample.phase is Phase.L1_N and sample.phases == [Phase.L1]
    assert sample.to_json() == '{"phase":"L1-N","phaseList":["L1"]}'
    assert sample.to_json_dict() == {"phase": "L1-N", "phaseList": ["L1"]}
    with pytest.raises(ValidationError):
        Sample.from_json('{"phase":"L2"}')
    # A wrong value put into a list in place still fails strict serialization.
    assert sample.phases is not None
    sample.phases.append(Plain.L1)  # type: ignore[arg-type]
    with pytest.raises(PydanticSerializationError):
        sample.model_dump_json(by_alias=True, exclude_none=True, warnings="error")
