"""Transactions: every TransactionEvent as received, and each transaction's summary row
(tables `transaction_events` and `transactions`; their meter values go to `MeterValueStore`).

A summary row is never edited in place: after every TransactionEvent it is rebuilt from all
stored events of that transaction in seqNo order (`summary.transaction_summary`), so events
that arrive late (offline, E12) or out of order give the same result as events that arrived in
order, and gaps in the seqNo series (0, 1, 2, ...) are listed in `missing_seq_nos`. A repeated
event (same seqNo, e.g. re-sent after a lost answer) is stored once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.meters import MeterValueStore
from ocppgen.reference.csms.store.summary import SUMMARY_COLUMNS, transaction_summary
from ocppgen.reference.csms.store.values import now, to_json

__all__ = ["TransactionStore"]

_KEY = ("station_id", "transaction_id")
_UPSERT_SUMMARY = (
    f"INSERT INTO transactions ({', '.join(_KEY + SUMMARY_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _KEY + SUMMARY_COLUMNS)}) "
    f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in SUMMARY_COLUMNS)
)


class TransactionStore:
    """Transaction events and summaries on one database; meter values through `meters`."""

    def __init__(self, db: Database, meters: MeterValueStore) -> None:
        self.db = db
        self.meters = meters

    def add_transaction_event(
        self, station_id: str, event: Mapping[str, Any], id_token_status: str | None = None
    ) -> bool:
        """Store a TransactionEvent (wire payload) with its meter values and the idTokenInfo
        status we answered for its idToken, and rebuild the transaction; False if this seqNo of
        this transaction was already stored."""
        transaction_id = event["transactionInfo"]["transactionId"]
        seq_no = event["seqNo"]
        with self.db.transaction():
            if not self._insert_event(station_id, event, id_token_status):
                return False
            evse_id = event.get("evse", {}).get("id", 0)
            self.meters.add(
                station_id, evse_id, event.get("meterValue", ()), transaction_id, seq_no
            )
            self._rebuild_transaction(station_id, transaction_id)
        return True

    def _insert_event(
        self, station_id: str, event: Mapping[str, Any], id_token_status: str | None
    ) -> bool:
        inserted = self.db.execute(
            "INSERT INTO transaction_events (station_id, transaction_id, seq_no, event_type, "
            "timestamp, trigger_reason, offline, payload, received_at, id_token_status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (station_id, transaction_id, seq_no) DO NOTHING",
            (
                station_id,
                event["transactionInfo"]["transactionId"],
                event["seqNo"],
                event["eventType"],
                event["timestamp"],
                event["triggerReason"],
                int(bool(event.get("offline", False))),
                to_json(event),
                now(),
                id_token_status,
            ),
        )
        return inserted > 0

    def _rebuild_transaction(self, station_id: str, transaction_id: str) -> None:
        """Write the transaction's summary row anew from everything stored about it."""
        rows = self.db.query(
            "SELECT payload, id_token_status FROM transaction_events WHERE station_id = ? AND "
            "transaction_id = ? ORDER BY seq_no",
            (station_id, transaction_id),
        )
        events = [json.loads(row["payload"]) for row in rows]
        statuses = [row["id_token_status"] for row in rows]
        max_wh, max_kwh = self.meters.max_energy(station_id, transaction_id)
        summary = transaction_summary(events, statuses, max_wh, max_kwh)
        summary["missing_seq_nos"] = to_json(summary["missing_seq_nos"])
        self.db.execute(
            _UPSERT_SUMMARY,
            (station_id, transaction_id, *(summary[column] for column in SUMMARY_COLUMNS)),
        )

    def event_status(self, station_id: str, transaction_id: str, seq_no: int) -> str | None:
        """The idTokenInfo status answered for a stored event (None: not stored, or no idToken)."""
        rows = self.db.query(
            "SELECT id_token_status FROM transaction_events WHERE station_id = ? AND "
            "transaction_id = ? AND seq_no = ?",
            (station_id, transaction_id, seq_no),
        )
        return rows[0]["id_token_status"] if rows else None

    def authorized_transactions(self, id_token: str, token_type: str) -> list[dict[str, Any]]:
        """Ongoing transactions (any station) whose idToken is this one, was answered
        Accepted and is still authorized: what makes a new use of the token ConcurrentTx. A
        transaction stopped by a driver's token, remotely or deauthorized runs on only until
        the cable is out (TxStopPoint): its token is free again."""
        rows = self.db.query(
            "SELECT * FROM transactions t WHERE id_token = ? AND token_type = ? AND "
            "state <> 'Ended' AND id_token_status = 'Accepted' AND NOT EXISTS ("
            "SELECT 1 FROM transaction_events e WHERE e.station_id = t.station_id AND "
            "e.transaction_id = t.transaction_id AND "
            "e.trigger_reason IN ('StopAuthorized', 'RemoteStop', 'Deauthorized')) "
            "ORDER BY started_at, station_id, transaction_id",
            (id_token, token_type),
        )
        return [_transaction(row) for row in rows]

    def transactions(
        self, station_id: str | None = None, *, active: bool | None = None
    ) -> list[dict[str, Any]]:
        """Transaction summaries (of one station, ongoing or ended only) in start order."""
        where: list[str] = []
        params: list[Any] = []
        if station_id is not None:
            where.append("station_id = ?")
            params.append(station_id)
        if active is not None:
            where.append("state <> 'Ended'" if active else "state = 'Ended'")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.query(
            f"SELECT * FROM transactions{clause} ORDER BY started_at, station_id, transaction_id",
            params,
        )
        return [_transaction(row) for row in rows]

    def transaction(self, station_id: str, transaction_id: str) -> dict[str, Any] | None:
        """The transaction with its events (seqNo order) and meter values (time order)."""
        rows = self.db.query(
            "SELECT * FROM transactions WHERE station_id = ? AND transaction_id = ?",
            (station_id, transaction_id),
        )
        if not rows:
            return None
        transaction = _transaction(rows[0])
        transaction["event_log"] = self._event_log(station_id, transaction_id)
        transaction["meter_values"] = self.meters.transaction_meter_values(
            station_id, transaction_id
        )
        return transaction

    def _event_log(self, station_id: str, transaction_id: str) -> list[dict[str, Any]]:
        return [
            {
                "seq_no": row["seq_no"],
                "event_type": row["event_type"],
                "timestamp": row["timestamp"],
                "trigger_reason": row["trigger_reason"],
                "offline": bool(row["offline"]),
                "received_at": row["received_at"],
                "id_token_status": row["id_token_status"],
                "payload": json.loads(row["payload"]),
            }
            for row in self.db.query(
                "SELECT * FROM transaction_events WHERE station_id = ? AND transaction_id = ? "
                "ORDER BY seq_no",
                (station_id, transaction_id),
            )
        ]


def _transaction(row: Mapping[str, Any]) -> dict[str, Any]:
    transaction = dict(row)
    transaction["missing_seq_nos"] = json.loads(transaction["missing_seq_nos"])
    transaction["complete"] = transaction["state"] == "Ended" and not transaction["missing_seq_nos"]
    return transaction
