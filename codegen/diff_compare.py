"""Compare two sets of message schemas (`Side`s) node by node and collect the `Change`s.

A change inside a named definition is located by the definition (`IdTokenType/type`), not by
every message path that reaches it, and reported once with the messages it reaches; a change
elsewhere is located by its message class (`BootNotificationRequest/reason`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from ocppgen.codegen.build import _canonical
from ocppgen.codegen.diff_rules import Change, Kind, field_added, field_removed, fixed_verdict
from ocppgen.codegen.schema import _ANNOTATIONS, Document, Node

Number = int | float


@dataclass(frozen=True)
class Side:
    """One input of the diff: its label and every action's schemas ("request"/"response")."""

    label: str
    actions: Mapping[str, Mapping[str, Document]]


@dataclass(frozen=True)
class Where:
    """Where the walk is: the payload it started from, the owner (message or definition) and
    the path inside the owner."""

    message: str
    owner: str
    path: str = ""

    def child(self, token: str) -> Where:
        return Where(self.message, self.owner, f"{self.path}/{token}")

    @property
    def location(self) -> str:
        return self.owner + self.path


@dataclass
class _Collector:
    found: dict[tuple[str, Kind, str], tuple[tuple[bool, bool], set[str]]] = field(
        default_factory=dict
    )

    def add(
        self, where: Where, kind: Kind, detail: str, verdict: tuple[bool, bool] | None = None
    ) -> None:
        key = (where.location, kind, detail)
        entry = self.found.setdefault(key, (verdict or fixed_verdict(kind), set()))
        entry[1].add(where.message)

    def changes(self) -> tuple[Change, ...]:
        out = [
            Change(location, kind, detail, verdict[0], verdict[1], tuple(sorted(messages)))
            for (location, kind, detail), (verdict, messages) in self.found.items()
        ]
        return tuple(sorted(out, key=_order))


_ACTION_KINDS = {Kind.ACTION_ADDED, Kind.ACTION_REMOVED, Kind.ACTION_RENAMED}


def _order(change: Change) -> tuple[bool, str, str, str]:
    return (change.kind not in _ACTION_KINDS, change.location, change.kind, change.detail)


def compare(old: Side, new: Side) -> tuple[Change, ...]:
    """Every change from `old` to `new`, sorted (action changes first, then by location)."""
    out = _Collector()
    removed = sorted(old.actions.keys() - new.actions.keys())
    added = sorted(new.actions.keys() - old.actions.keys())
    renamed = _pairs(removed, added, lambda a: _action_body(old, a), lambda a: _action_body(new, a))
    for before, after in renamed:
        out.add(Where(after, after), Kind.ACTION_RENAMED, f"renamed from {before}")
    paired = {a for pair in renamed for a in pair}
    for name in removed:
        if name not in paired:
            out.add(Where(name, name), Kind.ACTION_REMOVED, "")
    for name in added:
        if name not in paired:
            out.add(Where(name, name), Kind.ACTION_ADDED, "")
    for name in sorted(old.actions.keys() & new.actions.keys()):
        _action(out, name, old.actions[name], new.actions[name])
    return out.changes()


def _action_body(side: Side, action: str) -> str:
    docs = side.actions[action]
    return repr(
        [(kind, _canonical(doc.root.raw, doc.draft4)) for kind, doc in sorted(docs.items())]
    )


def _action(
    out: _Collector, name: str, old: Mapping[str, Document], new: Mapping[str, Document]
) -> None:
    if "response" in old and "response" not in new:
        out.add(Where(name, name), Kind.RESPONSE_REMOVED, "a CALL became a one-way SEND")
    elif "response" in new and "response" not in old:
        out.add(Where(name, name), Kind.RESPONSE_ADDED, "a one-way SEND became a CALL")
    for kind in ("request", "response"):
        if kind in old and kind in new:
            message = new[kind].stem
            _Walk(out, old[kind], new[kind]).node(
                old[kind].root, new[kind].root, Where(message, message), frozenset()
            )


def _pairs(
    removed: list[str],
    added: list[str],
    old_key: Callable[[str], object],
    new_key: Callable[[str], object],
) -> list[tuple[str, str]]:
    """Renames: a removed and an added name whose keys match, each key unique on both sides."""
    gone: dict[object, list[str]] = defaultdict(list)
    came: dict[object, list[str]] = defaultdict(list)
    for name in removed:
        gone[old_key(name)].append(name)
    for name in added:
        came[new_key(name)].append(name)
    return sorted(
        (names[0], came[key][0])
        for key, names in gone.items()
        if len(names) == 1 and len(came.get(key, ())) == 1
    )


