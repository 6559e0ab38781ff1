"""Transactions: every TransactionEvent as received, and each transaction's summary row
(tables `transaction_events`, `transactions` and `transaction_gaps`; their meter values go to
`MeterValueStore`).

Each TransactionEvent updates its transaction's row in constant work, whatever the
transaction's length: the event is folded into the row's fold state (`summary.fold`) and the
seqNo gaps are kept as ranges (`transaction_gaps`: a range per gap, split when a late event
fills part of it), so events that arrive late (offline, E12) or out of order give the same row
as events that arrived in order, and gaps in the seqNo series (0, 1, 2, ...) are listed in
`missing_seq_nos`. A repeated event (same seqNo, e.g. re-sent after a lost answer) is stored
once. `rebuild_transaction` writes a row anew from all its stored events with the reference
`summary.transaction_summary` (repair; also done once for a row written before the fold
existed) and `verify_transaction` says which columns the row and the reference disagree on.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.abandoned import ABANDONED_COLUMNS, abandonment, supersede
from ocppgen.reference.csms.store.folds import FoldCache, Folded
from ocppgen.reference.csms.store.meters import MeterValueStore, Sample, samples
from ocppgen.reference.csms.store.summary import (
    SUMMARY_COLUMNS,
    FoldState,
    fold,
    folded_summary,
    new_fold_state,
    transaction_summary,
)
from ocppgen.reference.csms.store.values import (
    MAX_LISTED_GAPS,
    decimal_text,
    gap_ranges,
    listed_gaps,
    now,
    sortable_time,
    to_json,
)

__all__ = ["TransactionStore"]

_KEY = ("station_id", "transaction_id")
_STORED = (*SUMMARY_COLUMNS, "fold_state")
_UPSERT_SUMMARY = (
    f"INSERT INTO transactions ({', '.join(_KEY + _STORED)}) "
    f"VALUES ({', '.join('?' for _ in _KEY + _STORED)}) "
    f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{column} = excluded.{column}" for column in _STORED)
)
_ROW = ", ".join(_KEY + SUMMARY_COLUMNS + ABANDONED_COLUMNS)
"""The columns a transaction is read with (not its fold state, which is the store's)."""
_OPEN = "state <> 'Ended' AND abandoned_at IS NULL"
_OF_TRANSACTION = "station_id = ? AND transaction_id = ?"


class TransactionStore:
    """Transaction events and summaries on one database; meter values through `meters`."""

    def __init__(self, db: Database, meters: MeterValueStore) -> None:
        self.db = db
        self.meters = meters
        self._folds = FoldCache()
        """The fold state of rows this store wrote last (see `folds`): no read per event."""

    def forget_cached(self) -> None:
        """Drop the cached fold states (e.g. after a rolled-back batch; a stale one would only
        cost a retry, see `folds`)."""
        self._folds.forget()

    def add_transaction_event(
        self,
        station_id: str,
        event: Mapping[str, Any],
        id_token_status: str | None = None,
        *,
        text: str | None = None,
    ) -> dict[str, Any] | None:
        """Store a TransactionEvent (wire payload; numbers floats or Decimals) with its meter
        values and the idTokenInfo status we answered for its idToken, and fold it into the
        transaction; return the transaction's summary as `transactions` lists it, or None if
        this seqNo of this transaction was already stored. `text`: the payload's JSON text,
        when the caller has it, stored as it is instead of serialising `event` again."""
        key = (station_id, event["transactionInfo"]["transactionId"])
        found = list(samples(event.get("meterValue", ())))
        cached = self._folds.take(key)
        try:
            return self._add(key, event, id_token_status, text, found, cached)
        except _Stale:  # the row changed behind the cache: its writes were undone
            return self._add(key, event, id_token_status, text, found, None)

    def _add(
        self,
        key: tuple[str, str],
        event: Mapping[str, Any],
        id_token_status: str | None,
        text: str | None,
        found: list[Sample],
        cached: Folded | None,
    ) -> dict[str, Any] | None:
        station_id, transaction_id = key
        seq_no = event["seqNo"]
        with self.db.transaction():
            if not self._insert_event(station_id, event, id_token_status, text):
                if cached is not None:
                    self._folds.put(key, cached)  # the row is as it was
                return None
            evse_id = event.get("evse", {}).get("id", 0)
            self.meters.insert(station_id, evse_id, found, transaction_id, seq_no)
            previous = cached
            if previous is None:
                rows = self.db.query(
                    f"SELECT fold_state, missing_seq_nos FROM transactions WHERE {_OF_TRANSACTION}",
                    key,
                )
                if rows and rows[0]["fold_state"] is None:  # written before the fold existed
                    return self.rebuild_transaction(station_id, transaction_id)
                if not rows:  # a new transaction: one EVSE, one transaction (`abandoned`)
                    supersede(self.db, station_id, dict(event))
                previous = _folded(rows[0]) if rows else None
            # a copy: `fold` replaces the state's values, never changes them in place
            state = dict(previous.state) if previous is not None else new_fold_state()
            highest = state["last"]
            fold(state, event, id_token_status, found)
            if self._track_gaps(station_id, transaction_id, seq_no, highest):
                missing = self._listed_gaps(station_id, transaction_id)
            else:
                missing = previous.missing if previous is not None else []
            summary = folded_summary(state, missing)
            written = Folded(state, to_json(state), missing, _stored(summary))
            if not self._write(key, written, cached):
                raise _Stale
        if summary["state"] != "Ended":  # late events after the end are rare: read the row
            self._folds.put(key, written)
        return _answer(station_id, transaction_id, summary)

    def _insert_event(
        self,
        station_id: str,
        event: Mapping[str, Any],
        id_token_status: str | None,
        text: str | None,
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
                sortable_time(event["timestamp"]),
                event["triggerReason"],
                int(bool(event.get("offline", False))),
                to_json(event) if text is None else text,
                now(),
                id_token_status,
            ),
        )
        return inserted > 0

    def _track_gaps(
        self, station_id: str, transaction_id: str, seq_no: int, highest: int | None
    ) -> bool:
        """Update the gap ranges for a new seqNo (`highest`: the highest before it); whether
        they changed. Past the highest it may open a gap; below it, it fills part of one."""
        if seq_no < 0:  # gaps are counted from 0
            return False
        key = (station_id, transaction_id)
        if highest is None or seq_no > highest:
            first = 0 if highest is None or highest < 0 else highest + 1
            if first > seq_no - 1:
                return False
            self._insert_gap(key, first, seq_no - 1)
            return True
        rows = self.db.query(
            f"SELECT first_seq, last_seq FROM transaction_gaps WHERE {_OF_TRANSACTION} AND "
            "first_seq <= ? ORDER BY first_seq DESC LIMIT 1",
            (*key, seq_no),
        )
        if not rows or rows[0]["last_seq"] < seq_no:
            return False  # not in a gap: only a damaged range table gets here (verify)
        first, last = rows[0]["first_seq"], rows[0]["last_seq"]
        self.db.execute(
            f"DELETE FROM transaction_gaps WHERE {_OF_TRANSACTION} AND first_seq = ?",
            (*key, first),
        )
        if first < seq_no:
            self._insert_gap(key, first, seq_no - 1)
        if seq_no < last:
            self._insert_gap(key, seq_no + 1, last)
        return True

    def _insert_gap(self, key: tuple[str, str], first: int, last: int) -> None:
        self.db.execute(
            "INSERT INTO transaction_gaps (station_id, transaction_id, first_seq, last_seq) "
            "VALUES (?, ?, ?, ?)",
            (*key, first, last),
        )

    def _gap_ranges(
        self, station_id: str, transaction_id: str, limit: int | None = None
    ) -> list[tuple[int, int]]:
        rows = self.db.query(
            f"SELECT first_seq, last_seq FROM transaction_gaps WHERE {_OF_TRANSACTION} "
            f"ORDER BY first_seq{'' if limit is None else f' LIMIT {int(limit)}'}",
            (station_id, transaction_id),
        )
        return [(row["first_seq"], row["last_seq"]) for row in rows]

    def _listed_gaps(self, station_id: str, transaction_id: str) -> list[int]:
        return listed_gaps(self._gap_ranges(station_id, transaction_id, MAX_LISTED_GAPS))

    def _write(self, key: tuple[str, str], row: Folded, cached: Folded | None = None) -> bool:
        """Write the row; over a `cached` one, only the columns that changed and only if the
        row's fold state is still the cached text. Whether it was written."""
        columns = row.columns
        if cached is None:
            values = (*(columns[column] for column in SUMMARY_COLUMNS), row.text)
            self.db.execute(_UPSERT_SUMMARY, (*key, *values))
            return True
        old = cached.columns
        changed = tuple(column for column in SUMMARY_COLUMNS if columns[column] != old[column])
        values = (*(columns[column] for column in changed), row.text, *key, cached.text)
        return self.db.execute(_update_sql(changed), values) > 0

    # -- the reference: rebuild and verify ------------------------------------------------------

    def _events(
        self, station_id: str, transaction_id: str
    ) -> tuple[list[dict[str, Any]], list[str | None]]:
        """The transaction's stored payloads in seqNo order (numbers as exact as stored) and
        the statuses answered for them."""
        rows = self.db.query(
            "SELECT payload, id_token_status FROM transaction_events WHERE "
            f"{_OF_TRANSACTION} ORDER BY seq_no",
            (station_id, transaction_id),
        )
        events = [json.loads(row["payload"], parse_float=Decimal) for row in rows]
        return events, [row["id_token_status"] for row in rows]

    def _reference(
        self, station_id: str, transaction_id: str
    ) -> tuple[dict[str, Any], FoldState, list[tuple[int, int]]] | None:
        """The summary, fold state and gap ranges all the stored events give (None: none)."""
        events, statuses = self._events(station_id, transaction_id)
        if not events:
            return None
        state = new_fold_state()
        for event, status in zip(events, statuses, strict=True):
            fold(state, event, status, samples(event.get("meterValue", ())))
        ranges = gap_ranges(event["seqNo"] for event in events)
        return transaction_summary(events, statuses), state, ranges

    def rebuild_transaction(self, station_id: str, transaction_id: str) -> dict[str, Any] | None:
        """Write the transaction's row and gap ranges anew from all its stored events (the
        reference summary; cost grows with the transaction: a repair tool). Return the
        summary as `add_transaction_event` does; None for a transaction without events."""
        with self.db.transaction():
            reference = self._reference(station_id, transaction_id)
            if reference is None:
                return None
            summary, state, ranges = reference
            self.db.execute(
                f"DELETE FROM transaction_gaps WHERE {_OF_TRANSACTION}",
                (station_id, transaction_id),
            )
            for first, last in ranges:
                self._insert_gap((station_id, transaction_id), first, last)
            self._write(
                (station_id, transaction_id), Folded(state, to_json(state), [], _stored(summary))
            )
            self._folds.forget((station_id, transaction_id))
        return _answer(station_id, transaction_id, summary)

    def verify_transaction(self, station_id: str, transaction_id: str) -> list[str]:
        """The columns (and `gaps`, for the range table) where the stored transaction differs
        from what a rebuild would write; empty when they agree."""
        reference = self._reference(station_id, transaction_id)
        rows = self.db.query(
            f"SELECT {', '.join(_STORED)} FROM transactions WHERE {_OF_TRANSACTION}",
            (station_id, transaction_id),
        )
        if reference is None or not rows:
            return [] if reference is None and not rows else ["transaction"]
        summary, state, ranges = reference
        expected = {**_stored(summary), "fold_state": to_json(state)}
        differ = [column for column in _STORED if rows[0][column] != expected[column]]
        if self._gap_ranges(station_id, transaction_id) != ranges:
            differ.append("gaps")
        return differ

    # -- reads ----------------------------------------------------------------------------------

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
        columns = ", ".join(f"t.{column}" for column in _KEY + SUMMARY_COLUMNS + ABANDONED_COLUMNS)
        rows = self.db.query(
            f"SELECT {columns} FROM transactions t WHERE id_token = ? AND token_type = ? AND "
            f"{_OPEN} AND id_token_status = 'Accepted' AND NOT EXISTS ("
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
        """Transaction summaries (of one station, ongoing or ended only: an abandoned one is
        ended) in start order."""
        where: list[str] = []
        params: list[Any] = []
        if station_id is not None:
            where.append("station_id = ?")
            params.append(station_id)
        if active is not None:
            where.append(_OPEN if active else f"NOT ({_OPEN})")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.query(
            f"SELECT {_ROW} FROM transactions{clause} "
            "ORDER BY started_at, station_id, transaction_id",
            params,
        )
        return [_transaction(row) for row in rows]

    def transaction(self, station_id: str, transaction_id: str) -> dict[str, Any] | None:
        """The transaction with its events (seqNo order) and meter values (time order)."""
        rows = self.db.query(
            f"SELECT {_ROW} FROM transactions WHERE {_OF_TRANSACTION}",
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


def _text(energy: Decimal | None) -> str | None:
    return None if energy is None else decimal_text(energy)


def _stored(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary's columns as the table holds them (gaps as JSON, energy as decimal text)."""
    return {
        **summary,
        "missing_seq_nos": to_json(summary["missing_seq_nos"]),
        "energy_wh": _text(summary["energy_wh"]),
    }


def _folded(row: Mapping[str, Any]) -> Folded:
    """The fold state and gaps of a row read back (its columns are rewritten whole)."""
    text = row["fold_state"]
    return Folded(json.loads(text), text, json.loads(row["missing_seq_nos"]), {})


@functools.lru_cache(maxsize=64)
def _update_sql(changed: tuple[str, ...]) -> str:
    """UPDATE of the changed columns and the fold state, where the fold state is as cached.
    (Setting only what changed spares SQLite the token index for most events.)"""
    assignments = "".join(f"{column} = ?, " for column in changed)
    return (
        f"UPDATE transactions SET {assignments}fold_state = ? "
        "WHERE station_id = ? AND transaction_id = ? AND fold_state = ?"
    )


class _Stale(Exception):
    """The row's fold state is not the cached one (see `folds`)."""


def _answer(station_id: str, transaction_id: str, summary: dict[str, Any]) -> dict[str, Any]:
    """A summary just written, as `transactions` would read it back (without the JSON and
    decimal text round trip the columns make)."""
    transaction = {"station_id": station_id, "transaction_id": transaction_id, **summary}
    transaction["missing_seq_nos"] = list(summary["missing_seq_nos"])
    energy = summary["energy_wh"]
    transaction["energy_wh"] = None if energy is None else Decimal(decimal_text(energy))
    transaction["complete"] = transaction["state"] == "Ended" and not summary["missing_seq_nos"]
    abandonment(transaction)  # the same keys; the abandonment columns are not read here
    return transaction


def _transaction(row: Mapping[str, Any]) -> dict[str, Any]:
    transaction = dict(row)
    transaction["missing_seq_nos"] = json.loads(transaction["missing_seq_nos"])
    energy = transaction["energy_wh"]
    transaction["energy_wh"] = None if energy is None else Decimal(energy)
    transaction["complete"] = transaction["state"] == "Ended" and not transaction["missing_seq_nos"]
    abandonment(transaction)
    return transaction
