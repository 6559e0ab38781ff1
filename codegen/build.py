"""Stage 3: schemas + tables -> the IR, with every name resolved and definitions deduplicated.

Shared definitions are merged by name across all schema files of a version; two different
bodies under one name is an error unless `spec/<version>/names.csv` gives one of them its own
name (OCPP 1.6 needs this once: its inline types have no names of their own).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ocppgen.codegen import naming
from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.ir import (
    Action,
    AnyType,
    ArrayType,
    BooleanType,
    Enum,
    EnumMember,
    EnumRef,
    Field,
    IntegerType,
    Model,
    ModelRef,
    NumberType,
    Spec,
    StringType,
    TypeNode,
    UseCase,
)
from ocppgen.codegen.load import Inputs
from ocppgen.codegen.schema import _ANNOTATIONS, Document, Node, parse_document
from ocppgen.codegen.tables import build_actions, build_use_cases
from ocppgen.codegen.text import plain_text


def _description(node: Node, doc: Document) -> str:
    """A schema description as plain text; a bare cross reference names a definition of its file."""
    return plain_text(node.description, (name for name, _ in doc.definitions))


def _canonical(raw: Any, draft4: bool) -> str:
    """A definition's body as far as validation is concerned (annotations dropped)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _ANNOTATIONS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps([draft4, strip(raw)], sort_keys=True)


@dataclass
class _Named:
    """A named type found while walking: the first body seen under the name wins."""

    canonical: str
    where: str
    value: Model | Enum | None = None


@dataclass
class _Builder:
    inputs: Inputs
    diags: Diagnostics
    renames: Mapping[tuple[str, str], str]
    named: dict[str, _Named] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)

    # -- named types -------------------------------------------------------------------------

    def _claim(self, name: str, node: Node, draft4: bool) -> bool:
        """Register `name` for `node`; False if it was already built from an equal body."""
        canonical = _canonical(node.raw, draft4)
        known = self.named.get(name)
        if known is None:
            self.named[name] = _Named(canonical, node.where)
            return True
        if known.canonical != canonical:
            self.diags.error(
                node.file,
                node.pointer,
                f"definition {name!r} differs from the one at {known.where}; give one of them "
                f"another name in {self.inputs.version.key}/names.csv (file,pointer,name)",
            )
        return False

    def _enum(self, name: str, node: Node, doc: Document) -> EnumRef:
        if self._claim(name, node, doc.draft4):
            members = naming.unique_members(list(node.enum or ()))
            self.enums[name] = Enum(
                name=name,
                description=_description(node, doc),
                members=tuple(EnumMember(n, v) for n, v in members),
                source=node.where,
            )
        return EnumRef(name)

    def _model(
        self,
        name: str,
        node: Node,
        doc: Document,
        kind: str = "datatype",
        action: str | None = None,
    ) -> ModelRef:
        if self._claim(name, node, doc.draft4):
            fields = self._fields(name, node, doc)
            model = Model(
                name=name,
                description=_description(node, doc),
                fields=fields,
                open=not node.closed,
                source=node.where,
                kind="request"
                if kind == "request"
                else "response"
                if kind == "response"
                else "datatype",
                action=action,
            )
            self.models[name] = model
        return ModelRef(name)

    def _fields(self, owner: str, node: Node, doc: Document) -> tuple[Field, ...]:
        fields: list[Field] = []
        seen: dict[str, str] = {}
        for wire_name, child in node.properties:
            py_name = naming.field_name(wire_name)
            if py_name in seen:
                self.diags.error(
                    child.file,
                    child.pointer,
                    f"properties {seen[py_name]!r} and {wire_name!r} both map to field {py_name!r}",
                )
                continue
            seen[py_name] = wire_name
            fields.append(
                Field(
                    wire_name=wire_name,
                    name=py_name,
                    type=self._type(child, doc, owner, wire_name),
                    required=wire_name in node.required,
                    description=_description(child, doc),
                    default=None if child.default is None else json.dumps(child.default),
                )
            )
        return tuple(fields)

    # -- types -------------------------------------------------------------------------------

    def _type(self, node: Node, doc: Document, owner: str, prop: str) -> TypeNode:
        if node.ref is not None:
            return self._ref(node, doc)
        override = self.renames.get((node.file, node.pointer))
        if node.type == "string":
            if node.enum is not None:
                return self._enum(override or naming.inline_enum_name(owner, prop), node, doc)
            fmt = node.format if node.format in ("date-time", "uri") else None
            return StringType(
                max_length=node.max_length,
                min_length=node.min_length,
                format="date-time" if fmt == "date-time" else "uri" if fmt else None,
            )
        if node.type == "integer":
            return IntegerType(minimum=node.minimum, maximum=node.maximum, draft4=doc.draft4)
        if node.type == "number":
            return NumberType(
                minimum=node.minimum, maximum=node.maximum, multiple_of=node.multiple_of
            )
        if node.type == "boolean":
            return BooleanType()
        if node.type == "array":
            if node.items is None:
                self.diags.error(node.file, node.pointer, "an array must say what its items are")
                return AnyType()
            item = self._type(node.items, doc, owner, prop)
            return ArrayType(item=item, min_items=node.min_items, max_items=node.max_items)
        if node.type == "object" or node.properties:
            return self._model(override or naming.inline_model_name(prop), node, doc)
        if node.enum is not None:
            self.diags.error(
                node.file, node.pointer, "an enum without type string is not supported"
            )
        return AnyType()

    def _ref(self, node: Node, doc: Document) -> TypeNode:
        name = node.ref or ""
        target = dict(doc.definitions).get(name)
        if target is None:
            self.diags.error(
                node.file,
                f"{node.pointer}/$ref",
                f"dangling reference: no definition {name!r} in this file",
            )
            return AnyType()
        if target.ref is not None:
            self.diags.error(
                target.file, target.pointer, "a definition that is only a $ref is not supported"
            )
            return AnyType()
        if target.type == "string" and target.enum is not None:
            return self._enum(name, target, doc)
        if target.type == "object":
            return self._model(name, target, doc)
        return self._type(target, doc, name, name)

    # -- documents ---------------------------------------------------------------------------

    def document(self, doc: Document, class_name: str, kind: str, action: str | None) -> None:
        for name, node in doc.definitions:  # every definition, even one no message uses
            if node.type == "string" and node.enum is not None:
                self._enum(name, node, doc)
            elif node.type == "object":
                self._model(name, node, doc)
        self._model(class_name, doc.root, doc, kind, action)


