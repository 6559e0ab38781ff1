"""A vendor package generated for a subset of a version (issue 16 item 1) leaves actions out;
`VersionSpec.left_out` names them. A CALL of one is NotSupported (the receiver knows the action
but does not support it), an action the version does not have stays NotImplemented, and a SEND
(2.1) of a left-out action is refused without an answer."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ocppgen.runtime.actions import Role, VersionSpec
from ocppgen.runtime.core import Connection, ProtocolFault

from .fakeversion import V21, V201


def cut(version: VersionSpec, keep: set[str]) -> VersionSpec:
    actions = {name: spec for name, spec in version.actions.items() if name in keep}
    return replace(version, actions=actions, left_out=frozenset(version.actions) - keep)


def answer(version: VersionSpec, action: str) -> list[object]:
    connection = Connection(version, Role.CHARGING_STATION)
    connection.receive(json.dumps([2, "m1", action, {}]))
    (frame,) = connection.outgoing()
    answered: list[object] = json.loads(frame)
    return answered


@pytest.mark.parametrize(
    ("action", "code"),
    [("Reset", "NotSupported"), ("NoSuchAction", "NotImplemented")],
)
def test_a_left_out_call_is_not_supported_an_unknown_one_not_implemented(
    action: str, code: str
) -> None:
    frame = answer(cut(V201, {"Heartbeat"}), action)
    assert frame[:3] == [4, "m1", code]


def test_the_full_version_still_calls_an_unknown_action_not_implemented() -> None:
    assert answer(V201, "NoSuchAction")[2] == "NotImplemented"


def test_a_left_out_send_is_refused_as_not_supported_without_an_answer() -> None:
    subset = cut(V21, {"Heartbeat"})
    connection = Connection(subset, Role.CSMS)
    frame = [6, "s1", "NotifyPeriodicEventStream", {"id": 1, "pending": 0, "data": []}]
    (event,) = connection.receive(json.dumps(frame))
    assert isinstance(event, ProtocolFault)
    assert event.code == "NotSupported"
    assert connection.outgoing() == []
