"""What `ocppgen diff` reports: one `Change` per difference, each classified for both ends.

A payload's *sender* and *receiver* are judged as implementations built for the old schema
talking to peers built for the new one:

- breaking for senders: a payload valid under the old schema may be rejected under the new one
  (the set of valid payloads lost members: a new required field, a tighter bound, a removed
  enum value, ...);
- breaking for receivers: a payload valid under the new schema may be rejected by an old
  receiver (the set gained members: a new enum value, a looser bound, a new property in an
  object that forbids unknown ones, ...).

A change that does neither is compatible for both (a type renamed: the wire does not carry type
names). Verdicts are judged per keyword: a change is never called compatible when it can reject
a payload, but one that another keyword of the same schema masks (a `minLength` of 1 on a
date-time, which is never empty) is still called breaking. The classification of every kind is
written once, here, and each rule has a property test that checks it against a JSON Schema
validator (tests/codegen/test_diff_rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """Every kind of change, as written in the JSON output."""

    ACTION_ADDED = "action-added"
    ACTION_REMOVED = "action-removed"
    ACTION_RENAMED = "action-renamed"
    RESPONSE_ADDED = "response-added"  # a one-way SEND became a CALL
    RESPONSE_REMOVED = "response-removed"  # a CALL became a one-way SEND
    FIELD_ADDED = "field-added"
    FIELD_REMOVED = "field-removed"
    FIELD_RENAMED = "field-renamed"
    REQUIRED_ADDED = "required-added"  # an optional field became required
    REQUIRED_REMOVED = "required-removed"
    ENUM_VALUE_ADDED = "enum-value-added"
    ENUM_VALUE_REMOVED = "enum-value-removed"
    ENUM_VALUE_RENAMED = "enum-value-renamed"  # same spelling but for case and punctuation
    ENUM_ADDED = "enum-added"  # a free string became an enumeration
    ENUM_REMOVED = "enum-removed"
    TYPE_WIDENED = "type-widened"  # integer -> number, or a type dropped
    TYPE_NARROWED = "type-narrowed"
    TYPE_CHANGED = "type-changed"
    CONSTRAINT_TIGHTENED = "constraint-tightened"
    CONSTRAINT_LOOSENED = "constraint-loosened"
    CONSTRAINT_CHANGED = "constraint-changed"  # neither tighter nor looser (multipleOf, format)
    PROPERTIES_CLOSED = "properties-closed"  # additionalProperties: true -> false
    PROPERTIES_OPENED = "properties-opened"
    TYPE_RENAMED = "type-renamed"  # a $ref to a definition of another name


# (breaking for senders, breaking for receivers) of the kinds whose verdict is fixed.
_FIXED: dict[Kind, tuple[bool, bool]] = {
    Kind.ACTION_ADDED: (False, True),  # an old receiver answers NotImplemented
    Kind.ACTION_REMOVED: (True, False),  # an old sender's CALL is answered NotImplemented
    Kind.ACTION_RENAMED: (True, True),
    Kind.RESPONSE_ADDED: (True, True),
    Kind.RESPONSE_REMOVED: (True, True),
    Kind.REQUIRED_ADDED: (True, False),
    Kind.REQUIRED_REMOVED: (False, True),
    Kind.ENUM_VALUE_ADDED: (False, True),
    Kind.ENUM_VALUE_REMOVED: (True, False),
    Kind.ENUM_VALUE_RENAMED: (True, True),
    Kind.ENUM_ADDED: (True, False),
    Kind.ENUM_REMOVED: (False, True),
    Kind.TYPE_WIDENED: (False, True),
    Kind.TYPE_NARROWED: (True, False),
    Kind.TYPE_CHANGED: (True, True),
    Kind.CONSTRAINT_TIGHTENED: (True, False),
    Kind.CONSTRAINT_LOOSENED: (False, True),
    Kind.CONSTRAINT_CHANGED: (True, True),
    Kind.PROPERTIES_CLOSED: (True, False),
    Kind.PROPERTIES_OPENED: (False, True),
    Kind.TYPE_RENAMED: (False, False),
}


def fixed_verdict(kind: Kind) -> tuple[bool, bool]:
    return _FIXED[kind]


def field_added(required: bool, old_closed: bool, constrained: bool) -> tuple[bool, bool]:
    """Senders: breaking if required, or if the old object was open (an old sender may have put
    any value under that name) and the field's schema now constrains it. Receivers: breaking if
    the old object forbids unknown properties."""
    return required or (not old_closed and constrained), old_closed


def field_removed(required: bool, new_closed: bool, constrained: bool) -> tuple[bool, bool]:
    """Senders: breaking if the new object forbids unknown properties (an old sender may still
    send it). Receivers: breaking if they required it, or if the new object is open (a new
    sender may put any value under that name) and the old schema constrained it."""
    return new_closed, required or (not new_closed and constrained)


@dataclass(frozen=True, order=True)
class Change:
    """One difference. `location` is `Owner/path`: the message or definition that holds it and
    the property path inside (`[]` marks an array's items); `messages` are the payloads (message
    class names) in which it is reached."""

    location: str
    kind: Kind
    detail: str
    sender_breaking: bool
    receiver_breaking: bool
    messages: tuple[str, ...] = ()

    @property
    def breaking(self) -> bool:
        return self.sender_breaking or self.receiver_breaking
