"""The generator's side of issue 14 item 5: every optional field gets the public `NoJsonNull`
marker (last, after its Field), and black is driven through its exported names only."""

from __future__ import annotations

import pytest

from ocppgen.codegen.ir import AnyType, Field, IntegerType, StringType
from ocppgen.codegen.render import annotation, format_source


def test_optional_fields_carry_the_marker_last() -> None:
    constrained = Field("certificate", "certificate", StringType(max_length=5500), False, "", None)
    expected = "Annotated[String | None, Field(max_length=5500), NoJsonNull] = None"
    assert annotation(constrained) == expected
    bare = Field("seqNo", "seq_no", IntegerType(), False, "", None)
    assert annotation(bare) == 'Annotated[Integer | None, Field(alias="seqNo"), NoJsonNull] = None'
    plain = Field("status", "status", StringType(), False, "", None)
    assert annotation(plain) == "Annotated[String | None, NoJsonNull] = None"


def test_required_and_untyped_fields_have_no_marker() -> None:
    assert annotation(Field("status", "status", StringType(), True, "", None)) == "String"
    assert annotation(Field("data", "data", AnyType(), False, "", None)) == "AnyJson = None"


def test_black_formats_and_reports_invalid_source() -> None:
    assert format_source("x = ( 1 )\n", "ok.py") == "x = 1\n"
    with pytest.raises(RuntimeError, match=r"generated bad\.py is not valid Python"):
        format_source("def (:\n", "bad.py")
