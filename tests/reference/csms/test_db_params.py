"""Issue 13 item 7: the store's portable SQL (`?` placeholders) runs unchanged on both backends
even when a statement holds a literal `%` or `?`; and (item 10) every string, NUL and the
PostgreSQL escape character included, is stored and read back exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.db import Database, open_database, postgres_sql


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database of each backend."""
    if request.param == "sqlite":
        url = str(tmp_path / "params.sqlite3")
    else:
        url = request.getfixturevalue("postgres_url")
    database = open_database(url)
    database.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    yield database
    database.close()


def test_postgres_sql_rewrites_placeholders_only_outside_literals() -> None:
    assert postgres_sql("SELECT a FROM t WHERE b = ? AND c = ?") == (
        "SELECT a FROM t WHERE b = %s AND c = %s"
    )
    assert postgres_sql("SELECT 'is 50% done?', \"x?\" FROM t WHERE b LIKE '%?' AND c = ?") == (
        "SELECT 'is 50%% done?', \"x?\" FROM t WHERE b LIKE '%%?' AND c = %s"
    )
    assert postgres_sql("SELECT 'it''s ?' -- why? 100%\n, ? /* ? % */") == (
        "SELECT 'it''s ?' -- why? 100%%\n, %s /* ? %% */"
    )
    assert postgres_sql("SELECT 5 % ?") == "SELECT 5 %% %s"  # the modulo operator


def test_literal_percent_and_question_mark_in_statements(db: Database) -> None:
    db.execute("INSERT INTO notes (id, body) VALUES (1, 'is 50% done?'), (?, ?)", (2, "100%"))
    db.execute("INSERT INTO notes (id, body) VALUES (?, 'it''s ?') -- a note: 100% ?", (3,))
    db.execute("INSERT INTO notes /* ? and % */ (id, body) VALUES (?, ?)", (4, "plain"))
    assert db.query("SELECT id FROM notes WHERE body LIKE '%?%' ORDER BY id") == [
        {"id": 1},
        {"id": 3},
    ]
    assert db.query("SELECT id FROM notes WHERE body LIKE '%\\%%' ESCAPE '\\' ORDER BY id") == [
        {"id": 1},
        {"id": 2},
    ]
    assert db.query("SELECT id FROM notes WHERE body LIKE ? ORDER BY id", ("100%",)) == [{"id": 2}]
    assert db.query('SELECT body AS "what?", id % 3 AS rest FROM notes WHERE id = ?', (1,)) == [
        {"what?": "is 50% done?", "rest": 1}
    ]
    assert db.execute("UPDATE notes SET body = body || '?%' WHERE id = ?", (4,)) == 1
    assert db.query("SELECT body FROM notes WHERE id = 4") == [{"body": "plain?%"}]


TRICKY = [
    "a\x00b",
    "\x00",
    "\x01",
    "\x010",
    "\x011",
    "\x01\x00\x01",
    "0\x01",
    "plain",
    "",
    "€ \U0001f50c ?%",
]


def test_every_string_is_stored_and_found_exactly(db: Database) -> None:
    for number, text in enumerate(TRICKY):
        db.execute("INSERT INTO notes (id, body) VALUES (?, ?)", (number, text))
    rows = db.query("SELECT id, body FROM notes ORDER BY id")
    assert [row["body"] for row in rows] == TRICKY
    for number, text in enumerate(TRICKY):  # equality in SQL sees the same values
        assert db.query("SELECT id FROM notes WHERE body = ?", (text,)) == [{"id": number}]
    assert db.query("SELECT COUNT(*) AS n FROM notes WHERE body = 'plain'") == [{"n": 1}]
