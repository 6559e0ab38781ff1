"""Issue 15 item 3: meter values and energy are exact decimals, stored as decimal text and read
as `Decimal`, never through float: digits as sent (`2935.600`), multipliers moving the point
(1.5 x 10^3 is exactly 1500), sums exact (0.1 x 10 is 1.0); floats from the runtime's models
are read as the decimal they were sent as; old double columns migrate to text."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.csms.app import Csms
from ocppgen.reference.csms.db import MIGRATIONS_DIR, migrate, open_database
from ocppgen.reference.csms.store import Store
from ocppgen.reference.demo import OperatorClient
from tests.reference.csms.conftest import StationFactory
from tests.reference.csms.helpers import stamp, tx_event
from tests.reference.csms.store_parts import BACKENDS, database_url


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(database_url(request, tmp_path))
    opened.add_station("CS1")
    yield opened
    opened.close()


def _event_text(transaction_id: str, seq_no: int, samples: str) -> str:
    """A TransactionEvent as a station writes it, samples as raw JSON text."""
    return (
        f'{{"eventType":"Updated","timestamp":"{stamp()}","triggerReason":"MeterValuePeriodic",'
        f'"seqNo":{seq_no},"transactionInfo":{{"transactionId":"{transaction_id}"}},'
        f'"meterValue":[{{"timestamp":"{stamp()}","sampledValue":[{samples}]}}]}}'
    )


def _exact(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return parsed


def test_digits_as_sent_stay_as_sent(store: Store) -> None:
    sample = '{"value":2935.600,"unitOfMeasure":{"unit":"Wh"}}'
    answer = store.add_transaction_event("CS1", _exact(_event_text("TX", 0, sample)))
    assert answer is not None and str(answer["energy_wh"]) == "2935.600"
    transaction = store.transaction("CS1", "TX")
    assert transaction is not None
    assert str(transaction["energy_wh"]) == "2935.600"
    assert [str(row["value"]) for row in transaction["meter_values"]] == ["2935.600"]
    payload = store.db.query("SELECT payload FROM transaction_events")[0]["payload"]
    assert '"value":2935.600' in payload  # the event log keeps the number's text too
    assert store.verify_transaction("CS1", "TX") == []  # the rebuild reads it back exactly


@pytest.mark.parametrize("value", ["1.5", "1.50"])
def test_a_multiplier_moves_the_decimal_point(store: Store, value: str) -> None:
    sample = f'{{"value":{value},"unitOfMeasure":{{"unit":"Wh","multiplier":3}}}}'
    answer = store.add_transaction_event("CS1", _exact(_event_text("TX", 0, sample)))
    assert answer is not None and str(answer["energy_wh"]) == "1500"
    transaction = store.transaction("CS1", "TX")
    assert transaction is not None and str(transaction["meter_values"][0]["value"]) == "1500"


def test_kwh_energy_is_exact_wh(store: Store) -> None:
    sample = '{"value":12.3456,"unitOfMeasure":{"unit":"kWh"}}'
    answer = store.add_transaction_event("CS1", _exact(_event_text("TX", 0, sample)))
    assert answer is not None and str(answer["energy_wh"]) == "12345.6"


def test_tenths_sum_to_exactly_one(store: Store) -> None:
    readings = [{"timestamp": stamp(), "sampledValue": [{"value": 0.1}] * 10}]
    store.add_meter_values("CS1", 1, readings)  # floats, as the runtime's models hold them
    values = [row["value"] for row in store.meter_values("CS1")]
    assert [str(value) for value in values] == ["0.1"] * 10
    assert sum(values) == Decimal("1.0")
    assert sum([0.1] * 10) != 1.0  # what summing them as doubles would have given


def test_a_float_is_read_as_the_decimal_it_was_sent_as(store: Store) -> None:
    sent = 2935.6  # a float: what the runtime's model holds
    answer = store.add_transaction_event("CS1", tx_event("TX", 0, energy=sent))
    assert answer is not None and str(answer["energy_wh"]) == "2935.6"
    assert answer["energy_wh"] != Decimal(sent)  # not the binary expansion of the double


async def test_over_a_connection_the_store_and_the_api_read_exact_values(
    csms: Csms, station: StationFactory, api: OperatorClient
) -> None:
    mini = await station("DEC1")
    transaction_id, _ = await mini.start_transaction(1, "T-DEC")
    await mini.meter(1, 2935.6)
    stored = csms.store.transaction("DEC1", transaction_id)
    assert stored is not None and stored["energy_wh"] == Decimal("2935.6")
    status, body = await api.request("GET", f"/api/transactions/DEC1/{transaction_id}")
    assert status == 200 and float(body["energy_wh"]) == 2935.6


def test_doubles_stored_before_migrate_to_decimal_text(tmp_path: Path) -> None:
    old = tmp_path / "migrations"
    old.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[123]_*.sql")):
        shutil.copy(path, old / path.name)
    db = open_database(tmp_path / "old.sqlite3")
    try:
        assert migrate(db, old) == [1, 2, 3]
        db.execute("INSERT INTO stations (id, created_at) VALUES ('CS1', 'x')")
        event = tx_event("TX", 0, "Started", energy=1500)
        db.execute(
            "INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type, "
            "timestamp, trigger_reason, offline, payload, received_at) "
            "VALUES ('CS1', 'TX', 0, 'Started', 't', 'Authorized', 0, ?, 't')",
            (json.dumps(event),),
        )
        db.execute(
            "INSERT INTO meter_values (station_id, transaction_id, seq_no, evse_id, timestamp, "
            "measurand, value, unit) VALUES ('CS1', 'TX', 0, 1, 't', "
            "'Energy.Active.Import.Register', 1500.0, 'Wh')"
        )
        db.execute(
            "INSERT INTO transactions (station_id, transaction_id, state, energy_wh, events, "
            "last_seq_no) VALUES ('CS1', 'TX', 'Started', 1500.0, 1, 0)"
        )
        assert migrate(db)[:2] == [4, 5]  # and any later ones
        assert db.query("SELECT value FROM meter_values")[0]["value"] == "1500.0"
        assert db.query("SELECT energy_wh FROM transactions")[0]["energy_wh"] == "1500.0"
    finally:
        db.close()
    store = Store.open(str(tmp_path / "old.sqlite3"))
    try:
        answer = store.add_transaction_event("CS1", tx_event("TX", 2, energy=1600))
        assert answer is not None and (answer["energy_wh"], answer["events"]) == (1600, 2)
        assert answer["missing_seq_nos"] == [1]
        assert store.verify_transaction("CS1", "TX") == []
    finally:
        store.close()
