"""Database backends of the reference CSMS (SQLite file, PostgreSQL by URL) and the migrator.

The store speaks one small dialect of SQL that both engines run unchanged: `?` placeholders,
`INSERT ... ON CONFLICT`, TEXT/INTEGER/DOUBLE PRECISION columns, '...' string literals and "..."
identifiers (no E'...' strings, dollar quoting or PostgreSQL's `?` operators: SQLite has none of
them). Both backends run in autocommit mode; `transaction()` groups statements atomically (a
savepoint inside an open transaction), and `begin`/`commit` hold one transaction open across
many writes for the group commit (`group_commit.py`).

Durability: a COMMIT that returned is on disk, except the group commit's batch (`begin` ...
`commit`), which is durable once `sync()` returned. SQLite runs WAL with `synchronous = FULL`
(with NORMAL, WAL commits are synced only at checkpoints and the last ones can be lost on power
loss); PostgreSQL sessions set `synchronous_commit = on` (its default; COMMIT waits for the WAL
flush), so a server or role configured otherwise does not weaken the CSMS's answers. The fsync
this costs per COMMIT is shared by a whole batch of events (`GroupCommit`). On SQLite a batch
commits with `synchronous = NORMAL` (0.03 ms instead of about 3 ms on this project's machines)
and `sync()` then fdatasyncs the WAL file, which is what FULL does at COMMIT, in a thread: the
event loop does not wait for the disk, and the batch's writers are answered after `sync()`.

What differs is hidden here, in one place per backend, so that every value the store is given
comes back exactly:
- Placeholders: sqlite3 takes `?` natively. psycopg takes `%s` and reads every `%` in the text as
  the start of a placeholder, even inside literals; `postgres_sql` rewrites a statement with a
  tokenizer that skips literals, quoted identifiers and comments (`?` there stays as it is) and
  doubles every literal `%` (cached: the store reuses a few dozen statements).
- NUL: PostgreSQL text cannot hold U+0000, which OCPP strings may contain (any Unicode
  character). `PostgresDatabase` stores strings with a reversible escape (U+0001 starts an
  escape: U+0000 -> U+0001 "0", U+0001 -> U+0001 "1"), applied to every string parameter and
  undone on every string read. A string without either character is stored as it is, so SQL
  literals, equality, indexes and ordering of ordinary text are unchanged (SQL functions of a
  stored string, e.g. length(), see the escaped form: the store uses none). SQLite stores NUL.
  Payloads are JSON text in TEXT columns (`json.dumps` writes U+0000 as `\u0000`), never
  jsonb, which refuses `\u0000`.
- Integers: the columns are INTEGER (32-bit on PostgreSQL, 64-bit on SQLite), as OCPP's
  integer is 32-bit; the CSMS refuses out-of-range integers before they reach the store
  (`handlers.INT32_RANGE`).

Calls are synchronous. The CSMS runs on one event loop and every statement it issues is a
short indexed lookup or insert on a local file or a nearby server, so running them inline keeps
each handler atomic with respect to the others (no interleaving between read and write) at the
cost of blocking the loop for well under a millisecond per statement on SQLite.

Migrations are the numbered files in `migrations/` (`0001_initial.sql`, ...), applied in order,
each in its own transaction, and recorded in `schema_version`; `migrate()` applies those not yet
applied and never touches the others. A database newer than this code is refused.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "MIGRATIONS_DIR",
    "Database",
    "PostgresDatabase",
    "SqliteDatabase",
    "migrate",
    "migrations",
    "open_database",
    "postgres_sql",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

Row = dict[str, Any]
Params = Sequence[Any]


class Database(Protocol):
    """What the store needs from a database engine."""

    dialect: str

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        ...

    def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement once per parameter row (one call for a message's meter values)."""
        ...

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one query; return its rows as dicts (column name -> value)."""
        ...

    def transaction(self) -> Any:
        """A context manager: the statements inside commit together or not at all (inside an
        open transaction, a savepoint: a failure undoes only its own statements)."""
        ...

    def begin(self) -> None:
        """Open a transaction that later statements (and `transaction()`s) join until
        `commit` or `rollback`: the group commit's batch."""
        ...

    def commit(self) -> None:
        """Commit the `begin` transaction; durable once `sync` returned."""
        ...

    def rollback(self) -> None: ...

    @property
    def deferred_sync(self) -> bool:
        """Whether `commit` leaves the disk to `sync` (else `sync` has nothing to do)."""
        ...

    def sync(self) -> None:
        """Make every commit so far durable. Blocks on the disk and touches no connection
        state: call it in a thread."""
        ...

    def close(self) -> None: ...


