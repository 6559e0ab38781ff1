"""Stage 4: the IR -> Python source text, through jinja2 templates, then black.

Templates only loop over facts; the few strings that need logic (type annotations, docstrings)
are made here.
"""

from __future__ import annotations

import jinja2
from black import Mode, format_str

# black's top level exports only these explicitly (`Mode as Mode`); TargetVersion is imported
# there but not re-exported (mypy --strict rejects `black.TargetVersion`), so it comes from the
# public module that defines it.
from black.mode import TargetVersion

from ocppgen.codegen.ir import (
    AnyType,
    ArrayType,
    BooleanType,
    EnumRef,
    Field,
    IntegerType,
    Model,
    ModelRef,
    NumberType,
    Spec,
    StringType,
    TypeNode,
)
from ocppgen.codegen.render_support import support_files
from ocppgen.codegen.templating import HEADER, LINE_LENGTH, environment, pyrepr
from ocppgen.codegen.versions import VERSIONS, Version

_ROLES = {"ChargingStation": "Role.CHARGING_STATION", "CSMS": "Role.CSMS"}
_BLACK = Mode(line_length=LINE_LENGTH, target_versions={TargetVersion.PY311})


# -- type annotations -------------------------------------------------------------------------


def _base(node: TypeNode) -> str:
    if isinstance(node, StringType):
        return "DateTime" if node.format == "date-time" else "String"
    if isinstance(node, IntegerType):
        return "Draft4Integer" if node.draft4 else "Integer"
    if isinstance(node, NumberType):
        return "Number"
    if isinstance(node, BooleanType):
        return "Boolean"
    if isinstance(node, AnyType):
        return "AnyJson"
    if isinstance(node, EnumRef | ModelRef):
        return node.name
    return f"list[{_nested(node.item)}]"


def _constraints(node: TypeNode) -> list[str]:
    pairs: list[tuple[str, object]] = []
    if isinstance(node, StringType):
        pairs = [("min_length", node.min_length), ("max_length", node.max_length)]
    elif isinstance(node, IntegerType):
        pairs = [("ge", node.minimum), ("le", node.maximum)]
    elif isinstance(node, NumberType):
        pairs = [("ge", node.minimum), ("le", node.maximum), ("multiple_of", node.multiple_of)]
    elif isinstance(node, ArrayType):
        pairs = [("min_length", node.min_items), ("max_length", node.max_items)]
    return [f"{key}={value!r}" for key, value in pairs if value is not None]


def _nested(node: TypeNode) -> str:
    constraints = _constraints(node)
    if not constraints:
        return _base(node)
    return f"Annotated[{_base(node)}, Field({', '.join(constraints)})]"


def annotation(field: Field) -> str:
    """The full annotation and default of one model field. The wire name is an alias only where
    it differs from the attribute name (pydantic uses the attribute name on the wire otherwise)."""
    alias = [] if field.wire_name == field.name else [f"alias={pyrepr(field.wire_name)}"]
    args = [*alias, *_constraints(field.type)]
    metadata = [f"Field({', '.join(args)})"] if args else []
    base = _base(field.type)
    if _optional(field):  # NoJsonNull last: it builds T's schema with the Field's constraints
        base = f"{base} | None"
        metadata.append("NoJsonNull")
    if metadata:
        base = f"Annotated[{base}, {', '.join(metadata)}]"
    return base if field.required else f"{base} = None"


def _optional(field: Field) -> bool:
    """Absent or T, never JSON null. AnyJson takes null as one of its values (no None added)."""
    return not field.required and not isinstance(field.type, AnyType)


def _names_used(node: TypeNode) -> set[str]:
    if isinstance(node, ArrayType):
        return _names_used(node.item)
    return {_base(node)}


# -- files ------------------------------------------------------------------------------------


