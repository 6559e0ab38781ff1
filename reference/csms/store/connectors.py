"""The latest status of every connector, from StatusNotifications (table `connectors`)."""

from __future__ import annotations

from typing import Any

from ocppgen.reference.csms.db import Database

__all__ = ["ConnectorStore"]


class ConnectorStore:
    """Connector statuses on one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def set_connector_status(
        self, station_id: str, evse_id: int, connector_id: int, status: str, timestamp: str
    ) -> None:
        """Keep the latest status per connector (a status older than the stored one is kept
        out: StatusNotifications may be queued and arrive late)."""
        self.db.execute(
            "INSERT INTO connectors (station_id, evse_id, connector_id, status, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE "
            "SET status = excluded.status, updated_at = excluded.updated_at "
            "WHERE connectors.updated_at <= excluded.updated_at",
            (station_id, evse_id, connector_id, status, timestamp),
        )

    def connectors(self, station_id: str) -> list[dict[str, Any]]:
        return self.db.query(
            "SELECT evse_id, connector_id, status, updated_at FROM connectors "
            "WHERE station_id = ? ORDER BY evse_id, connector_id",
            (station_id,),
        )
