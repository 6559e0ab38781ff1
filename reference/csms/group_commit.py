"""Group commit: many stations' writes in one database transaction, each acknowledged only after
the COMMIT that made it durable.

    result = await group.write(lambda: store.add_transaction_event(...))

The first write of a batch opens a transaction (`Database.begin`); each write runs at once, on
the one connection, in its own savepoint (the store's `transaction()`), so a failing write undoes
only itself and every later read (token status, the folded summary, a re-sent seqNo) sees the
writes before it, in order. The batch commits when its window (`window` seconds after its first
write) ends or when it holds `max_writes` writes, whichever comes first; only then does each
`write` return, so its CALLRESULT is sent after its write is on disk. One fsync per batch instead
of one per event.

The batch runs on the event loop, not on a writer thread: each write is a few indexed statements
(constant work per event, see `store.transactions`), the loop would wait for them anyway to
answer, and one connection used from one thread keeps reads and writes in one order without locks.
Only the disk is waited for elsewhere: the COMMIT returns before the fsync (`Database.sync`,
SQLite), which runs in a thread of its own while the loop goes on (the next batch included);
the batch's writers are released when it returned. An fsync takes about 3 ms of wall time here
(0.3 ms of CPU), which the loop used to sit out once per batch; in a reconnect storm, where
boots arrive a few milliseconds apart, that was once per boot. The window, 0.5 ms, was measured
(bench_csms throughput, SQLite, synchronous=FULL, 10/100/1,000 stations, two runs each): 0,
0.5 and 2 ms were within the runs' noise at 10 and 1,000 stations; at 100 stations 0.5 ms gave
2,349-2,507 events/s against 1,586-1,690 with 2 ms, which holds answers longer than a batch
needs to fill. `join` runs a write in the batch without waiting for
its COMMIT (a station's `last_seen_at`: every CALL's, which on its own would commit, and fsync,
once per CALL); other statements issued while a batch is open (the operator API) join it too.

On PostgreSQL a failed statement outside a savepoint aborts the whole batch, and COMMIT would
then answer ROLLBACK without an error: `PostgresDatabase.commit` raises instead, so every writer
of that batch gets the error and none is answered as stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ocppgen.reference.csms.db import Database

__all__ = ["GroupCommit"]

logger = logging.getLogger("ocppgen.reference.csms")

T = TypeVar("T")


class GroupCommit:
    """Batches writes on `db` into one transaction per `window` seconds or `max_writes` writes."""

    def __init__(self, db: Database, *, window: float = 0.0005, max_writes: int = 200) -> None:
        self.db = db
        self.window = window
        self.max_writes = max_writes
        self._waiting: list[asyncio.Future[None]] | None = None  # None: no batch open
        self._timer: asyncio.TimerHandle | None = None
        self._syncer = ThreadPoolExecutor(1, "ocppgen-fsync") if db.deferred_sync else None
        self._syncing: asyncio.Future[None] | None = None  # the latest batch's fsync
        self.batches = 0
        """Batches committed (for tests and measurements)."""

    def join(self, write: Callable[[], T]) -> T:
        """Run `write` in the open batch (opening one) and return its result at once, without
        waiting for the COMMIT: for writes whose loss on power failure costs nothing (when a
        station was last seen), which would otherwise commit, and fsync, one by one."""
        self._open()
        return write()

    def _open(self) -> None:
        if self._waiting is None:
            self.db.begin()
            self._waiting = []
            self._timer = asyncio.get_running_loop().call_later(self.window, self.flush)

    async def write(self, write: Callable[[], T]) -> T:
        """Run `write` (synchronous store calls) in the open batch; return its result once the
        batch committed. If the commit fails, raise its error (the write is not stored)."""
        self._open()
        result = write()  # a failure rolled back its own savepoint; the batch goes on
        committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        assert self._waiting is not None
        self._waiting.append(committed)
        if len(self._waiting) >= self.max_writes:
            self.flush()
        await asyncio.shield(committed)  # a cancelled handler must not fail the others
        return result

    def flush(self) -> None:
        """Commit the open batch now and release its writers."""
        waiting, self._waiting = self._waiting, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if waiting is None:
            return
        try:
            self.db.commit()
        except Exception as error:
            logger.exception("group commit of %d writes failed", len(waiting))
            self._rollback()
            for future in waiting:
                if not future.done():
                    future.set_exception(error)
            return
        self.batches += 1
        if self._syncer is None:
            _release(waiting, None)
            return
        # One thread, so syncs finish in batch order; each covers every COMMIT before it.
        syncing = asyncio.get_running_loop().run_in_executor(self._syncer, self.db.sync)
        syncing.add_done_callback(lambda done: _release(waiting, done.exception()))
        self._syncing = syncing

    async def close(self) -> None:
        """Commit the open batch and wait until every batch is on disk."""
        self.flush()
        if self._syncing is not None:
            await asyncio.gather(self._syncing, return_exceptions=True)
        if self._syncer is not None:
            self._syncer.shutdown()

    def _rollback(self) -> None:
        try:
            self.db.rollback()
        except Exception:
            logger.exception("rollback after a failed group commit failed")


def _release(waiting: list[asyncio.Future[None]], error: BaseException | None) -> None:
    if error is not None:
        logger.error("fsync after a group commit of %d writes failed: %s", len(waiting), error)
    for future in waiting:
        if not future.done():
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
