"""The property tests' tables of one version, bound to its classes, and the pure helpers over them.

The generator writes each version's tables as data (`generated/<v>/proptests.json`, facts of the
IR); `load_tables` turns that text plus the version's class modules into typed rows:

- `models`: every datatype and message, with where its official schema defines it;
- `mutations`: one row per constraint of each field of each model (`Mutation`), with the JSON
  Schema keyword that must fail, the fault the runtime must see and the spec's error code;
- `hosts`: each model -> the message that carries it to the runtime (`Host`);
- `receives`, `not_received`, `sends`: which role receives and sends which action.

`Tables.mutate` breaks one row's constraint in a valid payload and `Tables.embed` puts a payload
into its host message; `validator` checks against the official schemas. No pytest here: the
conformance tester uses these at run time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib.resources import files
from types import ModuleType
from typing import Any, Protocol, TypeVar

import jsonschema
from hypothesis import strategies as st

from ocppgen.runtime.actions import Role
from ocppgen.runtime.errors import Fault
from ocppgen.runtime.model import OcppModel

__all__ = [
    "ExamplesWith",
    "Host",
    "Mutation",
    "RoleAction",
    "Step",
    "StrategyFor",
    "Tables",
    "load_tables",
    "validator",
]

M = TypeVar("M", bound=OcppModel)

RoleAction = tuple[Role, str, str, bool]
"""(role, action, method, SEND): a handler method for what a role receives, a call method for
what it sends; SEND marks a one-way (OCPP 2.1) action."""


class StrategyFor(Protocol):
    """A version's `strategies.strategy_for`."""

    def __call__(self, cls: type[M], /) -> st.SearchStrategy[M]: ...


class ExamplesWith(Protocol):
    """A version's `strategies.examples_with`."""

    def __call__(
        self, cls: type[M], *attributes: str, **strategies: st.SearchStrategy[Any]
    ) -> st.SearchStrategy[M]: ...


@dataclass(frozen=True)
class Step:
    """One field on the way from a host message to a nested model."""

    field: str  # wire name
    attribute: str
    array: bool  # the field is an array; the model goes in as its only item
    model: type[OcppModel]  # the model the field holds


@dataclass(frozen=True)
class Host:
    """How a model reaches the runtime: inside `message` (of `action`), at the end of `path`."""

    message: type[OcppModel]
    action: str
    direction: str  # "request" or "response"
    path: tuple[Step, ...]


@dataclass(frozen=True)
class Mutation:
    """One constraint of one field (or, with `field` None, of the model itself)."""

    id: str
    model: type[OcppModel]
    field: str | None
    attribute: str | None
    kind: str
    keyword: str | None  # the JSON Schema keyword that must fail; None: all must accept
    fault: Fault | None  # the fault the runtime must see; None: all must accept
    value: Any  # the replacement, for kinds with a fixed one
    limit: int | None
    item: bool  # applies to the array field's first item
    code: str | None  # the error code the spec's definitions give the fault (None: accepted)


@dataclass(frozen=True)
class Tables:
    """One version's tables, bound to its classes and strategies."""

    models: tuple[tuple[type[OcppModel], str], ...]
    hosts: Mapping[type[OcppModel], Host]
    mutations: tuple[Mutation, ...]
    receives: tuple[RoleAction, ...]
    not_received: tuple[tuple[Role, str], ...]  # CALL actions a role sends but does not receive
    sends: tuple[RoleAction, ...]
    unknown_property: str  # the property an additionalProperties row adds
    examples_with: ExamplesWith = field(repr=False)

    @cached_property
    def schema_of(self) -> dict[type[OcppModel], str]:
        """Each model -> the official schema file that defines it."""
        return {cls: source.partition("#")[0] for cls, source in self.models}

    def mutate(self, row: Mutation, target: dict[str, Any]) -> dict[str, Any]:
        """`target` (a valid model as JSON data) with `row`'s constraint broken (or its rule
        applied)."""
        if row.field is None:
            return {**target, self.unknown_property: 1}
        if row.kind == "required":
            return {k: v for k, v in target.items() if k != row.field}
        current = target[row.field]
        if row.item:
            return {**target, row.field: [_value(row, current[0] if current else 0), *current[1:]]}
        return {**target, row.field: _value(row, current)}

    def embed(
        self, host: Host, target: OcppModel, mutated: dict[str, Any], data: st.DataObject
    ) -> tuple[dict[str, Any], list[str | int]]:
        """The host message as JSON data, holding `mutated` at the end of the host's path, and
        that path. The message is drawn around the valid `target`, then `mutated` replaces it."""
        if not host.path:
            return mutated, []
        child = target
        for index in reversed(range(len(host.path))):
            step = host.path[index]
            parent = host.message if index == 0 else host.path[index - 1].model
            value = st.just([child] if step.array else child)
            child = data.draw(self.examples_with(parent, **{step.attribute: value}))
        payload = child.to_json_dict()
        return payload, _replace(payload, host.path, mutated)


