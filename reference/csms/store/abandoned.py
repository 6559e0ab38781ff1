"""Abandoned transactions (issue 17 item 4): one EVSE has at most one transaction at a time, so
when a new transaction's first event arrives on an EVSE where an earlier transaction of the same
station is still open (no Ended event), the station has lost or dropped that one (a reboot
without its queue, a lost Ended). The earlier one is ended here as abandoned, with the reason
and the transaction that superseded it, so it neither stays "ongoing" forever nor holds its
idToken (ConcurrentTx) in a CSMS that runs for months. Only transactions that started before the
new one are superseded: a late offline Started of an old transaction abandons nothing.

The columns (`abandoned_at`, `abandoned_reason`, `superseded_by`) are the CSMS's verdict, not
folded from the events: a rebuild of the row from its events keeps them, and an Ended event
that arrives later still ends the transaction as the station says.
"""

from __future__ import annotations

import logging
from typing import Any

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.values import now, sortable_time

__all__ = ["ABANDONED_COLUMNS", "abandonment", "supersede"]

logger = logging.getLogger("ocppgen.reference.csms")

ABANDONED_COLUMNS = ("abandoned_at", "abandoned_reason", "superseded_by")


def supersede(db: Database, station_id: str, event: dict[str, Any]) -> list[str]:
    """End as abandoned the station's open transactions on the EVSE of `event` (the first event
    of a new transaction, not an Ended one) that started before it; return their ids."""
    evse = event.get("evse")
    if evse is None or event["eventType"] == "Ended":
        return []
    new_id = event["transactionInfo"]["transactionId"]
    rows = db.query(
        "SELECT transaction_id FROM transactions WHERE station_id = ? AND evse_id = ? AND "
        "state <> 'Ended' AND abandoned_at IS NULL AND transaction_id <> ? AND started_at < ?",
        (station_id, evse["id"], new_id, sortable_time(event["timestamp"])),
    )
    reason = f"transaction {new_id} started on EVSE {evse['id']} while this one had no Ended event"
    for row in rows:
        db.execute(
            "UPDATE transactions SET abandoned_at = ?, abandoned_reason = ?, superseded_by = ? "
            "WHERE station_id = ? AND transaction_id = ?",
            (now(), reason, new_id, station_id, row["transaction_id"]),
        )
        logger.warning(
            "%s: transaction %s abandoned: %s", station_id, row["transaction_id"], reason
        )
    return [row["transaction_id"] for row in rows]


def abandonment(transaction: dict[str, Any]) -> None:
    """Move a read row's abandonment columns into `abandoned` (None unless abandoned); an
    abandoned transaction without an Ended event reads as state Abandoned."""
    at, reason, by = (transaction.pop(column, None) for column in ABANDONED_COLUMNS)
    transaction["abandoned"] = (
        None if at is None else {"at": at, "reason": reason, "superseded_by": by}
    )
    if at is not None and transaction["state"] != "Ended":
        transaction["state"] = "Abandoned"
