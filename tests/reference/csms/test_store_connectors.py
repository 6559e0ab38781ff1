"""ConnectorStore alone (issue 14 item 1): the latest status per connector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocppgen.reference.csms.store.connectors import ConnectorStore
from tests.reference.csms.store_parts import BACKENDS, add_station, database_url, migrated


@pytest.fixture(params=BACKENDS)
def connectors(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConnectorStore]:
    with migrated(database_url(request, tmp_path)) as db:
        add_station(db, "CS1")
        yield ConnectorStore(db)


def test_the_latest_status_wins_and_a_late_one_is_kept_out(connectors: ConnectorStore) -> None:
    connectors.set_connector_status("CS1", 2, 1, "Available", "2025-01-01T10:00:00.000Z")
    connectors.set_connector_status("CS1", 1, 1, "Available", "2025-01-01T10:00:00.000Z")
    connectors.set_connector_status("CS1", 1, 1, "Occupied", "2025-01-01T10:05:00.000Z")
    connectors.set_connector_status("CS1", 1, 1, "Faulted", "2025-01-01T10:01:00.000Z")  # late
    assert [(c["evse_id"], c["status"], c["updated_at"]) for c in connectors.connectors("CS1")] == [
        (1, "Occupied", "2025-01-01T10:05:00.000Z"),
        (2, "Available", "2025-01-01T10:00:00.000Z"),
    ]
    assert connectors.connectors("OTHER") == []