def build_spec(
    inputs: Inputs, renames: Mapping[tuple[str, str], str], diags: Diagnostics
) -> Spec | None:
    documents: dict[str, dict[str, Document]] = {}
    files: dict[str, dict[str, str]] = {}
    broken: set[str] = set()  # actions with a schema that failed (already reported)
    for stem in inputs.unreadable:
        broken.add(naming.action_of(stem)[0])
    for schema in inputs.schemas:
        name, kind = naming.action_of(schema.stem)
        files.setdefault(name, {})[kind] = schema.path
        doc = parse_document(schema.path, schema.stem, schema.document, diags)
        if doc is None:
            broken.add(name)
        elif kind in documents.setdefault(name, {}):
            diags.error(schema.path, "", f"second {kind} schema for action {name!r}")
        else:
            documents[name][kind] = doc
    if inputs.messages is None or inputs.usecases is None:
        return None
    table = build_actions(inputs.messages, files, broken, diags)
    builder = _Builder(inputs, diags, renames)
    actions: list[Action] = []
    for action in sorted(table, key=lambda a: a.name):
        actions.append(action)
        docs = documents[action.name]
        builder.document(docs["request"], action.request, "request", action.name)
        if action.response is not None:
            builder.document(docs["response"], action.response, "response", action.name)
    named = {row["action"].strip() for row in inputs.messages.rows if "action" in row}
    use_cases = build_use_cases(inputs.usecases, files.keys() | named, diags)
    _check_use_case_ids(inputs, actions, use_cases, diags)
    if diags:
        return None
    messages = {a.request for a in actions} | {a.response for a in actions if a.response}
    datatypes = [m for name, m in builder.models.items() if name not in messages]
    return Spec(
        version=inputs.version,
        enums=tuple(sorted(builder.enums.values(), key=lambda e: e.name)),
        datatypes=_dependency_order(datatypes),
        messages=tuple(sorted((builder.models[n] for n in messages), key=lambda m: m.name)),
        actions=tuple(actions),
        use_cases=tuple(sorted(use_cases, key=lambda u: u.id)),
    )


def _check_use_case_ids(
    inputs: Inputs, actions: list[Action], use_cases: list[UseCase], diags: Diagnostics
) -> None:
    if not use_cases or inputs.messages is None:
        return
    known = {u.id for u in use_cases}
    for action in actions:
        for ident in action.use_cases:
            if ident not in known:
                diags.error(
                    inputs.messages.path,
                    f"action {action.name}",
                    f"unknown use case {ident!r} (not in usecases.csv)",
                )


def _refs(node: TypeNode) -> set[str]:
    if isinstance(node, ModelRef):
        return {node.name}
    if isinstance(node, ArrayType):
        return _refs(node.item)
    return set()


def _dependency_order(models: list[Model]) -> tuple[Model, ...]:
    """Each model after the models its fields use; ties broken by name (deterministic)."""
    by_name = {m.name: m for m in models}
    ordered: list[Model] = []
    done: set[str] = set()

    def visit(model: Model, path: tuple[str, ...]) -> None:
        if model.name in done or model.name in path:
            return
        for f in model.fields:
            for dep in sorted(_refs(f.type)):
                if dep in by_name:
                    visit(by_name[dep], (*path, model.name))
        done.add(model.name)
        ordered.append(model)

    for model in sorted(models, key=lambda m: m.name):
        visit(model, ())
    return tuple(ordered)
