"""The in-memory fold states (`store.folds`): an event of a cached transaction reads no row,
and a row changed behind the cache (a rolled-back batch, a station deleted with its
transactions, a rebuild) gives the same summary a rebuild does; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.store.meters import MeterValueStore
from ocppgen.reference.csms.store.transactions import TransactionStore
from tests.reference.csms.helpers import tx_event
from tests.reference.csms.store_parts import BACKENDS, add_station, database_url, migrated


@pytest.fixture(params=BACKENDS)
def transactions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TransactionStore]:
    with migrated(database_url(request, tmp_path)) as db:
        add_station(db, "CS1")
        yield TransactionStore(db, MeterValueStore(db))


def test_an_event_after_a_rolled_back_batch_folds_from_the_row(
    transactions: TransactionStore,
) -> None:
    transactions.add_transaction_event("CS1", tx_event("R", 0, "Started", energy=10))
    transactions.add_transaction_event("CS1", tx_event("R", 1, energy=20))
    db = transactions.db
    db.begin()  # a group commit batch whose COMMIT failed
    transactions.add_transaction_event("CS1", tx_event("R", 2, energy=9999))
    db.rollback()
    answer = transactions.add_transaction_event("CS1", tx_event("R", 3, energy=40))
    assert answer is not None
    assert (answer["events"], answer["energy_wh"], answer["missing_seq_nos"]) == (3, 40, [2])
    assert transactions.verify_transaction("CS1", "R") == []


def test_a_transaction_deleted_with_its_station_starts_anew(
    transactions: TransactionStore,
) -> None:
    transactions.add_transaction_event("CS1", tx_event("D", 0, "Started", energy=10))
    transactions.add_transaction_event("CS1", tx_event("D", 1, energy=500))
    db = transactions.db
    db.execute("DELETE FROM stations WHERE id = 'CS1'")  # ON DELETE CASCADE
    add_station(db, "CS1")
    answer = transactions.add_transaction_event("CS1", tx_event("D", 1, energy=30))
    assert answer is not None
    assert (answer["events"], answer["energy_wh"], answer["missing_seq_nos"]) == (1, 30, [0])
    assert transactions.verify_transaction("CS1", "D") == []


def test_a_row_rewritten_behind_the_cache_is_read_again(
    transactions: TransactionStore,
) -> None:
    transactions.add_transaction_event("CS1", tx_event("W", 0, "Started", energy=10))
    transactions.add_transaction_event("CS1", tx_event("W", 1, energy=20))
    db = transactions.db
    # a repair by another writer (its own store, its own cache): the row of event 0 only
    db.execute("DELETE FROM transaction_events WHERE transaction_id = 'W' AND seq_no = 1")
    db.execute("DELETE FROM meter_values WHERE transaction_id = 'W' AND seq_no = 1")
    assert TransactionStore(db, MeterValueStore(db)).rebuild_transaction("CS1", "W")
    answer = transactions.add_transaction_event("CS1", tx_event("W", 2, energy=15))
    assert answer is not None
    assert (answer["events"], answer["energy_wh"], answer["missing_seq_nos"]) == (2, 15, [1])
    assert transactions.verify_transaction("CS1", "W") == []


def test_only_changed_columns_are_written_and_they_read_back(
    transactions: TransactionStore,
) -> None:
    token = {"idToken": "T1", "type": "ISO14443"}
    transactions.add_transaction_event(
        "CS1", tx_event("C", 0, "Started", energy=10, idToken=token), "Accepted"
    )
    transactions.add_transaction_event("CS1", tx_event("C", 1, energy=10))  # energy the same
    ended = transactions.add_transaction_event("CS1", tx_event("C", 2, "Ended", energy=25))
    [listed] = transactions.transactions("CS1")
    assert ended is not None and listed == ended
    assert (listed["state"], listed["energy_wh"], listed["id_token"]) == ("Ended", 25, "T1")
    assert transactions.verify_transaction("CS1", "C") == []


def test_the_cache_is_bounded_and_forgets_ended_transactions(
    transactions: TransactionStore,
) -> None:
    transactions._folds.size = 3
    for n in range(5):
        transactions.add_transaction_event("CS1", tx_event(f"B{n}", 0, "Started"))
    assert len(transactions._folds) == 3
    transactions.add_transaction_event("CS1", tx_event("B4", 1, "Ended"))
    assert len(transactions._folds) == 2
    for n in range(5):  # the forgotten ones read their row
        answer = transactions.add_transaction_event("CS1", tx_event(f"B{n}", 2))
        assert answer is not None and answer["events"] == (3 if n == 4 else 2)
        assert transactions.verify_transaction("CS1", f"B{n}") == []