def _replace(payload: dict[str, Any], path: tuple[Step, ...], mutated: Any) -> list[str | int]:
    """Put `mutated` at the end of `path` in `payload` (in place); the JSON path it took."""
    where: list[str | int] = []
    container = payload
    for index, step in enumerate(path):
        last = index + 1 == len(path)
        if step.array:
            where += [step.field, 0]
            if last:
                container[step.field][0] = mutated
            container = container[step.field][0]
        else:
            where.append(step.field)
            if last:
                container[step.field] = mutated
            container = container[step.field]
    return where


def _value(row: Mutation, current: Any) -> Any:
    if row.kind == "maxLength":
        return "x" * (_limit(row) + 1)
    if row.kind == "minLength":
        return "x" * (_limit(row) - 1)
    if row.kind == "minItems":
        return current[: _limit(row) - 1]
    if row.kind == "maxItems":
        return current[:1] * (_limit(row) + 1)
    if row.kind == "integralFloat":
        return float(current)
    return row.value


def _limit(row: Mutation) -> int:
    assert row.limit is not None, f"{row.id} has no limit"
    return row.limit


def load_tables(
    text: str,
    modules: Iterable[ModuleType],
    *,
    examples_with: ExamplesWith,
    unknown_property: str,
) -> Tables:
    """Bind a version's `proptests.json` text to the classes its `modules` export (`__all__`)."""
    data: Any = json.loads(text)
    classes: dict[str, type[OcppModel]] = {
        name: getattr(module, name) for module in modules for name in module.__all__
    }
    return Tables(
        models=tuple((classes[name], source) for name, source in data["models"]),
        hosts={classes[model]: _host(classes, row) for model, row in data["hosts"].items()},
        mutations=tuple(_mutation(classes, row) for row in data["mutations"]),
        receives=tuple(_role_action(row) for row in data["receives"]),
        not_received=tuple((Role(role), action) for role, action in data["not_received"]),
        sends=tuple(_role_action(row) for row in data["sends"]),
        unknown_property=unknown_property,
        examples_with=examples_with,
    )


def _host(classes: Mapping[str, type[OcppModel]], row: list[Any]) -> Host:
    message, action, direction, path = row
    steps = tuple(Step(wire, attr, array, classes[child]) for wire, attr, array, child in path)
    return Host(classes[message], action, direction, steps)


def _mutation(classes: Mapping[str, type[OcppModel]], row: list[Any]) -> Mutation:
    row_id, model, name, attribute, kind, keyword, fault, value, limit, item, code = row
    member = None if fault is None else Fault[fault]
    cls = classes[model]
    return Mutation(row_id, cls, name, attribute, kind, keyword, member, value, limit, item, code)


def _role_action(row: list[Any]) -> RoleAction:
    role, action, method, one_way = row
    return Role(role), action, method, one_way


@cache
def _document(file: str) -> Any:
    """An official schema (a path in ocppgen.spec), or a vendor's shipped in its generated
    package (`package:path`, issue 16)."""
    package, _, path = file.rpartition(":")
    where = files(package or "ocppgen.spec") / path
    return json.loads(where.read_text(encoding="utf-8-sig"))


@cache
def validator(source: str) -> Any:
    """A validator for `file#pointer` of the official schemas: the schema's own draft, format
    checking on. A pointer into the document validates that part, `$ref`s resolving as usual
    (up to draft-07, a `$ref` replaces its siblings)."""
    file, _, pointer = source.partition("#")
    root = _document(file)
    schema = {**root, "$ref": "#" + pointer} if pointer else root
    cls = jsonschema.validators.validator_for(root)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)