class SqliteDatabase:
    """A SQLite file (or ":memory:")."""

    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA journal_mode = WAL")
        # FULL: in WAL mode, NORMAL may lose the last commits on power loss; the CSMS answers
        # a station only after its write committed, so a commit must be on disk.
        self._conn.execute("PRAGMA synchronous = FULL")
        self._savepoints = 0
        self.deferred_sync = self.path != ":memory:"
        self._directory_synced = False

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._conn.execute(sql, tuple(params)).rowcount

    def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        self._conn.executemany(sql, rows)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        return [dict(row) for row in self._conn.execute(sql, tuple(params)).fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._conn.in_transaction:  # inside an open one: a savepoint, undone alone
            self._savepoints += 1
            name = f"sp{self._savepoints}"
            self._conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                self._conn.execute(f"ROLLBACK TO {name}")
                self._conn.execute(f"RELEASE {name}")
                raise
            else:
                self._conn.execute(f"RELEASE {name}")
            finally:
                self._savepoints -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    def begin(self) -> None:
        # NORMAL for this transaction only (SQLite refuses to change it inside one): its COMMIT
        # writes the WAL without waiting for the disk; `sync` does that. FULL again after it.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._conn.execute("PRAGMA synchronous = FULL")
            raise

    def commit(self) -> None:
        self._conn.execute("COMMIT")
        self._conn.execute("PRAGMA synchronous = FULL")

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        self._conn.execute("PRAGMA synchronous = FULL")

    def sync(self) -> None:
        if not self.deferred_sync:
            return
        try:
            fd = os.open(self.path + "-wal", os.O_RDONLY)
        except FileNotFoundError:  # no WAL: every commit is in the database file, synced
            return
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)
        if not self._directory_synced:  # the WAL file's own entry, once (as SQLite does)
            directory = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self._directory_synced = True

    def close(self) -> None:
        self._conn.close()


class PostgresDatabase:
    """A PostgreSQL database, by libpq URL (`postgresql://user@host:5432/name`)."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg.rows import dict_row

        self.url = url
        self._conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        self._in_error = psycopg.pq.TransactionStatus.INERROR
        # PostgreSQL's default, made sure of: COMMIT returns once the WAL is flushed, whatever
        # the server or role was configured with (the CSMS acknowledges after COMMIT).
        self._conn.execute("SET synchronous_commit = on")

    def execute(self, sql: str, params: Params = ()) -> int:
        cursor = self._conn.execute(postgres_sql(sql), _pg_params(params))
        return int(cursor.rowcount)

    def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        # psycopg pipelines the rows: one round trip, not one per row
        with self._conn.cursor() as cursor:
            cursor.executemany(postgres_sql(sql), [_pg_params(row) for row in rows])

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = self._conn.execute(postgres_sql(sql), _pg_params(params))
        return [_pg_row(row) for row in cursor.fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # psycopg makes it a savepoint when a transaction is open (`begin`)
        with self._conn.transaction():
            yield

    def begin(self) -> None:
        self._conn.execute("BEGIN")

    def commit(self) -> None:
        # A statement that failed in the open transaction aborted all of it, and PostgreSQL
        # answers COMMIT with a ROLLBACK, not an error: refuse, so no write is taken as stored.
        if self._conn.info.transaction_status == self._in_error:
            self._conn.execute("ROLLBACK")
            raise RuntimeError("the transaction failed earlier and was rolled back")
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    deferred_sync = False  # COMMIT waits for the server's WAL flush

    def sync(self) -> None:
        pass

    def close(self) -> None:
        self._conn.close()


# One token of the portable dialect that may hold `?` or `%` as text, or a bare `?` / `%`.
_PG_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|[?%]""", re.DOTALL)


