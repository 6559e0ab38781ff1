"""The action registries against the schema sets and the sourced fact tables in spec/facts/
(independent of spec/vXX/messages.csv, which the generator reads)."""

from __future__ import annotations

import csv

import pytest

from ocppgen.codegen.pipeline import DEFAULT_SPEC_DIR
from ocppgen.generated import v16, v21, v201
from ocppgen.runtime.actions import MessageType, Role, VersionSpec
from tests.codegen.helpers import FACTS

ROLES = {"ChargingStation": {Role.CHARGING_STATION}, "CSMS": {Role.CSMS}}
ROLES["Both"] = ROLES["ChargingStation"] | ROLES["CSMS"]


def facts(name: str) -> dict[str, dict[str, str]]:
    with (FACTS / name).open(encoding="utf-8") as handle:
        return {row["action"]: row for row in csv.DictReader(handle)}


def schema_actions(key: str) -> set[str]:
    stems = [p.stem for p in (DEFAULT_SPEC_DIR / key / "schemas").glob("*.json")]
    return {s.removesuffix("Request").removesuffix("Response") for s in stems}


def test_v201_has_64_actions_with_the_facts_initiators() -> None:
    table = facts("messages-2.0.1.csv")
    assert len(v201.ACTIONS) == 64
    assert set(v201.ACTIONS) == set(table) == schema_actions("v201")
    for name, spec in v201.ACTIONS.items():
        assert spec.initiators == ROLES[table[name]["initiator"]], name
        assert spec.functional_block == table[name]["functional_block"], name
        assert spec.use_cases == tuple(u for u in table[name]["use_cases"].split(";") if u), name


def test_v21_is_complete_with_the_facts_initiators() -> None:
    table = facts("messages-2.1.csv")
    assert set(v21.ACTIONS) == set(table) == schema_actions("v21")
    assert len(v21.ACTIONS) == 91
    for name, spec in v21.ACTIONS.items():
        assert spec.initiators == ROLES[table[name]["initiator"]], name
    sends = {n for n, s in v21.ACTIONS.items() if s.message_type is MessageType.SEND}
    assert sends == {"NotifyPeriodicEventStream"}
    stream = v21.ACTIONS["NotifyPeriodicEventStream"]
    assert stream.response is None and stream.request.__name__ == "NotifyPeriodicEventStream"


def test_v16_is_complete_for_its_schema_set() -> None:
    assert set(v16.ACTIONS) == schema_actions("v16")
    assert len(v16.ACTIONS) == 39
    assert v16.ACTIONS["BootNotification"].initiators == {Role.CHARGING_STATION}
    assert v16.ACTIONS["RemoteStartTransaction"].initiators == {Role.CSMS}
    assert v16.ACTIONS["DataTransfer"].initiators == ROLES["Both"]
    assert v16.ACTIONS["SignCertificate"].functional_block == "Security"


@pytest.mark.parametrize("version", [v16.VERSION, v201.VERSION, v21.VERSION], ids=lambda v: v.name)
def test_registry_classes_are_named_after_their_action(version: VersionSpec) -> None:
    for name, spec in version.actions.items():
        assert spec.action == name
        if spec.message_type is MessageType.CALL:
            assert spec.request.__name__ == f"{name}Request"
            assert spec.response is not None and spec.response.__name__ == f"{name}Response"
        assert spec.request.__module__ == f"ocppgen.generated.{version_key(version)}.messages"


def version_key(version: VersionSpec) -> str:
    return "v" + version.name.replace(".", "")


def test_subprotocols() -> None:
    assert [v.subprotocol for v in (v16.VERSION, v201.VERSION, v21.VERSION)] == [
        "ocpp1.6",
        "ocpp2.0.1",
        "ocpp2.1",
    ]
