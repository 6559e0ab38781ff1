"""A persistent outbound queue (SQLite) for the messages a station sends on its own.

Every station-initiated message except BootNotification, Heartbeat and Authorize (which are
sent directly and whose answers the caller awaits) goes through one `Outbox`, in order:

- *persistent* entries (TransactionEvent, NotifyEvent) survive disconnects and process
  restarts, and are retried per the TransactionEvent MessageAttempts settings; the
  sequence number of a transaction is taken from the same SQLite transaction that stores the
  message, so seqNo stays continuous across crashes;
- *volatile* entries (StatusNotification, MeterValues) are dropped on disconnect and at start
  (the station re-reports current status on reconnect, as B04 asks). NotifyEvent is persistent
  because N07.FR.04 has events raised offline sent once back online; with
  OCPPCommCtrlr.QueueAllMessages true the station queues StatusNotification and MeterValues as
  persistent entries too, offline included.

`put_front` queues a batch ahead of everything already waiting: the status report a station
sends when it comes (back) online goes before the messages it queued while offline.

`Outbox.run(...)` delivers the head entry when the station is online, deletes it once the CSMS
has answered, and only then moves on: one message at a time, in order. A CALLERROR, an invalid
answer or a timeout counts as a failed attempt (persistent entries are retried after
`MessageAttemptInterval * attempts`, up to `MessageAttempts` attempts, then dropped, E13); a
lost connection does not count and the entry waits for the next connection.

Delivery is at-least-once across a crash: an entry whose answer arrived but whose deletion did
not reach the disk (the process died in between) is sent again after the restart, with the
same payload (same transactionId and seqNo), which is how the CSMS recognises it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocppgen.generated import v201
from ocppgen.runtime.endpoint import Disconnected, OcppConnection
from ocppgen.runtime.errors import CallTimeout, InvalidResultError, RemoteCallError
from ocppgen.runtime.model import OcppModel

__all__ = ["DeliveryPolicy", "Entry", "Outbox", "open_db"]

logger = logging.getLogger("ocppgen.reference.station")


def open_db(path: str | Path) -> sqlite3.Connection:
    """The station's SQLite file (autocommit; `Outbox.atomic` groups writes). Missing parent
    folders are created (SQLite would only say "unable to open database file")."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    action: str
    payload: dict[str, Any]
    persistent: bool
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """Retry settings, read before every attempt (they are device-model variables)."""

    attempts: Callable[[], int]  # OCPPCommCtrlr.MessageAttempts[TransactionEvent]
    interval: Callable[[], float]  # OCPPCommCtrlr.MessageAttemptInterval[...], seconds