def _pg_token(match: re.Match[str]) -> str:
    token = match[0]
    return "%s" if token == "?" else token.replace("%", "%%")


@functools.lru_cache(maxsize=256)
def postgres_sql(sql: str) -> str:
    """A statement of the portable dialect in psycopg's style: each `?` placeholder becomes
    `%s`, each `%` (psycopg's escape character, wherever it stands) becomes `%%`; a `?` inside
    a string literal, a quoted identifier or a comment is text and stays."""
    return _PG_TOKEN.sub(_pg_token, sql)


_NUL, _ESCAPE = "\x00", "\x01"
_ESCAPED = re.compile("\x01([01])")


def _pg_text(value: str) -> str:
    """`value` as PostgreSQL text can hold it (no U+0000); `_pg_untext` undoes it."""
    if _NUL not in value and _ESCAPE not in value:
        return value
    return value.replace(_ESCAPE, _ESCAPE + "1").replace(_NUL, _ESCAPE + "0")


def _pg_unescape(match: re.Match[str]) -> str:
    return _NUL if match[1] == "0" else _ESCAPE


def _pg_untext(value: str) -> str:
    return _ESCAPED.sub(_pg_unescape, value) if _ESCAPE in value else value


def _pg_params(params: Params) -> tuple[Any, ...]:
    return tuple(_pg_text(p) if isinstance(p, str) else p for p in params)


def _pg_row(row: Mapping[str, Any]) -> Row:
    return {k: _pg_untext(v) if isinstance(v, str) else v for k, v in row.items()}


def open_database(url: str | Path) -> Database:
    """`postgresql://...` or `postgres://...` -> PostgreSQL; `sqlite:///path`, `sqlite:path` or
    a plain file path -> SQLite."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(text)
    for prefix in ("sqlite:///", "sqlite://", "sqlite:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if "://" in text:
        raise ValueError(f"unsupported database URL {url!r}: use a file path or postgresql://...")
    return SqliteDatabase(text or ":memory:")


_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|postgresql))?\.sql$")


def migrations(dialect: str, directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration for `dialect`, in order; numbers must be 1, 2,
    3, .... A migration is one `NNNN_name.sql` both engines run, or, where the portable dialect
    cannot say it, a `NNNN_name.sqlite.sql` and a `NNNN_name.postgresql.sql`."""
    by_version: dict[int, dict[str | None, tuple[str, str]]] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(
                f"{path.name}: migration files are named NNNN_name.sql or "
                "NNNN_name.sqlite.sql + NNNN_name.postgresql.sql"
            )
        files = by_version.setdefault(int(match[1]), {})
        files[match[3]] = (match[2], path.read_text(encoding="utf-8"))
    found: list[tuple[int, str, str]] = []
    for expected, version in enumerate(sorted(by_version), start=1):
        files = by_version[version]
        if version != expected:
            raise ValueError(f"migration {version:04d}: expected number {expected:04d}")
        if set(files) not in ({None}, {"sqlite", "postgresql"}):
            raise ValueError(
                f"migration {version:04d}: one NNNN_name.sql, or one file per engine "
                "(.sqlite.sql and .postgresql.sql)"
            )
        name, sql = files.get(None) or files[dialect]
        found.append((version, name, sql))
    return found


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (our files keep ';' out of literals and comments)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def migrate(db: Database, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply the migrations `db` has not had yet; return the versions applied now."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    rows = db.query("SELECT MAX(version) AS version FROM schema_version")
    current = int(rows[0]["version"] or 0)
    available = migrations(db.dialect, directory)
    if current > len(available):
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this code "
            f"({len(available)}); upgrade ocppgen"
        )
    applied: list[int] = []
    for version, name, sql in available[current:]:
        with db.transaction():
            for statement in _statements(sql):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (version, name, datetime.now(UTC).isoformat()),
            )
        applied.append(version)
    return applied
