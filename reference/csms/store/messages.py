"""Station-initiated messages beyond the core (issue 17 item 1), table `station_messages`: one
row per message, numbered per station (`seq`) in arrival order, written whole in one statement
(no half-written state), and the CSMS-initiated requests they refer to (`csms_requests`), so a
notification naming a requestId the CSMS never sent is recognised as an anomaly."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ocppgen.reference.csms.db import Database
from ocppgen.reference.csms.store.values import now, to_json

__all__ = ["MessageStore"]

_COLUMNS = (
    "seq, action, received_at, request_id, evse_id, status, critical, anomaly, payload, "
    "answer, outcome"
)


class MessageStore:
    """Station messages and the requests they answer, on one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_message(
        self,
        station_id: str,
        action: str,
        payload: Mapping[str, Any],
        answer: Mapping[str, Any],
        *,
        request_id: int | None = None,
        evse_id: int | None = None,
        status: str | None = None,
        critical: bool = False,
        anomaly: str | None = None,
    ) -> int:
        """Store one message with the answer sent for it; return its `seq`."""
        with self.db.transaction():
            rows = self.db.query(
                "SELECT MAX(seq) AS seq FROM station_messages WHERE station_id = ?",
                (station_id,),
            )
            seq = (rows[0]["seq"] or 0) + 1
            self.db.execute(
                f"INSERT INTO station_messages (station_id, {_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    station_id,
                    seq,
                    action,
                    now(),
                    request_id,
                    evse_id,
                    status,
                    int(critical),
                    anomaly,
                    to_json(payload),
                    to_json(answer),
                    None,
                ),
            )
        return seq

    def set_outcome(self, station_id: str, seq: int, outcome: Mapping[str, Any]) -> None:
        """What followed the answer to message `seq` (e.g. the CertificateSigned result)."""
        self.db.execute(
            "UPDATE station_messages SET outcome = ? WHERE station_id = ? AND seq = ?",
            (to_json(outcome), station_id, seq),
        )

    def messages(
        self,
        station_id: str | None = None,
        *,
        action: str | None = None,
        anomalies: bool = False,
        critical: bool = False,
    ) -> list[dict[str, Any]]:
        """Stored messages in arrival order (of one station, one action, with an anomaly only,
        critical security events only)."""
        where, params = ["1 = 1"], []
        for clause, value in (("station_id = ?", station_id), ("action = ?", action)):
            if value is not None:
                where.append(clause)
                params.append(value)
        if anomalies:
            where.append("anomaly IS NOT NULL")
        if critical:
            where.append("critical = 1")
        rows = self.db.query(
            f"SELECT station_id, {_COLUMNS} FROM station_messages WHERE {' AND '.join(where)} "
            "ORDER BY station_id, seq",
            params,
        )
        return [_message(row) for row in rows]

    def status_history(self, station_id: str, action: str) -> list[dict[str, Any]]:
        """Per requestId (null: without one), the statuses `action` reported, in order."""
        history: dict[int | None, list[dict[str, Any]]] = {}
        for message in self.messages(station_id, action=action):
            entry = {"status": message["status"], "received_at": message["received_at"]}
            history.setdefault(message["request_id"], []).append(entry)
        return [{"request_id": key, "statuses": value} for key, value in history.items()]

    # -- the CSMS's own requests ----------------------------------------------------------------

    def record_request(
        self, station_id: str, action: str, request_id: int, status: str | None
    ) -> None:
        """A request the CSMS sent that names `request_id`, with the station's answer status."""
        self.db.execute(
            "INSERT INTO csms_requests (station_id, action, request_id, sent_at, status) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (station_id, action, request_id) DO UPDATE SET "
            "sent_at = excluded.sent_at, status = excluded.status",
            (station_id, action, request_id, now(), status),
        )

    def sent_request(self, station_id: str, action: str, request_id: int) -> str | None:
        """The station's answer status to our `action` with `request_id` ('' without a status;
        None: never sent)."""
        rows = self.db.query(
            "SELECT status FROM csms_requests WHERE station_id = ? AND action = ? AND "
            "request_id = ?",
            (station_id, action, request_id),
        )
        return None if not rows else (rows[0]["status"] or "")


def _message(row: Mapping[str, Any]) -> dict[str, Any]:
    message = dict(row)
    message["critical"] = bool(message["critical"])
    for key in ("payload", "answer", "outcome"):
        text = message[key]
        message[key] = None if text is None else json.loads(text)
    return message