def _model_module(
    spec: Spec,
    title: str,
    models: tuple[Model, ...],
    docs: dict[str, str],
    local: set[str],
    env: jinja2.Environment,
) -> str:
    used: set[str] = set()
    for model in models:
        used.add("OpenOcppModel" if model.open else "OcppModel")
        for field in model.fields:
            used |= _names_used(field.type) | ({"NoJsonNull"} if _optional(field) else set())
    runtime_names = {
        "AnyJson",
        "OcppModel",
        "OpenOcppModel",
        "String",
        "Integer",
        "Draft4Integer",
        "Number",
        "Boolean",
        "DateTime",
        "NoJsonNull",
    }
    enum_names = {e.name for e in spec.enums}
    key = spec.version.key
    annotations = {m.name: {f.name: annotation(f) for f in m.fields} for m in models}
    texts = [a for per_model in annotations.values() for a in per_model.values()]
    imports = []
    if any("Annotated[" in a for a in texts):
        imports += ["from typing import Annotated", ""]
    if any("Field(" in a for a in texts):
        imports += ["from pydantic import Field", ""]
    imports.append(f"from ocppgen.runtime.model import {', '.join(sorted(used & runtime_names))}")
    enums_used = sorted(used & enum_names)
    if enums_used:
        imports.append(f"from {spec.version.package}.enums import {', '.join(enums_used)}")
    datatypes_used = sorted(used - runtime_names - enum_names - local)
    datatypes_used = [n for n in datatypes_used if not n.startswith("list[")]
    if datatypes_used:
        imports.append(f"from {spec.version.package}.datatypes import {', '.join(datatypes_used)}")
    return env.get_template("models.py.jinja").render(
        header=HEADER.format(key=key),
        version=spec.version,
        title=title,
        imports=imports,
        models=models,
        annotations=annotations,
        docs=docs,
    )


def _message_doc(spec: Spec, model: Model) -> str:
    action = next(a for a in spec.actions if a.name == model.action)
    senders = (
        " and ".join(action.initiators)
        if model.kind == "request"
        else " and ".join(
            r
            for r in ("ChargingStation", "CSMS")
            if r not in action.initiators or len(action.initiators) == 2
        )
    )
    kind = "one-way SEND" if action.message_type == "SEND" else model.kind
    lines = [
        f"{action.name} {kind}, sent by {senders}.",
        "",
        f"Functional block: {action.functional_block}.",
    ]
    if action.use_cases:
        lines.append(f"Use cases: {', '.join(action.use_cases)}.")
    if model.description.strip():
        lines += ["", model.description]
    return "\n".join(lines)


def render_version(spec: Spec) -> dict[str, str]:
    """Every file of one version's package, keyed by path relative to generated/."""
    env = environment()
    key = spec.version.key
    folder = spec.version.folder
    datatype_names = [m.name for m in spec.datatypes]
    message_names = [m.name for m in spec.messages]
    enum_names = [e.name for e in spec.enums]
    files = {
        f"{folder}/enums.py": env.get_template("enums.py.jinja").render(
            header=HEADER.format(key=key), version=spec.version, enums=spec.enums
        ),
        f"{folder}/datatypes.py": _model_module(
            spec,
            "Datatypes (shared definitions)",
            spec.datatypes,
            {m.name: m.description for m in spec.datatypes},
            set(datatype_names),
            env,
        ),
        f"{folder}/messages.py": _model_module(
            spec,
            "Request and response messages",
            spec.messages,
            {m.name: _message_doc(spec, m) for m in spec.messages},
            set(message_names),
            env,
        ),
        f"{folder}/actions.py": env.get_template("actions.py.jinja").render(
            header=HEADER.format(key=key),
            version=spec.version,
            actions=spec.actions,
            left_out=spec.left_out,
            message_names=message_names,
            roles=_ROLES,
        ),
        f"{folder}/__init__.py": env.get_template("init.py.jinja").render(
            header=HEADER.format(key=key),
            version=spec.version,
            datatype_names=datatype_names,
            enum_names=enum_names,
            message_names=message_names,
            all_names=sorted(["ACTIONS", "VERSION", *datatype_names, *enum_names, *message_names]),
        ),
        **support_files(spec),
    }
    return {
        path: format_source(text, path) if path.endswith(".py") else text
        for path, text in files.items()
    }


def render_root(versions: tuple[Version, ...] = VERSIONS) -> dict[str, str]:
    env = environment()
    text = env.get_template("root_init.py.jinja").render(
        header=HEADER.format(key="*"), versions=versions
    )
    return {"__init__.py": format_source(text, "__init__.py")}


def format_source(text: str, path: str) -> str:
    try:
        return format_str(text, mode=_BLACK)
    # black raises its InvalidInput, a ValueError (not explicitly exported by its top level)
    except ValueError as exc:  # a generator bug, not a user error: show the source
        raise RuntimeError(f"generated {path} is not valid Python: {exc}\n{text}") from exc
