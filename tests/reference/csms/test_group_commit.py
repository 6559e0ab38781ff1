"""Durable acknowledgements: commits that survive power loss, group commit of TransactionEvents."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from pathlib import Path

import pytest

from ocppgen.reference.csms.db import PostgresDatabase, SqliteDatabase
from ocppgen.reference.csms.group_commit import GroupCommit


def test_sqlite_commits_are_synced_in_wal(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "durable.sqlite3")
    try:
        assert db.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
        assert db.query("PRAGMA synchronous")[0]["synchronous"] == 2  # FULL
    finally:
        db.close()


def test_postgresql_commits_wait_for_the_wal_flush(postgres_url: str) -> None:
    db = PostgresDatabase(postgres_url)
    try:
        assert db.query("SHOW synchronous_commit")[0]["synchronous_commit"] == "on"
    finally:
        db.close()


async def test_writes_of_one_window_commit_together_before_they_return(tmp_path: Path) -> None:
    path = tmp_path / "group.sqlite3"
    db = SqliteDatabase(path)
    db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    other = sqlite3.connect(path)
    group = GroupCommit(db, window=0.05)

    def insert(n: int) -> int:
        with db.transaction():
            db.execute("INSERT INTO t (n) VALUES (?)", (n,))
            # the same connection reads its batch's earlier writes
            return len(db.query("SELECT n FROM t"))

    try:
        writes = [
            asyncio.ensure_future(group.write(functools.partial(insert, n))) for n in range(5)
        ]
        await asyncio.sleep(0)  # every write ran; the batch is still open
        assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0
        assert not any(w.done() for w in writes)
        assert await asyncio.gather(*writes) == [1, 2, 3, 4, 5]
        assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 5
        assert group.batches == 1
    finally:
        other.close()
        db.close()


async def test_a_failing_write_undoes_only_itself(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "group.sqlite3")
    db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    group = GroupCommit(db, window=10.0, max_writes=3)

    def insert(*ns: int) -> None:
        with db.transaction():
            for n in ns:
                db.execute("INSERT INTO t (n) VALUES (?)", (n,))

    try:
        first = asyncio.ensure_future(group.write(functools.partial(insert, 1)))
        await asyncio.sleep(0)
        with pytest.raises(sqlite3.IntegrityError):
            await group.write(functools.partial(insert, 2, 1))  # 2 is undone with it
        await group.write(functools.partial(insert, 3))  # the third write: the batch is full
        await first
        assert [r["n"] for r in db.query("SELECT n FROM t ORDER BY n")] == [1, 3]
        assert group.batches == 1
    finally:
        db.close()


async def test_a_joined_write_returns_at_once_and_commits_with_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "group.sqlite3"
    db = SqliteDatabase(path)
    db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    other = sqlite3.connect(path)
    group = GroupCommit(db, window=0.05)
    try:
        assert group.join(lambda: db.execute("INSERT INTO t (n) VALUES (1)")) == 1
        durable = asyncio.ensure_future(
            group.write(lambda: db.execute("INSERT INTO t (n) VALUES (2)"))
        )
        await asyncio.sleep(0)
        assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0  # not committed
        await durable
        assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2  # one batch
        assert group.batches == 1
    finally:
        other.close()
        db.close()


async def test_postgresql_batch_with_a_failed_statement_fails_its_writers(
    postgres_url: str,
) -> None:
    """PostgreSQL aborts the whole transaction on any failed statement and answers a later
    COMMIT with ROLLBACK, not an error: no writer of that batch may be told it is stored."""
    db = PostgresDatabase(postgres_url)
    db.execute("CREATE TABLE gc_t (n INTEGER PRIMARY KEY)")
    group = GroupCommit(db, window=0.05)
    try:
        durable = asyncio.ensure_future(
            group.write(lambda: db.execute("INSERT INTO gc_t (n) VALUES (1)"))
        )
        await asyncio.sleep(0)
        with pytest.raises(Exception, match="division by zero"):
            group.join(lambda: db.query("SELECT 1 / 0 AS n"))  # outside any savepoint
        with pytest.raises(RuntimeError, match="rolled back"):
            await durable
        assert db.query("SELECT COUNT(*) AS n FROM gc_t")[0]["n"] == 0
    finally:
        db.execute("DROP TABLE gc_t")
        db.close()


class GatedSync(SqliteDatabase):
    """A real SQLite file whose `sync` (the fsync after a batch) waits for the test's word."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.synced = 0
        self.failure: OSError | None = None

    def sync(self) -> None:
        self.gate.wait(timeout=60)
        if self.failure is not None:
            raise self.failure
        super().sync()
        self.synced += 1


async def test_a_batch_is_answered_after_its_fsync_not_its_commit(tmp_path: Path) -> None:
    path = tmp_path / "gated.sqlite3"
    db = GatedSync(path)
    db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    other = sqlite3.connect(path)
    group = GroupCommit(db, window=0.01)

    def insert(n: int) -> None:
        with db.transaction():
            db.execute("INSERT INTO t (n) VALUES (?)", (n,))

    try:
        first = asyncio.ensure_future(group.write(functools.partial(insert, 1)))
        while group.batches == 0:  # the window ends and the batch commits
            await asyncio.sleep(0.005)
        assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1  # committed...
        assert db.query("PRAGMA synchronous")[0]["synchronous"] == 2  # FULL again after it
        # ...while its fsync waits: the loop goes on and the next batch commits too
        second = asyncio.ensure_future(group.write(functools.partial(insert, 2)))
        while group.batches == 1:
            await asyncio.sleep(0.005)
        assert other.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 2
        assert not first.done() and not second.done()  # neither answered before its fsync
        db.gate.set()
        await asyncio.wait_for(asyncio.gather(first, second), 30)
        assert db.synced == 2
    finally:
        db.gate.set()
        await group.close()
        other.close()
        db.close()


async def test_a_failed_fsync_fails_the_batch_writers(tmp_path: Path) -> None:
    db = GatedSync(tmp_path / "failing.sqlite3")
    db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    db.failure = OSError(5, "Input/output error")
    db.gate.set()
    group = GroupCommit(db, window=0.01)
    try:
        with pytest.raises(OSError, match="Input/output error"):
            await asyncio.wait_for(
                group.write(lambda: db.execute("INSERT INTO t (n) VALUES (1)")), 30
            )
        db.failure = None  # the next batch is answered again
        await asyncio.wait_for(group.write(lambda: db.execute("INSERT INTO t (n) VALUES (2)")), 30)
    finally:
        await group.close()
        db.close()
