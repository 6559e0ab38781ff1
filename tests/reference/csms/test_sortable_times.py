"""Station-supplied times are stored so that text order is time order.

A station writes `12:00:00Z` for a whole second and `12:00:00.500Z` half a second later; as text
the first sorted last ('Z' > '.'), so a transaction's meter values came back out of time order
whenever a reading fell on a whole second (one CI run in a thousand)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocppgen.generated import v201
from ocppgen.reference.csms.db import (
    MIGRATIONS_DIR,
    Database,
    migrate,
    migrations,
    open_database,
)
from ocppgen.reference.csms.store import Store
from ocppgen.reference.csms.store.values import sortable_time, to_json
from tests.reference.csms.store_parts import BACKENDS, database_url

WHOLE = "2025-01-01T12:00:00Z"


def _wire(moment: datetime) -> str:
    """`moment` as the runtime writes it on the wire."""
    text: str = v201.HeartbeatResponse(current_time=moment).to_json_dict()["currentTime"]
    return text


_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_moments = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=_offsets
)


@given(_moments, _moments)
def test_text_order_is_time_order(first: datetime, second: datetime) -> None:
    a, b = sortable_time(_wire(first)), sortable_time(_wire(second))
    # the wire keeps milliseconds: compare the instants as sent
    sent = [datetime.fromisoformat(_wire(m)).astimezone(UTC) for m in (first, second)]
    assert (a < b) == (sent[0] < sent[1]) and (a == b) == (sent[0] == sent[1])
    assert len(a) == len("2025-01-01T12:00:00.000Z") and a.endswith("Z")


def test_sortable_time_examples() -> None:
    assert sortable_time(WHOLE) == "2025-01-01T12:00:00.000Z"
    assert sortable_time("2025-01-01T12:00:00.5Z") == "2025-01-01T12:00:00.500Z"
    assert sortable_time("2025-01-01T14:00:00.123+02:00") == "2025-01-01T12:00:00.123Z"
    assert sortable_time("2025-01-01T12:00:00") == "2025-01-01T12:00:00.000Z"


def _event(seq: int, event_type: str, at: str, energy: int) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "timestamp": at,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": seq,
        "transactionInfo": {"transactionId": "TX"},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [{"timestamp": at, "sampledValue": [{"value": energy}]}],
    }


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(database_url(request, tmp_path))
    try:
        opened.add_station("CS1")
        yield opened
    finally:
        opened.close()


def test_a_whole_second_sorts_before_the_half_second_after_it(store: Store) -> None:
    store.add_transaction_event("CS1", _event(0, "Started", WHOLE, 0))
    store.add_transaction_event("CS1", _event(1, "Updated", "2025-01-01T12:00:00.500Z", 5))
    store.add_transaction_event("CS1", _event(2, "Updated", "2025-01-01T14:00:01+02:00", 9))
    stored = store.transaction("CS1", "TX")
    assert stored is not None
    assert [m["value"] for m in stored["meter_values"]] == [0, 5, 9]
    assert [m["timestamp"] for m in stored["meter_values"]] == [
        "2025-01-01T12:00:00.000Z",
        "2025-01-01T12:00:00.500Z",
        "2025-01-01T12:00:01.000Z",
    ]
    assert stored["started_at"] == "2025-01-01T12:00:00.000Z"
    assert store.verify_transaction("CS1", "TX") == []


def test_migration_5_rewrites_stored_times_and_rebuilds_summaries(tmp_path: Path) -> None:
    _check_migration_5(str(tmp_path / "old.sqlite3"), tmp_path)


def test_migration_5_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    _check_migration_5(postgres_url, tmp_path)


def _check_migration_5(url: str, tmp_path: Path) -> None:
    old = tmp_path / "migrations"
    old.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1234]_*.sql")):
        shutil.copy(path, old / path.name)
    db = open_database(url)
    try:
        assert migrate(db, old) == [1, 2, 3, 4]
        _write_as_version_4(db)
        assert migrate(db)[:1] == [5]  # and any later ones
        times = db.query("SELECT timestamp FROM meter_values ORDER BY timestamp")
        assert [row["timestamp"] for row in times] == [
            "2025-01-01T12:00:00.000Z",
            "2025-01-01T12:00:00.500Z",
        ]
        row = db.query("SELECT started_at, fold_state FROM transactions")[0]
        assert row == {"started_at": "2025-01-01T12:00:00.000Z", "fold_state": None}
        event_time = db.query("SELECT timestamp FROM transaction_events WHERE seq_no = 0")
        assert event_time[0]["timestamp"] == "2025-01-01T12:00:00.000Z"
        notified = db.query("SELECT timestamp FROM station_events")
        assert notified[0]["timestamp"] == "2025-01-01T10:00:00.000Z"
    finally:
        db.close()
    store = Store.open(url)
    try:
        store.add_transaction_event("CS1", _event(2, "Updated", "2025-01-01T12:00:01Z", 9))
        stored = store.transaction("CS1", "TX")
        assert stored is not None and stored["started_at"] == "2025-01-01T12:00:00.000Z"
        assert [m["value"] for m in stored["meter_values"]] == [0, 5, 9]
        assert store.verify_transaction("CS1", "TX") == []
    finally:
        store.close()


def _write_as_version_4(db: Database) -> None:
    """Rows as the store wrote them before migration 5: the station's own text."""
    db.execute("INSERT INTO stations (id, created_at) VALUES ('CS1', 'x')")
    for seq, at, energy in ((0, WHOLE, 0), (1, "2025-01-01T12:00:00.500Z", 5)):
        event = _event(seq, "Started" if seq == 0 else "Updated", at, energy)
        db.execute(
            "INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type, "
            "timestamp, trigger_reason, offline, payload, received_at) "
            "VALUES ('CS1', 'TX', ?, ?, ?, 'MeterValuePeriodic', 0, ?, 'x')",
            (seq, event["eventType"], at, to_json(event)),
        )
        db.execute(
            "INSERT INTO meter_values (station_id, transaction_id, seq_no, evse_id, timestamp, "
            "measurand, value, unit) VALUES ('CS1', 'TX', ?, 1, ?, "
            "'Energy.Active.Import.Register', ?, 'Wh')",
            (seq, at, str(energy)),
        )
    db.execute(
        "INSERT INTO transactions (station_id, transaction_id, state, started_at, energy_wh, "
        "events, last_seq_no, fold_state) "
        "VALUES ('CS1', 'TX', 'Started', ?, '5', 2, 1, '{}')",
        (WHOLE,),
    )
    db.execute(
        "INSERT INTO station_events (station_id, seq_no, generated_at, event_id, timestamp, "
        "trigger, component, variable, actual_value, event_notification_type, payload, "
        "received_at) VALUES ('CS1', 0, 'x', 1, '2025-01-01T12:00:00+02:00', 'Alerting', "
        "'C', 'V', 'a', 'HardWiredNotification', '{}', 'x')"
    )


def test_a_migration_for_one_engine_only_is_refused(tmp_path: Path) -> None:
    for path in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "0006_half.sqlite.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(ValueError, match=r"migration 0006: one NNNN_name\.sql, or one file per"):
        migrations("sqlite", tmp_path)
    (tmp_path / "0006_half.sqlite.sql").unlink()
    (tmp_path / "0006-bad.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(ValueError, match=r"0006-bad\.sql: migration files are named"):
        migrations("postgresql", tmp_path)
