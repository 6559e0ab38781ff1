"""A migrated database for the tests of one store part alone: a SQLite file in tmp_path or a
fresh PostgreSQL database (the `postgres_url` fixture), parametrized by the test files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ocppgen.reference.csms.db import Database, migrate, open_database

BACKENDS = ["sqlite", "postgresql"]


def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL for the backend the test is parametrized with."""
    if request.param == "sqlite":
        return str(tmp_path / "part.sqlite3")
    url: str = request.getfixturevalue("postgres_url")
    return url


@contextmanager
def migrated(url: str) -> Iterator[Database]:
    db = open_database(url)
    try:
        migrate(db)
        yield db
    finally:
        db.close()


def add_station(db: Database, station_id: str) -> None:
    """A bare `stations` row: the other parts' tables refer to it."""
    db.execute("INSERT INTO stations (id, created_at) VALUES (?, 'x')", (station_id,))
