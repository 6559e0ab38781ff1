"""A vendor's subset of a version: the chosen actions and only the types they reach.

The selection names certification profiles (spec/<version>/profiles.csv), functional blocks and
actions; each name that the spec does not know is one diagnostic (where: the option).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ocppgen.codegen.diagnostics import Diagnostics
from ocppgen.codegen.ir import ArrayType, EnumRef, Model, ModelRef, Spec, TypeNode
from ocppgen.codegen.load import Table


@dataclass(frozen=True)
class Selection:
    """What the vendor asked for; all empty = every action of the version."""

    profiles: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()  # a letter ("K") or the full name ("K SmartCharging")
    actions: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.profiles or self.blocks or self.actions)


def profile_actions(
    spec: Spec, table: Table | None, diags: Diagnostics
) -> dict[str, frozenset[str]]:
    """Each profile of the table -> the actions of its use cases."""
    if table is None:
        return {}
    if table.header != ("profile", "name", "use_cases"):
        diags.error(table.path, "row 1", "header must be profile,name,use_cases")
        return {}
    cases = {uc.id: uc.messages for uc in spec.use_cases}
    found: dict[str, frozenset[str]] = {}
    for number, row in enumerate(table.rows, start=2):
        ids = [i for i in row["use_cases"].split(";") if i]
        unknown = [i for i in ids if i not in cases]
        if unknown:
            diags.error(table.path, f"row {number}", f"unknown use case(s) {', '.join(unknown)}")
        found[row["profile"]] = frozenset(a for i in ids for a in cases.get(i, ()))
    return found


def select(
    spec: Spec, selection: Selection, profiles: dict[str, frozenset[str]], diags: Diagnostics
) -> frozenset[str]:
    """The action names the selection keeps (every unknown name is reported)."""
    names = {a.name for a in spec.actions}
    kept: set[str] = set()
    for profile in selection.profiles:
        if profile not in profiles:
            known = ", ".join(profiles) or f"none for OCPP {spec.version.name}"
            diags.error("--profile", profile, f"unknown certification profile; known: {known}")
        kept |= profiles.get(profile, frozenset())
    blocks = {a.functional_block for a in spec.actions}
    for block in selection.blocks:
        matched = {b for b in blocks if block in (b, b.split(" ", 1)[0])}
        if not matched:
            diags.error("--block", block, f"unknown functional block; known: {_letters(blocks)}")
        kept |= {a.name for a in spec.actions if a.functional_block in matched}
    for action in selection.actions:
        if action not in names:
            diags.error("--action", action, f"OCPP {spec.version.name} has no such action")
        kept.add(action)
    return frozenset(kept & names)


def _letters(blocks: Iterable[str]) -> str:
    return ", ".join(sorted(blocks))


def subset(spec: Spec, keep: frozenset[str]) -> Spec:
    """`spec` with only the actions in `keep`, the messages, datatypes and enums they reach, and
    the use cases all of whose messages are kept."""
    actions = tuple(a for a in spec.actions if a.name in keep)
    message_names = {a.request for a in actions} | {a.response for a in actions if a.response}
    messages = tuple(m for m in spec.messages if m.name in message_names)
    datatypes = {m.name: m for m in spec.datatypes}
    models, enums = _reached(messages, datatypes)
    return replace(
        spec,
        actions=actions,
        messages=messages,
        datatypes=tuple(m for m in spec.datatypes if m.name in models),
        enums=tuple(e for e in spec.enums if e.name in enums),
        use_cases=tuple(uc for uc in spec.use_cases if set(uc.messages) <= keep),
        left_out=tuple(sorted(a.name for a in spec.actions if a.name not in keep)),
        vendor=spec.vendor
        and replace(
            spec.vendor,
            custom_data=tuple(c for c in spec.vendor.custom_data if c.message in message_names),
        ),
    )


def _reached(roots: Iterable[Model], datatypes: dict[str, Model]) -> tuple[set[str], set[str]]:
    """The datatype and enum names reachable from the fields of `roots`."""
    models: set[str] = set()
    enums: set[str] = set()
    stack = list(roots)
    while stack:
        for field in stack.pop().fields:
            node: TypeNode = field.type
            while isinstance(node, ArrayType):
                node = node.item
            if isinstance(node, EnumRef):
                enums.add(node.name)
            elif isinstance(node, ModelRef) and node.name not in models:
                models.add(node.name)
                stack.append(datatypes[node.name])
    return models, enums
