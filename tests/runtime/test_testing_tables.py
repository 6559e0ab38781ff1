"""runtime/testing: the property tests' tables load and work without pytest, and bind rows right."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocppgen.generated.v201 import proptables as v201
from ocppgen.runtime.actions import Role
from ocppgen.runtime.errors import Fault
from ocppgen.runtime.model import OcppModel
from ocppgen.runtime.testing.tables import Mutation, Tables, load_tables
from tests.runtime.fakeversion import BootNotificationRequest, ChargingStation

# Blocks pytest (importing it then fails) and loads what the conformance tester loads.
_NO_PYTEST = """
import sys
sys.modules["pytest"] = None
import importlib
from ocppgen.conformance.checks import _generated, mutation_rows
for key in ("v16", "v201", "v21"):
    version = importlib.import_module(f"ocppgen.generated.{key}.actions").VERSION
    tables = _generated(version).proptables
    print(version.name, len(tables.MUTATIONS), len(mutation_rows(version, "BootNotification")))
print(sorted(m for m, v in sys.modules.items() if m.startswith(("pytest", "_pytest")) and v))
"""


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_conformance_tables_load_without_pytest() -> None:
    from ocppgen.generated.v16 import proptables as v16
    from ocppgen.generated.v21 import proptables as v21

    done = _python(_NO_PYTEST)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    counts = {line.split()[0]: line.split()[1:] for line in lines[:3]}
    for name, module in (("1.6", v16), ("2.0.1", v201), ("2.1", v21)):
        total, boot = counts[name]
        assert int(total) == len(module.MUTATIONS)
        assert int(boot) > 0  # BootNotificationRequest's own rows land in its request
    assert lines[3] == "[]"  # None of pytest was imported


@pytest.mark.parametrize(("profile", "expected"), [("thorough", "200 25"), ("quick", "5 1")])
def test_hypothesis_profile_sets_the_effort(profile: str, expected: str) -> None:
    code = "from ocppgen.runtime.testing import properties as p\n"
    code += "print(p.EXAMPLES.max_examples, p.MUTATION_EXAMPLES.max_examples)"
    done = _python(code, OCPPGEN_HYPOTHESIS_PROFILE=profile)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected.split()


def test_unknown_hypothesis_profile_is_refused() -> None:
    done = _python(
        "import ocppgen.runtime.testing.properties", OCPPGEN_HYPOTHESIS_PROFILE="fastest"
    )
    assert done.returncode != 0
    assert "OCPPGEN_HYPOTHESIS_PROFILE must be one of ['quick', 'thorough']" in done.stderr


# -- a hand-written table over the fake version's classes -------------------------------------

_STATION = "BootNotificationRequest.json#/definitions/ChargingStationType"
_TEXT = json.dumps(
    {
        "models": [
            ["ChargingStation", _STATION],
            ["BootNotificationRequest", "BootNotificationRequest.json"],
        ],
        "hosts": {
            "ChargingStation": [
                "BootNotificationRequest",
                "BootNotification",
                "request",
                [["chargingStation", "charging_station", False, "ChargingStation"]],
            ],
            "BootNotificationRequest": [
                "BootNotificationRequest",
                "BootNotification",
                "request",
                [],
            ],
        },
        "mutations": [
            # id, model, field, attribute, kind, keyword, fault, value, limit, item, code
            [
                "S.model:maxLength",
                "ChargingStation",
                "model",
                "model",
                "maxLength",
                "maxLength",
                "BAD_VALUE",
                None,
                20,
                False,
                "PropertyConstraintViolation",
            ],
            [
                "S.vendorName:required",
                "ChargingStation",
                "vendorName",
                "vendor_name",
                "required",
                "required",
                "MISSING_PROPERTY",
                None,
                None,
                False,
                "OccurrenceConstraintViolation",
            ],
            [
                "S:additionalProperties",
                "ChargingStation",
                None,
                None,
                "additionalProperties",
                "additionalProperties",
                "UNKNOWN_PROPERTY",
                None,
                None,
                False,
                "ProtocolError",
            ],
            [
                "S.model:type",
                "ChargingStation",
                "model",
                "model",
                "type",
                "type",
                "WRONG_TYPE",
                12,
                None,
                False,
                "TypeConstraintViolation",
            ],
            [
                "S.ids[]:minLength",
                "ChargingStation",
                "ids",
                "ids",
                "minLength",
                "minLength",
                "BAD_VALUE",
                None,
                3,
                True,
                "PropertyConstraintViolation",
            ],
        ],
        "receives": [["CSMS", "BootNotification", "on_boot_notification", False]],
        "not_received": [["ChargingStation", "BootNotification"]],
        "sends": [["ChargingStation", "BootNotification", "boot_notification", False]],
    }
)


def _fake_module() -> ModuleType:
    module = ModuleType("fake")
    module.ChargingStation = ChargingStation  # type: ignore[attr-defined]
    module.BootNotificationRequest = BootNotificationRequest  # type: ignore[attr-defined]
    module.__all__ = ["ChargingStation", "BootNotificationRequest"]  # type: ignore[attr-defined]
    return module


def _no_examples(cls: type[Any], *attributes: str, **strategies: Any) -> Any:
    raise AssertionError("not drawn here")


def _fake_tables() -> Tables:
    return load_tables(
        _TEXT, [_fake_module()], examples_with=_no_examples, unknown_property="zzUnknown"
    )


def test_load_tables_binds_names_to_classes_faults_and_roles() -> None:
    tables = _fake_tables()
    assert tables.models[0] == (ChargingStation, _STATION)
    host = tables.hosts[ChargingStation]
    assert host.message is BootNotificationRequest and host.direction == "request"
    assert [(s.field, s.attribute, s.array, s.model) for s in host.path] == [
        ("chargingStation", "charging_station", False, ChargingStation)
    ]
    assert tables.hosts[BootNotificationRequest].path == ()
    first = tables.mutations[0]
    assert isinstance(first, Mutation) and first.model is ChargingStation
    assert first.fault is Fault.BAD_VALUE and first.limit == 20
    assert tables.schema_of[ChargingStation] == "BootNotificationRequest.json"
    assert tables.receives == ((Role.CSMS, "BootNotification", "on_boot_notification", False),)
    assert tables.not_received == ((Role.CHARGING_STATION, "BootNotification"),)
    assert tables.sends[0][0] is Role.CHARGING_STATION


def test_mutate_breaks_each_kind_of_constraint() -> None:
    tables = _fake_tables()
    rows = {row.kind: row for row in tables.mutations}
    valid = {"model": "M1", "vendorName": "V", "ids": ["abc", "def"]}
    assert tables.mutate(rows["maxLength"], valid)["model"] == "x" * 21
    assert "vendorName" not in tables.mutate(rows["required"], valid)
    assert tables.mutate(rows["additionalProperties"], valid) == {**valid, "zzUnknown": 1}
    assert tables.mutate(rows["type"], valid)["model"] == 12
    assert tables.mutate(rows["minLength"], valid)["ids"] == ["xx", "def"]  # the first item
    assert valid == {"model": "M1", "vendorName": "V", "ids": ["abc", "def"]}  # not touched


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_embed_puts_the_mutated_payload_at_the_host_path(data: st.DataObject) -> None:
    nested = [row for row in v201.MUTATIONS if len(v201.HOSTS[row.model].path) >= 2]
    row = data.draw(st.sampled_from(nested))
    host = v201.HOSTS[row.model]
    target: OcppModel = data.draw(v201.TABLES.examples_with(row.model))
    marker = {"marker": row.id}
    payload, where = v201.embed(host, target, marker, data)
    found: Any = payload
    for key in where:
        found = found[key]
    assert found == marker
    assert [key for key in where if isinstance(key, str)] == [step.field for step in host.path]