class Outbox:
    """See the module docstring."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        with self.atomic():
            db.execute(
                "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "action TEXT NOT NULL, payload TEXT NOT NULL, persistent INTEGER NOT NULL, "
                "attempts INTEGER NOT NULL DEFAULT 0)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS seq (transaction_id TEXT PRIMARY KEY, "
                "next INTEGER NOT NULL)"
            )
            db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("DELETE FROM outbox WHERE persistent = 0")
        self._wakeup = asyncio.Event()
        self.delivered = 0
        self.dropped: list[Entry] = []

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One SQLite transaction (nested use joins the outer one)."""
        if self._db.in_transaction:
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- state kept next to the queue ---------------------------------------------------------

    def load_state(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def save_state(self, key: str, value: Any) -> None:
        if value is None:
            self._db.execute("DELETE FROM state WHERE key = ?", (key,))
        else:
            self._db.execute(
                "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    # -- the queue -----------------------------------------------------------------------------

    def put(self, action: str, payload: dict[str, Any], *, persistent: bool) -> int:
        cursor = self._db.execute(
            "INSERT INTO outbox (action, payload, persistent) VALUES (?, ?, ?)",
            (action, json.dumps(payload), int(persistent)),
        )
        self._wakeup.set()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def put_front(self, items: list[tuple[str, dict[str, Any]]], *, persistent: bool) -> None:
        """Queue `(action, payload)` items, in their order, ahead of every waiting entry."""
        if not items:
            return
        with self.atomic() as db:
            # Ids just below the head (may go negative). On an empty queue they sit below 1;
            # AUTOINCREMENT still gives every later `put` an id above all of them.
            head = db.execute("SELECT COALESCE(MIN(id), 1) FROM outbox").fetchone()[0]
            start = int(head) - len(items)
            for offset, (action, payload) in enumerate(items):
                db.execute(
                    "INSERT INTO outbox (id, action, payload, persistent) VALUES (?, ?, ?, ?)",
                    (start + offset, action, json.dumps(payload), int(persistent)),
                )
        self._wakeup.set()

    def next_seq_no(self, transaction_id: str) -> int:
        """The next seqNo of a transaction (call inside `atomic` with the `put`)."""
        row = self._db.execute(
            "SELECT next FROM seq WHERE transaction_id = ?", (transaction_id,)
        ).fetchone()
        seq_no = 0 if row is None else int(row[0])
        self._db.execute(
            "INSERT OR REPLACE INTO seq (transaction_id, next) VALUES (?, ?)",
            (transaction_id, seq_no + 1),
        )
        return seq_no

    def head(self) -> Entry | None:
        row = self._db.execute(
            "SELECT id, action, payload, persistent, attempts FROM outbox ORDER BY id LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return Entry(row[0], row[1], json.loads(row[2]), bool(row[3]), row[4])

    def entries(self) -> list[Entry]:
        rows = self._db.execute(
            "SELECT id, action, payload, persistent, attempts FROM outbox ORDER BY id"
        ).fetchall()
        return [Entry(r[0], r[1], json.loads(r[2]), bool(r[3]), r[4]) for r in rows]

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def drop_volatile(self) -> None:
        self._db.execute("DELETE FROM outbox WHERE persistent = 0")

    def _exists(self, entry_id: int) -> bool:
        row = self._db.execute("SELECT 1 FROM outbox WHERE id = ?", (entry_id,)).fetchone()
        return row is not None

    def _delete(self, entry_id: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE id = ?", (entry_id,))

    def _failed_attempt(self, entry: Entry) -> int:
        attempts = entry.attempts + 1
        self._db.execute("UPDATE outbox SET attempts = ? WHERE id = ?", (attempts, entry.id))
        return attempts

    async def wait_empty(self, timeout: float | None = None) -> None:
        """Wait until every queued entry has been delivered or dropped."""
        async with asyncio.timeout(timeout):
            while len(self):
                await asyncio.sleep(0.01)

    # -- delivery --------------------------------------------------------------------------------

    async def run(
        self,
        online: Callable[[], Awaitable[OcppConnection]],
        policy: DeliveryPolicy,
        on_answer: Callable[[Entry, OcppModel], None],
    ) -> None:
        """Deliver entries forever (see the module docstring). `online()` returns a connection
        on which the station may send (connected and accepted by the CSMS)."""
        while True:
            if self.head() is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            conn = await online()
            entry = self.head()  # read again: coming online may have queued a report in front
            if entry is None:
                continue
            try:
                spec = v201.ACTIONS[entry.action]
                request = spec.request.from_json_dict(entry.payload)
            except Exception:
                logger.exception("dropping an unreadable queued %s", entry.action)
                self._delete(entry.id)
                continue
            try:
                response = await conn.call(request, action=entry.action)
            except Disconnected:
                continue
            except (RemoteCallError, InvalidResultError, CallTimeout) as error:
                if not self._exists(entry.id):  # dropped meanwhile (volatile, on disconnect)
                    continue
                if not entry.persistent:
                    self._delete(entry.id)
                    continue
                attempts = self._failed_attempt(entry)
                logger.info("%s attempt %d failed: %r", entry.action, attempts, error)
                if attempts >= policy.attempts():
                    self._delete(entry.id)
                    self.dropped.append(entry)
                    continue
                await asyncio.sleep(policy.interval() * attempts)
                continue
            self._delete(entry.id)
            self.delivered += 1
            try:
                on_answer(entry, response)
            except Exception:
                logger.exception("handling the answer to %s failed", entry.action)
