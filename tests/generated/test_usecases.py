"""The generated use-case scenarios agree with the use-case table and the action registry."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import pytest

from ocppgen.runtime.actions import Role

SPEC = Path(__file__).resolve().parents[2] / "spec"


@pytest.mark.parametrize("key", ["v16", "v201", "v21"])
def test_use_cases_follow_the_table_in_order(key: str) -> None:
    usecases = importlib.import_module(f"ocppgen.generated.{key}.usecases")
    actions = importlib.import_module(f"ocppgen.generated.{key}.actions").ACTIONS
    with (SPEC / key / "usecases.csv").open(encoding="utf-8-sig", newline="") as table:
        rows = list(csv.DictReader(table))
    assert list(usecases.USE_CASES) == sorted(row["id"] for row in rows)
    for row in rows:
        use_case = usecases.USE_CASES[row["id"]]
        assert use_case.name == row["name"]
        assert use_case.initiator is Role(row["initiator"])
        assert use_case.core == (row["core"] == "yes")
        assert list(use_case.actions) == [m for m in row["messages"].split(";") if m]
        for step in use_case.steps:
            assert step.initiators == actions[step.action].initiators
            assert step.message_type is actions[step.action].message_type


def test_cold_boot_is_three_station_initiated_calls() -> None:
    from ocppgen.generated.v201.usecases import USE_CASES

    b01 = USE_CASES["B01"]
    assert b01.actions == ("BootNotification", "StatusNotification", "Heartbeat")
    assert all(step.initiators == {Role.CHARGING_STATION} for step in b01.steps)
