"""TransactionStore alone (issue 14 item 1): events stored once, the summary row the same
whatever order they arrive in (folded per event, issue 15 item 1; the fold against the rebuild
is in test_incremental_transactions.py), the event log, and which transactions hold a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ocppgen.reference.csms.store.meters import MeterValueStore
from ocppgen.reference.csms.store.transactions import TransactionStore
from tests.reference.csms.helpers import tx_event
from tests.reference.csms.store_parts import BACKENDS, add_station, database_url, migrated

TOKEN = {"idToken": "T1", "type": "ISO14443"}


@pytest.fixture(params=BACKENDS)
def transactions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TransactionStore]:
    with migrated(database_url(request, tmp_path)) as db:
        add_station(db, "CS1")
        add_station(db, "CS2")
        yield TransactionStore(db, MeterValueStore(db))


def _session(transaction_id: str) -> list[dict[str, Any]]:
    return [
        tx_event(transaction_id, 0, "Started", idToken=TOKEN, energy=10),
        tx_event(transaction_id, 1, energy=250, offline=True),
        tx_event(transaction_id, 2, "Ended", energy=700, at=1),
    ]


def _renamed(event: dict[str, Any], transaction_id: str) -> dict[str, Any]:
    return {
        **event,
        "transactionInfo": {**event["transactionInfo"], "transactionId": transaction_id},
    }


def _row(transactions: TransactionStore, station_id: str, transaction_id: str) -> dict[str, Any]:
    transaction = transactions.transaction(station_id, transaction_id)
    assert transaction is not None
    return {k: v for k, v in transaction.items() if k not in ("event_log", "meter_values")}


def test_events_out_of_order_give_the_same_summary(transactions: TransactionStore) -> None:
    session = _session("IN")
    for event in session:
        assert transactions.add_transaction_event("CS1", event, "Accepted")
    late_first = [_renamed(event, "OUT") for event in session]  # the same times
    for event in (late_first[2], late_first[0]):
        transactions.add_transaction_event("CS1", event, "Accepted")
    assert _row(transactions, "CS1", "OUT")["missing_seq_nos"] == [1]
    assert _row(transactions, "CS1", "OUT")["complete"] is False
    transactions.add_transaction_event("CS1", late_first[1], "Accepted")
    in_order, out_of_order = _row(transactions, "CS1", "IN"), _row(transactions, "CS1", "OUT")
    assert in_order == {**out_of_order, "transaction_id": "IN"}
    assert (in_order["state"], in_order["complete"], in_order["energy_wh"]) == (
        "Ended",
        True,
        700.0,
    )
    assert (in_order["events"], in_order["offline_events"], in_order["id_token"]) == (3, 1, "T1")


def test_a_repeated_event_is_stored_once(transactions: TransactionStore) -> None:
    started = tx_event("TX", 0, "Started", idToken=TOKEN, energy=10)
    assert transactions.add_transaction_event("CS1", started, "Accepted")
    assert not transactions.add_transaction_event("CS1", started, "Blocked")
    transaction = transactions.transaction("CS1", "TX")
    assert transaction is not None
    assert [e["seq_no"] for e in transaction["event_log"]] == [0]
    assert transaction["event_log"][0]["payload"] == started
    assert [m["value"] for m in transaction["meter_values"]] == [10.0]
    assert transactions.event_status("CS1", "TX", 0) == "Accepted"  # the first answer stays
    assert transactions.event_status("CS1", "TX", 1) is None
    assert transactions.transaction("CS1", "NONE") is None


def test_which_ongoing_transactions_hold_a_token(transactions: TransactionStore) -> None:
    transactions.add_transaction_event(
        "CS1", tx_event("A", 0, "Started", idToken=TOKEN), "Accepted"
    )
    transactions.add_transaction_event("CS2", tx_event("B", 0, "Started", idToken=TOKEN), "Blocked")
    transactions.add_transaction_event(  # EVSE 2: on EVSE 1 it would supersede B
        "CS2", tx_event("C", 0, "Started", idToken=TOKEN, at=1, evse={"id": 2}), "Accepted"
    )
    held = transactions.authorized_transactions("T1", "ISO14443")
    assert [(t["station_id"], t["transaction_id"]) for t in held] == [("CS1", "A"), ("CS2", "C")]
    # stopped remotely: runs on until the cable is out, but no longer holds the token
    transactions.add_transaction_event("CS2", tx_event("C", 1, triggerReason="RemoteStop"))
    transactions.add_transaction_event("CS1", tx_event("A", 1, "Ended"))
    assert transactions.authorized_transactions("T1", "ISO14443") == []
    assert [t["transaction_id"] for t in transactions.transactions(active=True)] == ["B", "C"]
    assert [t["transaction_id"] for t in transactions.transactions("CS1")] == ["A"]
    assert [t["transaction_id"] for t in transactions.transactions(active=False)] == ["A"]
