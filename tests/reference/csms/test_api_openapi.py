"""The operator API's OpenAPI document against the routes and models it comes from: every route
documented and every documented route served, the document structurally valid OpenAPI 3.1 with
every reference resolving, examples valid, and the document's schemas agreeing with what the
API validates (issue 14, item 2)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
import referencing
import referencing.jsonschema
from aiohttp import web
from pydantic import BaseModel, ValidationError

from ocppgen.reference.csms import api_models
from ocppgen.reference.csms.api import OPENAPI, make_api
from ocppgen.reference.csms.store import Store

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
DOCUMENT = "urn:ocppgen:operator-api"
REGISTRY = referencing.Registry().with_resource(
    DOCUMENT,
    referencing.Resource.from_contents(OPENAPI, referencing.jsonschema.DRAFT202012),
)


def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    ref = {"$ref": f"{DOCUMENT}#/components/schemas/{schema_name}"}
    return jsonschema.Draft202012Validator(ref, registry=REGISTRY)


def _served(tmp_path: Path) -> set[tuple[str, str]]:
    store = Store.open(str(tmp_path / "csms.sqlite3"))
    try:
        app = make_api(store, dict, user="operator", password="operator-secret")
    finally:
        store.close()
    found = set()
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS"):
            continue
        info = route.resource.get_info() if route.resource else {}
        found.add((route.method.lower(), str(info.get("path") or info.get("formatter"))))
    return found


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_route_is_documented_and_every_documented_route_is_served(
    tmp_path: Path,
) -> None:
    documented = {(method, path) for path, method, _ in _operations()}
    assert documented == _served(tmp_path)


def test_document_is_structurally_openapi_3_1() -> None:
    assert re.fullmatch(r"3\.1\.\d+", OPENAPI["openapi"])
    assert OPENAPI["info"]["title"] and OPENAPI["info"]["version"]
    schemes = OPENAPI["components"]["securitySchemes"]
    for requirement in OPENAPI["security"]:
        assert set(requirement) <= set(schemes)
    for path, method, operation in _operations():
        where = (method, path)
        assert path.startswith("/") and method in METHODS, where
        assert operation["summary"] and operation["responses"], where
        params = operation.get("parameters", [])
        assert len({(p["name"], p["in"]) for p in params}) == len(params), where
        assert {p["name"] for p in params if p["in"] == "path"} == set(
            re.findall(r"{(\w+)}", path)
        ), where
        for param in params:
            assert param["in"] in ("path", "query", "header", "cookie"), where
            assert param["required"] is True or param["in"] != "path", where
            jsonschema.Draft202012Validator.check_schema(param["schema"])
        for status, response in operation["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", status) and response["description"], where
        if path.startswith("/api/"):
            assert {"401", "403", "429", "500"} <= set(operation["responses"]), where
    for schema in OPENAPI["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_every_reference_resolves() -> None:
    refs = set(_refs(OPENAPI))
    assert (
        "#/components/schemas/Problem" in refs
        and "#/components/schemas/SetVariableDataType" in refs
    )
    for ref in refs:
        assert ref.startswith("#/"), ref
        target: Any = OPENAPI
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        assert isinstance(target, dict), ref


def test_every_error_is_a_problem() -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, method, operation in _operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": problem}}, (
                    method,
                    path,
                    status,
                )
    required = OPENAPI["components"]["schemas"]["Problem"]["required"]
    assert set(required) == {"title", "status", "detail"}


def _examples() -> Iterator[tuple[str, Any]]:
    for name, schema in OPENAPI["components"]["schemas"].items():
        for example in schema.get("examples", []):
            yield name, example


def test_examples_validate_against_their_models_and_the_document() -> None:
    named = {name for name, _ in _examples()}
    assert {"StationCreate", "StationUpdate", "TokenPut", "Problem", "CallResult"} <= named
    for name, example in _examples():
        _validator(name).validate(example)
        model = getattr(api_models, name, None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            model.model_validate_json(json.dumps(example), by_alias=True, by_name=False)


# Bodies the old hand-written document and the hand-written checks judged differently, and
# their neighbours: the document now says exactly what the API accepts.
BODIES: list[tuple[str, dict[str, Any]]] = [
    ("StationCreate", {"id": "CS1"}),
    ("StationCreate", {"id": "CS1", "password": ""}),
    ("StationCreate", {"id": "CS1", "password": "x" * 40}),
    ("StationCreate", {"id": "CS1", "password": "x" * 41}),
    ("StationCreate", {"id": "CS1", "password": None}),
    ("StationCreate", {"id": "CS:1"}),
    ("StationCreate", {"id": "CS1", "security_profile": 4}),
    ("StationCreate", {"id": "CS1", "security_profile": 3}),
    ("StationCreate", {"id": "CS1", "heartbeat_interval": 0}),
    ("StationCreate", {"id": "CS1", "heartbeat_interval": 1.5}),
    ("StationCreate", {"id": "CS1", "boot_policy": "Maybe"}),
    ("StationCreate", {"id": "CS1", "colour": "red"}),
    ("StationCreate", {"id": "CS1", "pending_variables": [{}]}),
    ("StationCreate", {"id": "CS1", "pending_variables": [{"attributeValue": "1"}]}),
    (
        "StationCreate",
        {
            "id": "CS1",
            "pending_variables": [
                {"attributeValue": "1", "component": {"name": "C"}, "variable": {"name": "V"}}
            ],
        },
    ),
    ("StationUpdate", {"password": ""}),
    ("StationUpdate", {"password": "new-password"}),
    ("StationUpdate", {"id": "CS2"}),
    ("TokenPut", {"status": "Accepted"}),
    ("TokenPut", {"status": "Great"}),
    ("TokenPut", {"status": "Accepted", "group_id": ""}),
    ("TokenPut", {"status": "Accepted", "group_id": None}),
    ("TokenPut", {"status": "Accepted", "group_id": "G 1"}),
]


@pytest.mark.parametrize(("name", "data"), BODIES)
def test_document_and_validation_agree(name: str, data: dict[str, Any]) -> None:
    model: type[BaseModel] = getattr(api_models, name)
    try:
        model.model_validate_json(json.dumps(data), by_alias=True, by_name=False)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert _validator(name).is_valid(data) == accepted, (name, data, accepted)


def test_request_bodies_reuse_the_generated_ocpp_types() -> None:
    schemas = OPENAPI["components"]["schemas"]
    pending = schemas["StationCreate"]["properties"]["pending_variables"]["anyOf"][0]
    assert pending["items"] == {"$ref": "#/components/schemas/SetVariableDataType"}
    token_type = next(
        p
        for p in OPENAPI["paths"]["/api/tokens/{type}/{id_token}"]["get"]["parameters"]
        if p["name"] == "type"
    )
    assert token_type["schema"] == {"$ref": "#/components/schemas/IdTokenEnumType"}
    call = OPENAPI["paths"]["/api/stations/{station_id}/calls/{action}"]["post"]
    payloads = call["requestBody"]["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/ResetRequest"} in payloads


async def test_the_served_document_is_this_one(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "csms.sqlite3"))
    app = make_api(store, dict, user="operator", password="operator-secret")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://{host}:{port}/openapi.json") as response,
        ):
            assert response.status == 200 and await response.json() == OPENAPI
    finally:
        await runner.cleanup()
        store.close()
