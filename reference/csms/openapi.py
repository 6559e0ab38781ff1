"""The operator API's route table and the OpenAPI 3.1 document built from it.

Each `Route` declares its method, path, parameters, request body type and answer types; the
API serves exactly these routes (`api.make_api` registers them from the table) and validates
with the same types, so the document cannot drift from the code. Schemas come from pydantic
(`TypeAdapter.json_schemas`), all under `#/components/schemas`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from pydantic import TypeAdapter

from ocppgen.reference.csms.api_http import PROBLEM_JSON, Param
from ocppgen.reference.csms.api_models import Problem

REF_TEMPLATE: Final = "#/components/schemas/{model}"
Answer = tuple[int, Any] | web.StreamResponse
"""What a route's handler returns: a status and a body its `Reply` type describes (or a
response made already)."""
RouteHandler = Callable[[web.Request], Awaitable[Answer]]


@dataclass(frozen=True)
class Reply:
    """A success answer: its description and body type (None: no body)."""

    description: str
    model: Any = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: RouteHandler
    summary: str
    replies: Mapping[int, Reply]
    params: tuple[Param, ...] = ()
    body: Any = None  # the request body's type
    errors: tuple[int, ...] = ()  # besides those every route may answer
    description: str = ""
    public: bool = False  # no operator credentials needed

    @property
    def statuses(self) -> list[int]:
        """Every error status the route may answer."""
        common = {500} if self.public else {401, 403, 429, 500}
        if self.params:
            common.add(400)
        if self.body is not None:
            common |= {400, 415}
        return sorted(common | set(self.errors))


ERROR_TEXT: Final = {
    400: "Malformed request (`detail` says what is wrong, `errors` where)",
    401: "Operator credentials missing or wrong",
    403: "The request comes from a web origin that is not allowed",
    404: "No such station, token, transaction or report",
    409: "Conflict: station exists already, or is not connected",
    415: "The body is not sent as application/json",
    429: "Too many failed logins from this user or address (see Retry-After)",
    500: "Unexpected failure in the CSMS (logged)",
    502: "The station answered with a CALLERROR or an invalid CALLRESULT",
    504: "The station did not answer in time",
}

_Key = tuple[str, int, Any]


def _schemas(routes: Sequence[Route]) -> tuple[dict[_Key, Any], dict[str, Any]]:
    """Every type of every route, as JSON Schemas sharing one set of components."""
    adapters: list[tuple[_Key, Any, TypeAdapter[Any]]] = [
        (("problem", 0, None), "validation", TypeAdapter(Problem))
    ]
    for index, route in enumerate(routes):
        if route.body is not None:
            adapters.append((("body", index, None), "validation", TypeAdapter(route.body)))
        for status, reply in route.replies.items():
            if reply.model is not None:
                key = ("reply", index, status)
                adapters.append((key, "validation", TypeAdapter(reply.model)))
        for param in route.params:
            adapters.append((("param", index, param.name), "validation", param.adapter))
    found, definitions = TypeAdapter.json_schemas(adapters, ref_template=REF_TEMPLATE)
    return {key: schema for (key, _), schema in found.items()}, definitions.get("$defs", {})


def _operation(route: Route, index: int, schemas: Mapping[_Key, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": route.summary}
    if route.description:
        operation["description"] = route.description
    if route.public:
        operation["security"] = []
    if route.params:
        operation["parameters"] = [
            {
                "name": param.name,
                "in": param.where,
                "required": param.where == "path",
                "schema": schemas[("param", index, param.name)],
                **({"description": param.description} if param.description else {}),
            }
            for param in route.params
        ]
    if route.body is not None:
        content = {"application/json": {"schema": schemas[("body", index, None)]}}
        operation["requestBody"] = {"required": True, "content": content}
    responses: dict[str, Any] = {}
    for status, reply in sorted(route.replies.items()):
        answer: dict[str, Any] = {"description": reply.description}
        if reply.model is not None:
            schema = schemas[("reply", index, status)]
            answer["content"] = {"application/json": {"schema": schema}}
        responses[str(status)] = answer
    problem = {PROBLEM_JSON: {"schema": schemas[("problem", 0, None)]}}
    for status in route.statuses:
        responses[str(status)] = {"description": ERROR_TEXT[status], "content": problem}
    operation["responses"] = responses
    return operation


def openapi_document(routes: Sequence[Route], info: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`."""
    schemas, components = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for index, route in enumerate(routes):
        item = paths.setdefault(route.path, {})
        item[route.method.lower()] = _operation(route, index, schemas)
    return {
        "openapi": "3.1.0",
        "info": dict(info),
        "security": [{"operator": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"operator": {"type": "http", "scheme": "basic"}},
            "schemas": components,
        },
    }


def path_parameters(path: str) -> set[str]:
    """The `{name}` placeholders of an aiohttp (and OpenAPI) path."""
    return set(re.findall(r"{(\w+)}", path))
