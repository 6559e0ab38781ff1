"""MeterValueStore alone (issue 14 item 1): samples as rows, and a transaction's energy."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.csms.store.meters import MeterValueStore
from ocppgen.reference.csms.store.summary import energy_readings
from tests.reference.csms.store_parts import BACKENDS, add_station, database_url, migrated

AT = "2025-01-01T10:00:00.000Z"


@pytest.fixture(params=BACKENDS)
def meters(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MeterValueStore]:
    with migrated(database_url(request, tmp_path)) as db:
        add_station(db, "CS1")
        yield MeterValueStore(db)


def _reading(value: float, **sample: Any) -> dict[str, Any]:
    return {"timestamp": AT, "sampledValue": [{"value": value, **sample}]}


def test_values_outside_transactions(meters: MeterValueStore) -> None:
    meters.add_meter_values(
        "CS1",
        2,
        [
            _reading(1.5, unitOfMeasure={"unit": "kWh", "multiplier": 1}),
            _reading(1.0, unitOfMeasure={"multiplier": 2**31 - 1}),  # not a double: left out
            _reading(230.0, measurand="Voltage", phase="L1"),
        ],
    )
    meters.add("CS1", 1, [_reading(5.0)], "TX", 0)  # a transaction's: not listed here
    assert meters.meter_values("CS1") == [
        {
            "evse_id": 2,
            "timestamp": AT,
            "measurand": "Energy.Active.Import.Register",
            "phase": None,
            "location": None,
            "context": None,
            "value": 15.0,
            "unit": "kWh",
        },
        {
            "evse_id": 2,
            "timestamp": AT,
            "measurand": "Voltage",
            "phase": "L1",
            "location": None,
            "context": None,
            "value": 230.0,
            "unit": None,
        },
    ]
    assert [row["value"] for row in meters.transaction_meter_values("CS1", "TX")] == [5.0]


def test_a_transactions_energy_readings(meters: MeterValueStore) -> None:
    assert energy_readings([]) == (None, None)
    found = meters.add(
        "CS1",
        1,
        [
            _reading(100.0),  # no unit: Wh
            _reading(300.0, unitOfMeasure={"unit": "Wh"}),
            _reading(900.0, phase="L1"),  # a phase's reading is not the total
            _reading(2.0, unitOfMeasure={"unit": "kWh"}),
            _reading(5000.0, measurand="Power.Active.Import"),
        ],
        "TX",
        0,
    )
    assert energy_readings(found) == (Decimal("300.0"), Decimal("2.0"))
    assert [str(s.value) for s in found] == ["100.0", "300.0", "900.0", "2.0", "5000.0"]