def _type(node: Node) -> str | None:
    return node.type or ("object" if node.properties else None)


def _summary(node: Node) -> str:
    if node.ref:
        return node.ref
    kind = _type(node) or "any JSON value"
    return f"{kind} ({node.format})" if node.format else kind


def _show(value: object) -> str:
    return "none" if value is None else str(value)


_NOT_ALNUM = re.compile(r"[^0-9a-z]")


@dataclass
class _Walk:
    out: _Collector
    old_doc: Document
    new_doc: Document

    def _resolve(self, node: Node, doc: Document) -> tuple[Node, str | None]:
        name = None
        definitions = dict(doc.definitions)
        for _ in range(len(definitions) + 1):  # a chain of references, never a loop
            if node.ref is None or node.ref not in definitions:
                break
            name = node.ref
            node = definitions[name]
        return node, name

    def node(self, old: Node, new: Node, where: Where, seen: frozenset[tuple[str, str]]) -> None:
        old, old_name = self._resolve(old, self.old_doc)
        new, new_name = self._resolve(new, self.new_doc)
        if old_name and new_name and old_name != new_name:
            self.out.add(where, Kind.TYPE_RENAMED, f"{old_name} -> {new_name}")
        if new_name or old_name:
            pair = (old_name or "", new_name or "")
            if pair in seen:
                return
            seen = seen | {pair}
            if new_name:
                where = Where(where.message, new_name)
        if not self._types(old, new, where):
            return
        self._enum(old, new, where)
        self._bounds(old, new, where)
        if old.items is not None and new.items is not None:
            self.node(
                old.items, new.items, Where(where.message, where.owner, where.path + "[]"), seen
            )
        if _type(new) == "object":
            self._object(old, new, where, seen)

    def _types(self, old: Node, new: Node, where: Where) -> bool:
        """Report a type change; False when the two nodes no longer compare further."""
        before, after = _type(old), _type(new)
        if before == after or self._same_numbers(old, new):
            return True
        detail = f"{before or 'any'} -> {after or 'any'}"
        if (before, after) == ("integer", "number") or after is None:
            self.out.add(where, Kind.TYPE_WIDENED, detail)
        elif (before, after) == ("number", "integer") or before is None:
            self.out.add(where, Kind.TYPE_NARROWED, detail)
        else:
            self.out.add(where, Kind.TYPE_CHANGED, detail)
            return False
        return before is not None and after is not None

    def _same_numbers(self, old: Node, new: Node) -> bool:
        """integer <-> number where the number's multipleOf is whole: the same values (from
        draft-06 on, 5.0 is an integer; draft-04 counts it as a number only)."""
        if self.old_doc.draft4 or self.new_doc.draft4:
            return False
        pair = (old.type, new.type)
        step = old.multiple_of if pair == ("number", "integer") else new.multiple_of
        whole = step is not None and float(step).is_integer()
        return whole and pair in (("number", "integer"), ("integer", "number"))

    def _enum(self, old: Node, new: Node, where: Where) -> None:
        if old.enum is None or new.enum is None:
            if old.enum is not None:
                self.out.add(where, Kind.ENUM_REMOVED, "any string is allowed now")
            elif new.enum is not None:
                self.out.add(where, Kind.ENUM_ADDED, f"only {len(new.enum)} values are allowed now")
            return
        removed = sorted(set(old.enum) - set(new.enum))
        added = sorted(set(new.enum) - set(old.enum))
        renamed = _pairs(removed, added, _spelling, _spelling)
        for before, after in renamed:
            self.out.add(where, Kind.ENUM_VALUE_RENAMED, f"{before} -> {after}")
        paired = {value for pair in renamed for value in pair}
        for value in removed:
            if value not in paired:
                self.out.add(where, Kind.ENUM_VALUE_REMOVED, value)
        for value in added:
            if value not in paired:
                self.out.add(where, Kind.ENUM_VALUE_ADDED, value)

    def _bounds(self, old: Node, new: Node, where: Where) -> None:
        for name, before, after, upper in (
            ("maxLength", old.max_length, new.max_length, True),
            ("minLength", old.min_length or 0, new.min_length or 0, False),
            ("maximum", old.maximum, new.maximum, True),
            ("minimum", old.minimum, new.minimum, False),
            ("maxItems", old.max_items, new.max_items, True),
            ("minItems", old.min_items or 0, new.min_items or 0, False),
        ):
            self._bound(where, name, before, after, upper)
        self._multiple_of(where, old.multiple_of, new.multiple_of)
        if old.format != new.format:
            kind = (
                Kind.CONSTRAINT_TIGHTENED
                if old.format is None
                else Kind.CONSTRAINT_LOOSENED
                if new.format is None
                else Kind.CONSTRAINT_CHANGED
            )
            self.out.add(where, kind, f"format {_show(old.format)} -> {_show(new.format)}")

    def _bound(
        self, where: Where, name: str, old: Number | None, new: Number | None, upper: bool
    ) -> None:
        if old == new:
            return
        tighter = old is None or (new is not None and (new < old) == upper)
        kind = Kind.CONSTRAINT_TIGHTENED if tighter else Kind.CONSTRAINT_LOOSENED
        self.out.add(where, kind, f"{name} {_show(old)} -> {_show(new)}")

    def _multiple_of(self, where: Where, old: Number | None, new: Number | None) -> None:
        if old == new:
            return
        # Old values all stay valid when the new step divides the old one, and vice versa.
        old_fits = new is None or (old is not None and _divides(new, old))
        new_fits = old is None or (new is not None and _divides(old, new))
        kind = (
            Kind.CONSTRAINT_LOOSENED
            if old_fits and not new_fits
            else Kind.CONSTRAINT_TIGHTENED
            if new_fits and not old_fits
            else Kind.CONSTRAINT_CHANGED
        )
        self.out.add(where, kind, f"multipleOf {_show(old)} -> {_show(new)}")

    def _object(self, old: Node, new: Node, where: Where, seen: frozenset[tuple[str, str]]) -> None:
        if old.closed != new.closed:
            kind = Kind.PROPERTIES_CLOSED if new.closed else Kind.PROPERTIES_OPENED
            self.out.add(where, kind, f"additionalProperties {not old.closed} -> {not new.closed}")
        before, after = dict(old.properties), dict(new.properties)
        for name in sorted(before.keys() & after.keys()):
            child = where.child(name)
            if name in new.required and name not in old.required:
                self.out.add(child, Kind.REQUIRED_ADDED, "optional -> required")
            elif name in old.required and name not in new.required:
                self.out.add(child, Kind.REQUIRED_REMOVED, "required -> optional")
            self.node(before[name], after[name], child, seen)
        removed = sorted(before.keys() - after.keys())
        added = sorted(after.keys() - before.keys())
        renamed = _pairs(
            removed,
            added,
            lambda n: (n in old.required, _canonical(before[n].raw, self.old_doc.draft4)),
            lambda n: (n in new.required, _canonical(after[n].raw, self.new_doc.draft4)),
        )
        for gone, came in renamed:
            required = came in new.required
            verdict = _either(
                field_removed(required, new.closed, _constrains(before[gone])),
                field_added(required, old.closed, _constrains(after[came])),
            )
            self.out.add(where.child(came), Kind.FIELD_RENAMED, f"renamed from {gone}", verdict)
        paired = {n for pair in renamed for n in pair}
        for name in removed:
            if name not in paired:
                required = name in old.required
                verdict = field_removed(required, new.closed, _constrains(before[name]))
                detail = f"{'required' if required else 'optional'} {_summary(before[name])}"
                self.out.add(where.child(name), Kind.FIELD_REMOVED, detail, verdict)
        for name in added:
            if name not in paired:
                required = name in new.required
                verdict = field_added(required, old.closed, _constrains(after[name]))
                detail = f"{'required' if required else 'optional'} {_summary(after[name])}"
                self.out.add(where.child(name), Kind.FIELD_ADDED, detail, verdict)


def _constrains(node: Node) -> bool:
    """Whether a property's schema rejects any value at all (`{}` accepts every value)."""
    return any(key not in _ANNOTATIONS for key in node.raw)


def _spelling(value: str) -> str:
    return _NOT_ALNUM.sub("", value.lower())


def _either(a: tuple[bool, bool], b: tuple[bool, bool]) -> tuple[bool, bool]:
    return a[0] or b[0], a[1] or b[1]


def _divides(step: Number, value: Number) -> bool:
    quotient = Fraction(str(value)) / Fraction(str(step))
    return quotient.denominator == 1
