"""An independent reading of the same schemas: datamodel-code-generator's models must have the same
properties (wire names) and the same required flags as ours, class by class."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from datamodel_code_generator import generate
from datamodel_code_generator.enums import DataModelType, InputFileType
from datamodel_code_generator.format import Formatter
from pydantic import BaseModel

from ocppgen.codegen.pipeline import DEFAULT_SPEC_DIR
from ocppgen.generated import v16, v21, v201

VERSIONS = {"v16": v16, "v201": v201, "v21": v21}


def combined_schema(key: str) -> dict[str, Any]:
    """All messages of a version as definitions of one schema (shared definitions merged)."""
    definitions: dict[str, Any] = {}
    for path in sorted((DEFAULT_SPEC_DIR / key / "schemas").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        for name, body in document.get("definitions", {}).items():
            definitions.setdefault(name, body)
        stem = path.stem
        if key == "v16" and not stem.endswith("Response"):
            stem += "Request"
        root = {k: v for k, v in document.items() if k not in ("$schema", "$id", "definitions")}
        definitions[f"Msg{stem}"] = root
    return {"$schema": "http://json-schema.org/draft-06/schema#", "definitions": definitions}


def their_models(key: str, tmp: Path) -> ModuleType:
    source = tmp / f"dmcg_{key}.json"
    source.write_text(json.dumps(combined_schema(key)), encoding="utf-8")
    output = tmp / f"dmcg_{key}.py"
    generate(
        source,
        input_file_type=InputFileType.JsonSchema,
        output=output,
        output_model_type=DataModelType.PydanticV2BaseModel,
        disable_timestamp=True,
        formatters=[Formatter.BUILTIN],
    )
    spec = importlib.util.spec_from_file_location(f"dmcg_{key}", output)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def shape(model: type[BaseModel]) -> dict[str, bool]:
    return {(f.alias or n): f.is_required() for n, f in model.model_fields.items()}


@pytest.mark.parametrize("key", ["v16", "v201", "v21"])
def test_fields_and_required_flags_agree(key: str, tmp_path: Path) -> None:
    theirs = their_models(key, tmp_path)
    ours = VERSIONS[key]
    compared = 0
    for action in ours.ACTIONS.values():
        for cls in (action.request, action.response):
            if cls is None:
                continue
            stem = cls.__name__ if action.response is not None or key != "v21" else action.action
            other = getattr(theirs, f"Msg{stem}", None)
            assert other is not None, f"datamodel-code-generator made no class for {stem}"
            assert shape(cls) == shape(other), cls.__name__
            compared += 1
    if key != "v16":  # 1.6 has no named definitions; its inline types are named differently
        for name in ours.datatypes.__all__:
            assert shape(getattr(ours, name)) == shape(getattr(theirs, name)), name
            compared += 1
    assert compared >= len(ours.ACTIONS) * 2 - 1
