"""The transaction summary (issue 14 item 1): a pure function of the events and their answered
statuses, with one value per column of the `transactions` table (the per-event fold is
checked against it in test_incremental_transactions.py)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

from ocppgen.reference.csms.store.abandoned import ABANDONED_COLUMNS
from ocppgen.reference.csms.store.summary import (
    SUMMARY_COLUMNS,
    answered_status,
    energy_wh,
    transaction_summary,
)
from ocppgen.reference.csms.store.values import MAX_LISTED_GAPS
from tests.reference.csms.helpers import tx_event
from tests.reference.csms.store_parts import migrated


def test_the_summary_fills_every_column_of_the_transactions_table(tmp_path: Path) -> None:
    with migrated(str(tmp_path / "columns.sqlite3")) as db:
        columns = [row["name"] for row in db.query("PRAGMA table_info(transactions)")]
    assert columns == [
        "station_id",
        "transaction_id",
        *SUMMARY_COLUMNS,
        "fold_state",
        *ABANDONED_COLUMNS,  # the CSMS's verdict, not the events' (store.abandoned)
    ]
    summary = transaction_summary([], [])
    assert sorted(summary) == sorted(SUMMARY_COLUMNS)
    assert (summary["state"], summary["events"], summary["last_seq_no"]) == ("Started", 0, None)


def test_a_complete_transaction() -> None:
    events = [
        tx_event("TX", 0, "Started", idToken={"idToken": "A", "type": "ISO14443"}),
        tx_event(
            "TX",
            1,
            offline=True,
            energy=1500.0,
            transactionInfo={"transactionId": "TX", "chargingState": "Charging"},
        ),
        tx_event("TX", 2, "Ended", idToken={"idToken": "B", "type": "ISO14443"}),
    ]
    summary = transaction_summary(events, ["Accepted", None, "Invalid"])
    assert {k: summary[k] for k in ("id_token", "state", "charging_state", "stopped_reason")} == {
        "id_token": "A",  # B only stopped it (StopAuthorized)
        "state": "Ended",
        "charging_state": "Charging",
        "stopped_reason": "EVDisconnected",
    }
    assert (summary["started_at"], summary["ended_at"]) == (
        events[0]["timestamp"],
        events[2]["timestamp"],
    )
    assert (summary["events"], summary["offline_events"], summary["last_seq_no"]) == (3, 1, 2)
    assert (summary["missing_seq_nos"], summary["energy_wh"]) == ([], 1500.0)
    assert summary["id_token_status"] == "Accepted"  # not the stop token's Invalid


def test_the_order_events_arrived_in_does_not_matter_only_seq_no() -> None:
    events = [tx_event("TX", n, kind) for n, kind in [(0, "Started"), (1, "Updated"), (3, "Ended")]]
    expected = transaction_summary(events, [None] * 3)
    assert expected["missing_seq_nos"] == [2]
    for order in itertools.permutations(events):
        in_seq_order = sorted(order, key=lambda event: event["seqNo"])  # as the store reads them
        assert transaction_summary(in_seq_order, [None] * 3) == expected


def test_gaps_are_listed_up_to_a_limit() -> None:
    events = [tx_event("TX", 2**31 - 1)]
    summary = transaction_summary(events, [None])
    assert summary["missing_seq_nos"] == list(range(MAX_LISTED_GAPS))


def test_answered_status_and_energy() -> None:
    stop = tx_event("TX", 1, "Ended")
    start = tx_event("TX", 0, "Started")
    assert answered_status([start, stop], ["Accepted", "Blocked"]) == "Accepted"
    assert answered_status([start, stop], [None, "Blocked"]) is None
    assert energy_wh(None, None) is None
    assert energy_wh(Decimal(12), Decimal(99)) == 12  # a Wh reading wins over a kWh one
    assert str(energy_wh(None, Decimal("1.5"))) == "1.5E+3"  # the point moved, exactly
    assert energy_wh(None, Decimal("1E+306")) is None  # past the largest double: none, never inf
